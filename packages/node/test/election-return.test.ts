/**
 * A returning node never disturbs a working coordinator (issue 15). Over many seeds: a settled
 * five-node cluster at the node's default timings, the coordinator SIGKILLed, a new one elected,
 * then the killed node restarted from its disk with its start-up burst beside it:
 * - the returning node knows no member yet, so it ranks itself first, and it holds the term and
 *   vote it had before the kill (an older term, a vote for itself);
 * - its start-up stalls its own event loop, and, on a small machine, its neighbours' too: each
 *   node stalls once in the first seconds (the coordinator for less than a follower's election
 *   timeout less a heartbeat, the others for up to a second). On resume each runs its overdue
 *   tick before the input that queued up, as libuv does.
 * Neither the returning node nor the stalls may move the term: a coordinator silent for less
 * than an election timeout keeps its term, and the nodes that stalled read what queued up for
 * them before they judge their timers.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LAN_DEFAULTS } from '../src/config/profiles.js'
import { ElectionSim } from './helpers/election-sim.js'

const SEEDS = Number(process.env.ELECTION_RETURN_SEEDS ?? 300)
const TICK_MS = LAN_DEFAULTS.electionTickIntervalMs
const LAN = {
  heartbeatIntervalMs: LAN_DEFAULTS.electionHeartbeatIntervalMs,
  electionTimeoutMinMs: LAN_DEFAULTS.electionTimeoutMinMs,
  electionTimeoutMaxMs: LAN_DEFAULTS.electionTimeoutMaxMs,
  leaseMs: LAN_DEFAULTS.electionLeaseMs,
  rankStepMs: LAN_DEFAULTS.electionRankStepMs
}
/** The longest the coordinator may be silent without any follower's timer firing: its lowest timeout, less a heartbeat interval and a delivery. */
const COORDINATOR_STALL_MAX_MS = LAN.electionTimeoutMinMs - LAN.heartbeatIntervalMs - 50
const FOLLOWER_STALL_MAX_MS = 1000
const RETURNING_STALL_MAX_MS = 1500

interface Round { seed: number, term: number, moved: string | null }

/** Kill the coordinator, let the survivors elect, restart the killed node beside a burst; did any term move? */
function round (seed: number, stalls: boolean): Round {
  const sim = new ElectionSim(seed, 5, LAN, TICK_MS)
  assert.ok(sim.run(5000, () => sim.agreedCoordinator(sim.ids) !== null), `seed ${seed}: boot`)
  sim.run(1000 + sim.int(0, 200))
  const old = sim.agreedCoordinator(sim.ids)!
  sim.crash(old, true)
  const survivors = sim.ids.filter((id) => id !== old)
  assert.ok(sim.run(10_000, () => sim.agreedCoordinator(survivors) !== null), `seed ${seed}: failover`)
  const coordinator = sim.agreedCoordinator(survivors)!
  const term = sim.core(coordinator)!.term
  sim.run(sim.int(0, 300))

  sim.restart(old)
  // Its membership has heard from nobody yet: it ranks itself first until it does.
  sim.core(old)!.setRanking([old])
  if (stalls) {
    sim.pause(old, sim.int(0, RETURNING_STALL_MAX_MS))
    for (const id of survivors) {
      const at = sim.int(0, 2000)
      const ms = sim.int(0, id === coordinator ? COORDINATOR_STALL_MAX_MS : FOLLOWER_STALL_MAX_MS)
      sim.later(at, () => { sim.pause(id, ms) })
    }
  }
  const learnsMembersAt = sim.clock.now() + sim.int(300, 1500)
  sim.run(learnsMembersAt - sim.clock.now())
  sim.core(old)?.setRanking(sim.ids)
  sim.run(5000)
  assert.deepEqual(sim.violations, [], `seed ${seed}`)
  const moved = sim.ids.map((id) => ({ id, t: sim.core(id)!.term })).filter((x) => x.t !== term)
  const agreed = sim.agreedCoordinator(sim.ids)
  const what = moved.length > 0
    ? `terms ${moved.map((x) => `${x.id}@t${x.t}`).join(', ')} (was t${term}); ${sim.recentTrace.slice(-12).join(' | ')}`
    : agreed !== coordinator ? `coordinator ${String(agreed)}, was ${coordinator}` : null
  return { seed, term, moved: what }
}

describe('a returning node never disturbs a working coordinator', () => {
  it(`the killed coordinator, restarted from its disk, moves no term (${SEEDS} seeds)`, () => {
    const moved = Array.from({ length: SEEDS }, (_, i) => round(i + 1, false)).filter((r) => r.moved !== null)
    assert.deepEqual(moved.map((r) => `seed ${r.seed}: ${r.moved!}`), [])
  })

  it(`nor does its start-up burst, stalling it and each of its neighbours once (${SEEDS} seeds)`, () => {
    const moved = Array.from({ length: SEEDS }, (_, i) => round(i + 1, true)).filter((r) => r.moved !== null)
    assert.deepEqual(moved.map((r) => `seed ${r.seed}: ${r.moved!}`), [])
  })
})
