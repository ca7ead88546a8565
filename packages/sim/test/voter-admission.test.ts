/**
 * How a node becomes a voter, end to end on the simulator (membership and election cores with
 * the node's shell logic), from a cold start: one founder, the others joining through it.
 *
 * The chaos run's liveness bug (seed 3, docs/benchmarks.md): a coordinator whose voter set was
 * itself and one other added, during a partition, two members it could not reach (they were
 * still alive or recently dead in its member table), each change waiting only for a quorum of
 * the previous set. The set grew to four voters of which two had never heard of it, the lease
 * needed one of them and lapsed, and after the heal nobody could be elected, ever: the two new
 * voters held no voter set, so they granted no pre-vote, and only a coordinator's heartbeat
 * could have taught them one.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ELECTION, electionFactory, type ElectionAdapter } from '../src/sim-election.js'
import { membershipFactory } from '../src/sim-membership.js'
import type { Partition } from '../src/partitions.js'
import { Simulation } from '../src/simulation.js'
import { profileTimings } from '../src/timings.js'

const timings = profileTimings('lan')!

/** Two groups that do not reach each other. */
function split (n: number, a: readonly number[]): Partition {
  const groupOf = new Int32Array(n).map((_, i) => a.includes(i) ? 0 : 1)
  return { label: `split ${a.length}|${n - a.length}`, groupOf, linked: [[true, false], [false, true]] }
}

function election (sim: Simulation, i: number): ElectionAdapter { return sim.core<ElectionAdapter>(i, ELECTION)! }

/** The coordinator every node names, if they all name the same one; else null. */
function agreed (sim: Simulation): string | null {
  const seen = new Set(sim.procs.map((p) => election(sim, p.index).core.coordinatorId))
  const [only] = seen
  return seen.size === 1 && only !== undefined ? only : null
}

function views (sim: Simulation): string {
  return sim.procs.map((p) => {
    const e = election(sim, p.index)
    return `${p.id}: ${e.core.coordinatorId ?? 'none'}@t${e.core.term} ${e.core.role} voters ${e.voters.voters.length} v${e.voters.version}`
  }).join('; ')
}

/**
 * Cold start of 5; as soon as the founder has made its second voter set (itself and one more),
 * the network splits those two from the other three, for `cutMs`; then it heals.
 */
function splitAfterSecondVoter (seed: number, cutMs: number): { sim: Simulation, pair: number[], healAt: number } {
  const n = 5
  const sim = new Simulation({ nodes: n, seed, factories: [membershipFactory(timings), electionFactory(timings)], bootstrap: [0] })
  const pair: number[] = []
  let healAt = -1
  sim.observe({
    onCoreEvent: (at, node, core, event) => {
      const e = event as { type: string, added?: string | null, voters?: number }
      if (core !== ELECTION || e.type !== 'voters:changed' || healAt >= 0 || e.voters !== 2 || typeof e.added !== 'string') return
      pair.push(node, sim.index(e.added))
      sim.setPartition(split(n, pair))
      healAt = at + cutMs
      sim.at(healAt, () => { sim.heal() })
    }
  })
  for (let i = 0; i < n; i++) sim.restart(i)
  sim.run(5000)
  assert.ok(healAt >= 0, `the founder made a two-voter set within 5 s: ${views(sim)}`)
  return { sim, pair, healAt }
}

describe('voter admission (chaos seed 3)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`a pair cut off right after it became the voter set keeps its coordinator, and all five become voters after the heal (seed ${seed})`, () => {
      const { sim, pair, healAt } = splitAfterSecondVoter(seed, 10_000)
      // Cut off: the pair is a majority of the only set both hold, so one of it stays coordinator.
      sim.run(healAt - 1000)
      const during = pair.map((i) => election(sim, i).core.coordinatorId)
      assert.ok(during[0] !== null && during[0] === during[1], `the pair keeps a coordinator while cut off: ${views(sim)}`)
      // Healed: one coordinator, agreed by every node, and every node a voter of one set.
      sim.run(healAt + 20_000)
      assert.notEqual(agreed(sim), null, `one coordinator agreed 20 s after the heal: ${views(sim)}`)
      const sets = new Set(sim.procs.map((p) => `${election(sim, p.index).voters.voters.join()}`))
      assert.equal(sets.size, 1, views(sim))
      assert.equal(election(sim, 0).voters.voters.length, 5, views(sim))
    })
  }
})

describe('a voter set most of whose voters never received it (recovery)', () => {
  it('is learnt from the candidates\' pre-votes: a coordinator is elected and every node holds the set', () => {
    // The state the chaos run ended in, as a node upgraded from it starts: two nodes hold a
    // four-voter set (term 1, version 4) that names two nodes holding none, and nobody coordinates.
    const n = 5
    const sim = new Simulation({ nodes: n, seed: 7, factories: [membershipFactory(timings), electionFactory(timings)] })
    const stuck = { term: 1, version: 4, voters: sim.ids.slice(0, 4) }
    for (const p of sim.procs) {
      const holds = p.index < 2
      p.disk.set(ELECTION, { vote: { term: holds ? 1 : 0, votedFor: null }, voters: holds ? stuck : { term: 0, version: 0, voters: [] } })
    }
    sim.startWarm()
    sim.run(10_000)
    const leader = agreed(sim)
    assert.ok(leader !== null && stuck.voters.includes(leader), `one coordinator of the set agreed within 10 s: ${views(sim)}`)
    // Then it goes on as usual: the fifth member catches up and is added.
    for (const p of sim.procs) assert.deepEqual(election(sim, p.index).voters.voters, [...sim.ids].sort(), views(sim))
  })
})
