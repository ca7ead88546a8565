/**
 * The simulator end to end, at small N: a fixed set of seeds × scenarios in which every
 * invariant must hold, determinism (one seed, one run), and the effects each scenario must show.
 * Each run takes well under a second; the whole file stays within a few seconds.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatReport } from '../src/report.js'
import { runScenario, type RunResult } from '../src/run.js'
import { SCENARIO_NAMES } from '../src/scenarios.js'

const SEEDS = [1, 2, 3]

function run (scenario: string, seed: number, nodes = 9, seconds = 60): RunResult {
  return runScenario({ scenario, seed, nodes, seconds })
}

function assertHolds (r: RunResult): void {
  assert.equal(r.summary.violations, 0, formatReport(r))
}

describe('every invariant holds', () => {
  for (const scenario of SCENARIO_NAMES) {
    it(`${scenario}, seeds ${SEEDS.join(', ')}, 9 nodes × 60 s`, () => {
      for (const seed of SEEDS) assertHolds(run(scenario, seed))
    })
  }

  it('churn with 20 nodes × 120 s', () => {
    assertHolds(run('churn', 11, 20, 120))
  })
})

describe('determinism', () => {
  it('one seed gives the same run twice (summary and trace hash)', () => {
    for (const scenario of ['churn', 'bridge']) {
      const a = run(scenario, 5, 9, 60)
      const b = run(scenario, 5, 9, 60)
      assert.deepEqual(a.summary, b.summary)
      assert.ok(a.summary.traceLines > 20)
    }
  })

  it('another seed gives another run', () => {
    assert.notEqual(run('churn', 5).summary.traceHash, run('churn', 6).summary.traceHash)
  })
})

describe('what the scenarios show', () => {
  it('steady: no suspicion, one election, a coordinator all along', () => {
    const m = run('steady', 1).summary.metrics
    assert.equal(m.falseSuspicions.total, 0)
    assert.equal(m.falseDeaths.total, 0)
    assert.equal(m.coordinator.elections, 1)
    assert.equal(m.coordinator.timeWithoutMs, 0)
    assert.ok(m.traffic.msgsSentPerNodePerSec > 1 && m.traffic.bytesSentPerNodePerSec > 100)
  })

  it('crash: every observer declares each crashed node dead, within seconds', () => {
    const r = run('crash', 2)
    const d = r.summary.metrics.detectionMs
    assert.equal(r.summary.faults.crashes, 3)
    assert.equal(d.undetected, 0)
    assert.ok(d.count >= 3 * 7, `observations ${d.count}`)
    assert.ok(d.max !== null && d.max < 10_000, `max ${String(d.max)}`)
    assert.ok(r.summary.metrics.coordinator.elections >= 2, 'the coordinator crash forces a new election')
  })

  it('partition: the sides see each other die, and converge after the heal', () => {
    const m = run('partition', 3).summary.metrics
    assert.ok(m.falseDeaths.partition > 0)
    assert.equal(m.falseDeaths.none, 0)
    assert.equal(m.convergenceMs.length, 1)
    assert.ok(m.convergenceMs[0]!.afterMs !== null && m.convergenceMs[0]!.afterMs < 20_000)
  })

  it('the report names the replay command', () => {
    const r = run('ring', 1)
    assert.equal(r.replay, 'npm run sim -- --scenario ring --nodes 9 --seconds 60 --seed 1')
    assert.match(formatReport(r), /invariants\s+all held/)
  })
})

describe('traffic by kind of message', () => {
  it('adds up to the totals, and names the membership channels', () => {
    const r = runScenario({ scenario: 'churn', seed: 3, nodes: 20, seconds: 60, monitors: 3 })
    const t = r.summary.metrics.traffic
    const kinds = Object.entries(t.byKind)
    const received = kinds.reduce((n, [, k]) => n + k.receivedBytesPerNodePerSec, 0)
    const sent = kinds.reduce((n, [, k]) => n + k.sentBytesPerNodePerSec, 0)
    assert.ok(Math.abs(received - t.bytesReceivedPerNodePerSec) < 1, `${received} vs ${t.bytesReceivedPerNodePerSec}`)
    assert.ok(Math.abs(sent - t.bytesSentPerNodePerSec) < 1, `${sent} vs ${t.bytesSentPerNodePerSec}`)
    for (const k of ['kos/sim/heartbeat/1', 'kos/sim/membership/1', '/kos/sim/beat/2.0.0', '/kos/sim/sync/2.0.0 request', '/kos/sim/sync/2.0.0 response']) {
      assert.ok(t.byKind[k] !== undefined, `${k} in ${kinds.map(([n]) => n).join(', ')}`)
    }
    const busiest = Object.values(t.busiestSender.bytesPerSecByKind).reduce((a, b) => a + b, 0)
    assert.ok(Math.abs(busiest - t.maxNodeBytesSentPerSec) < kinds.length, `${busiest} vs ${t.maxNodeBytesSentPerSec}`)
  })
})

describe('both heartbeat designs', () => {
  it('bounded monitors (the default): a healed partition converges within seconds, not a push/pull period', () => {
    for (const scenario of ['partition', 'isolate', 'bridge']) {
      for (const seed of SEEDS) {
        const r = runScenario({ scenario, seed, nodes: 9, seconds: 60, monitors: 5 })
        assertHolds(r)
        for (const c of r.summary.metrics.convergenceMs) assert.ok(c.afterMs !== null && c.afterMs <= 5000, `${r.replay}: converged after ${String(c.afterMs)} ms`)
      }
    }
  })

  it('every member watching every member (monitors 0) still holds every invariant', () => {
    for (const scenario of ['partition', 'churn', 'flaky']) {
      for (const seed of SEEDS) assertHolds(runScenario({ scenario, seed, nodes: 9, seconds: 60, monitors: 0 }))
    }
  })
})
