/**
 * Wall-clock skew (`--max-skew-ms`): each simulated node reads its own wall clock, off by a
 * seeded amount. The skews must really be applied (different per node, within the bound, the
 * same for a seed, kept across a restart), and the membership and election cores, which time
 * everything on the monotonic clock, must not notice: the same seed with and without a skew of
 * an hour gives the same trace, and every invariant holds.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { CoreAdapter, CoreFactory } from '../src/core-adapter.js'
import { formatReport } from '../src/report.js'
import { runScenario } from '../src/run.js'
import { SIM_WALL_EPOCH_MS } from '../src/simulation.js'

const HOUR_MS = 3_600_000

/** A core that only records what its node's wall clock says against the virtual clock. */
function wallClockProbe (seen: Map<string, number[]>): CoreFactory {
  return {
    name: 'wall-clock-probe',
    create: (host): CoreAdapter => ({
      name: 'wall-clock-probe',
      start: () => {
        const offsets = seen.get(host.id) ?? []
        seen.set(host.id, offsets)
        host.every(5000, 1, () => { offsets.push(host.wallClock.now() - SIM_WALL_EPOCH_MS - host.clock.now()) })
      },
      receive: () => {},
      peerLost: () => {}
    })
  }
}

describe('wall-clock skew', () => {
  it('gives each node its own seeded offset within the bound, kept across restarts', () => {
    const seen = new Map<string, number[]>()
    const r = runScenario({ scenario: 'crash', nodes: 9, seconds: 60, seed: 4, maxSkewMs: 2000, extraCores: [wallClockProbe(seen)] })
    assert.equal(r.summary.faults.restarts > 0, true, 'the scenario restarts a node: the offset must survive it')
    const perNode = [...seen.values()].map((offsets) => new Set(offsets))
    for (const offsets of perNode) assert.equal(offsets.size, 1, 'one offset per node for the whole run')
    const offsets = perNode.map((s) => [...s][0]!)
    for (const o of offsets) assert.ok(Math.abs(o) <= 2000, `offset ${o} ms outside ±2000`)
    assert.ok(new Set(offsets).size >= 7, `offsets should differ between nodes: ${offsets.join(', ')}`)
    const again = new Map<string, number[]>()
    runScenario({ scenario: 'crash', nodes: 9, seconds: 60, seed: 4, maxSkewMs: 2000, extraCores: [wallClockProbe(again)] })
    assert.deepEqual([...again.values()].map((o) => o[0]), offsets, 'one seed, one set of skews')
  })

  it('changes nothing the cores decide: same trace with ±1 h of skew, and every invariant holds', () => {
    for (const scenario of ['churn', 'partition', 'crash']) {
      const plain = runScenario({ scenario, nodes: 9, seconds: 60, seed: 3 })
      const skewed = runScenario({ scenario, nodes: 9, seconds: 60, seed: 3, maxSkewMs: HOUR_MS })
      assert.equal(skewed.summary.violations, 0, formatReport(skewed))
      assert.equal(skewed.summary.traceHash, plain.summary.traceHash, `${scenario}: the skew changed the run`)
      assert.deepEqual({ ...skewed.summary, maxSkewMs: 0 }, plain.summary)
      assert.match(skewed.replay, /--max-skew-ms 3600000/)
    }
  })
})
