/**
 * Failover without a split first round: with no faults but the kill, the coordinator of a
 * settled cluster is killed at a random point of its heartbeat cycle, and we count the seeds in
 * which electing the next one took more than one round (the term moved by more than one).
 * Ranking is what makes this rare: the best-ranked survivor fires `rankStepMs` before the next,
 * and the random spread (max − min) is kept below that step.
 *
 * The shell here ticks every 50 ms, at a random phase per node, like the daemon. Virtual times
 * are from the kill until every survivor reports the same new coordinator.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ElectionSim } from './helpers/election-sim.js'

const SEEDS = 50

interface Failover { splits: number, times: number[] }

function failovers (n: number, hints: boolean): Failover {
  const out: Failover = { splits: 0, times: [] }
  for (let seed = 1; seed <= SEEDS; seed++) {
    const sim = new ElectionSim(seed * 7919 + n, n, {}, 50)
    assert.ok(sim.run(3000, () => sim.agreedCoordinator(sim.ids) !== null), `seed ${seed}: boot`)
    sim.run(1000 + sim.int(0, 200))
    const old = sim.agreedCoordinator(sim.ids)
    assert.ok(old !== null, `seed ${seed}: settled`)
    const term = sim.core(old)!.term
    sim.crash(old, hints)
    const killedAt = sim.clock.now()
    const survivors = sim.ids.filter((id) => id !== old)
    assert.ok(sim.run(10_000, () => sim.agreedCoordinator(survivors) !== null), `seed ${seed}: failover`)
    const next = sim.agreedCoordinator(survivors)!
    if (sim.core(next)!.term - term > 1) out.splits++
    out.times.push(sim.clock.now() - killedAt)
    assert.deepEqual(sim.violations, [], `seed ${seed}`)
  }
  out.times.sort((a, b) => a - b)
  return out
}

function summary (f: Failover): string {
  return `${f.splits}/${SEEDS} seeds needed more than one round; failover min ${f.times[0]} ms, median ${f.times[SEEDS >> 1]} ms, max ${f.times.at(-1)} ms`
}

describe('failover without a split first round (default options)', () => {
  for (const n of [3, 5]) {
    it(`${n} nodes, coordinator killed (its connections close): at most 1 split in ${SEEDS}`, (t) => {
      const f = failovers(n, true)
      t.diagnostic(summary(f))
      assert.ok(f.splits <= 1, summary(f))
    })
    it(`${n} nodes, coordinator's host vanishes (no connection-closed hint): at most 1 split in ${SEEDS}`, (t) => {
      const f = failovers(n, false)
      t.diagnostic(summary(f))
      assert.ok(f.splits <= 1, summary(f))
    })
  }
})
