/**
 * Shared set-up for the single-core election tests: a core on a ManualClock with `random` fixed
 * at 0, so every timeout is exactly electionTimeoutMinMs + rank × rankStepMs, and two ready-made
 * situations (a coordinator, a follower) reached through the public inputs only.
 */
import assert from 'node:assert/strict'
import { ManualClock } from '@kos/detect'
import { Election } from '../../src/election/election.js'
import type { ElectionOutput } from '../../src/election/election-messages.js'
import type { ElectionOptions } from '../../src/election/options.js'

export const VOTERS = ['a', 'b', 'c']

export function core (selfId: string, opts: Partial<ElectionOptions> = {}, persisted = { term: 0, votedFor: null as string | null }, clock = new ManualClock(0)) {
  // random() = 0: every timeout is exactly electionTimeoutMinMs + rank × rankStepMs.
  const e = new Election({ selfId, ...opts }, persisted, clock, () => 0)
  e.setVoters(VOTERS)
  e.setRanking(VOTERS)
  return { e, clock }
}

export const sends = (out: ElectionOutput[]) => out.filter((o) => o.type === 'send')
export const persists = (out: ElectionOutput[]) => out.filter((o) => o.type === 'persist')
export const events = (out: ElectionOutput[]) => out.flatMap((o) => o.type === 'event' ? [o.event] : [])
export const types = (out: ElectionOutput[]) => out.map((o) => o.type === 'send' ? `send:${o.message.type}` : o.type === 'event' ? o.event.type : o.type)

/** Drives `a` (rank 0) through pre-vote and vote with b's help: it is coordinator of term 1 at t = 500 ms. */
export function coordinatorA () {
  const { e, clock } = core('a')
  clock.advance(500)
  e.tick()
  e.receive('b', { type: 'pre-vote-reply', term: 1, granted: true })
  const out = e.receive('b', { type: 'vote-reply', term: 1, granted: true })
  assert.equal(e.role, 'coordinator')
  return { e, clock, out }
}

/** A follower `b` that has heard a's heartbeat of term 1 at t = 0. */
export function followerB () {
  const { e, clock } = core('b')
  e.receive('a', { type: 'heartbeat', term: 1, sentAt: 0 })
  return { e, clock }
}
