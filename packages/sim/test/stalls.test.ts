/**
 * Stalls of a process (its event loop held, SIGSTOP) on the simulator, with the node's shell
 * logic (the election shell, @kos/core): on resume, libuv runs the overdue timers before the input that
 * queued up, and the shell runs a late election tick behind that input (late-tick.ts).
 * - A follower stalled past its election timeout finds its coordinator's heartbeats waiting: it
 *   neither declares the coordinator lost nor asks for a pre-vote.
 * - A coordinator stalled past its lease but less than its followers' election timeout stops
 *   acting meanwhile, then renews its lease from their acks: same coordinator, same term.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ELECTION, electionFactory, type ElectionAdapter } from '../src/sim-election.js'
import { membershipFactory } from '../src/sim-membership.js'
import { Simulation } from '../src/simulation.js'
import { profileTimings } from '../src/timings.js'

const timings = profileTimings('lan')!
const N = 5

function election (sim: Simulation, i: number): ElectionAdapter { return sim.core<ElectionAdapter>(i, ELECTION)! }

/** A settled cluster of N, every node a voter, with the index of its coordinator and the term. */
function settled (seed: number): { sim: Simulation, coordinator: number, term: number, events: Array<{ at: number, node: number, type: string }> } {
  const sim = new Simulation({ nodes: N, seed, factories: [membershipFactory(timings), electionFactory(timings)], bootstrap: [0] })
  const events: Array<{ at: number, node: number, type: string }> = []
  sim.observe({ onCoreEvent: (at, node, core, event) => { if (core === ELECTION) events.push({ at, node, type: (event as { type: string }).type }) } })
  sim.startWarm()
  sim.run(10_000)
  const ids = new Set(sim.procs.map((p) => election(sim, p.index).core.coordinatorId))
  const voters = election(sim, 0).voters.voters.length
  assert.ok(ids.size === 1 && !ids.has(null) && voters === N, `seed ${seed}: settled with ${N} voters (${[...ids].join(', ')}, ${voters} voters)`)
  const coordinator = sim.index([...ids][0]!)
  return { sim, coordinator, term: election(sim, coordinator).core.term, events }
}

describe('stalls of one process', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`a follower stalled for 1.5 s reads its coordinator's heartbeats before it judges its timer (seed ${seed})`, () => {
      const { sim, coordinator, term, events } = settled(seed)
      const follower = (coordinator + 1) % N
      const from = sim.now
      sim.pause(follower, 1500)
      sim.run(from + 3000)
      const its = events.filter((e) => e.at >= from && e.node === follower).map((e) => e.type)
      assert.deepEqual(its, [], 'no coordinator:lost, no election')
      for (let i = 0; i < N; i++) assert.equal(election(sim, i).core.term, term, `node ${i} in term ${term}`)
      assert.equal(election(sim, follower).core.coordinatorId, sim.procs[coordinator]!.id)
    })

    it(`a coordinator stalled beyond its lease, within its followers' election timeout, keeps its term (seed ${seed})`, () => {
      const { sim, coordinator, term, events } = settled(seed)
      const from = sim.now
      const stall = timings.electionLeaseMs + 50
      sim.pause(coordinator, stall)
      sim.run(from + stall - 10)
      assert.equal(election(sim, coordinator).core.coordinatorId, null, 'no lease while stalled: it does not act')
      sim.run(from + 3000)
      assert.deepEqual(events.filter((e) => e.at >= from).map((e) => `${e.node} ${e.type}`), [], 'no election event anywhere')
      for (let i = 0; i < N; i++) assert.equal(election(sim, i).core.term, term, `node ${i} in term ${term}`)
      assert.equal(election(sim, coordinator).core.coordinatorId, sim.procs[coordinator]!.id, 'its lease renewed')
    })
  }
})
