/**
 * The voter set's next change (one member at a time), as a pure function
 * of the current voters and the member table, shared by the node's election shell and the
 * simulator.
 *
 * The set is bounded: at most `max` voters (the config's `voters`: 3, 5 or 7), whatever the
 * cluster's size: a quorum of a few voters is enough to survive failures. Every other member is a
 * non-voter that learns the coordinator by gossip, so the coordinator's heartbeats and every
 * election round cost the same at 10 members as at 10,000.
 *
 * Kept: self and every voter alive or suspect, or dead for less than `removeAfterMs` (a brief
 * death must not shrink the quorum's electorate); a member that left is dropped at once.
 * Added: only an alive member that has acknowledged holding the current set (a learner that
 * caught up). Counting a voter that never heard of the set is what
 * stalled the chaos run of seed 3: during a partition, a coordinator whose set was itself and
 * one other added two members it could not reach (still alive or recently dead in its table),
 * each change waiting only for a quorum of the previous set; the four-voter set then needed one
 * of them, and neither held any set to vote with.
 *
 * Spread: candidates from the zones with the fewest voters come first (then the lowest peer
 * id), so losing one zone loses as few voters as possible. A full set whose zones are lopsided
 * (a zone holds two voters while a ready candidate's zone holds none) gives up one voter of the
 * fullest zone (only while every voter is alive); the next change adds the candidate. Every change is one member, so consecutive
 * configurations always share a majority.
 */
import type { MemberView } from '../membership/membership.js'

export interface VoterChange { next: string[], added: string | null, removed: string | null }

/** A member as the voter rules read it: its zone comes from its health summary. */
export type VoterMember = Pick<MemberView, 'peerId' | 'state' | 'stateSinceMs'> & { health?: { zone?: string } | null }

/** The bound and the spread. */
export interface VoterBounds {
  /** At most this many voters (the config's `voters`). */
  max: number
  /** The deciding node's own zone ('' for none): it is a voter, so its zone counts. */
  selfZone: string
}

/** Wide enough that the old unbounded rule (every member a voter) is what a test gets without bounds. */
const UNBOUNDED: VoterBounds = { max: Number.MAX_SAFE_INTEGER, selfZone: '' }

function zoneOf (m: VoterMember | undefined): string { return m?.health?.zone ?? '' }

/** Voters per zone, self counted in its own zone. */
function zoneCounts (self: string, voters: readonly string[], byId: Map<string, VoterMember>, bounds: VoterBounds): Map<string, number> {
  const counts = new Map<string, number>()
  for (const v of voters) {
    const z = v === self ? bounds.selfZone : zoneOf(byId.get(v))
    counts.set(z, (counts.get(z) ?? 0) + 1)
  }
  return counts
}

/**
 * Alive non-voters (self excluded) in the order the coordinator would add them: the zones with
 * the fewest voters first, then the lowest peer id.
 */
export function candidatesOf (self: string, voters: readonly string[], members: readonly VoterMember[], bounds: VoterBounds = UNBOUNDED): string[] {
  const isVoter = new Set(voters)
  const byId = new Map(members.map((m) => [m.peerId, m]))
  const counts = zoneCounts(self, voters, byId, bounds)
  const pool = members.filter((m) => m.state === 'alive' && m.peerId !== self && !isVoter.has(m.peerId))
  const rank = (m: VoterMember): number => counts.get(zoneOf(m)) ?? 0
  pool.sort((a, b) => rank(a) - rank(b) || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
  return pool.map((m) => m.peerId)
}

/**
 * The members the coordinator heartbeats as learners: the best candidates, one more than the
 * seats free (so a replacement is ready when a voter dies), at most `bounds.max`. They learn the
 * voter set from those heartbeats and say so in their acks, which is what `nextVoterChange` waits
 * for before it adds one. Bounded, so the coordinator's traffic does not grow with the cluster.
 */
export function learnersOf (self: string, voters: readonly string[], members: readonly VoterMember[], bounds: VoterBounds = UNBOUNDED): string[] {
  const free = Math.max(0, bounds.max - voters.length)
  return candidatesOf(self, voters, members, bounds).slice(0, Math.min(bounds.max, free + 1))
}

/**
 * `holds(peer)`: whether that peer acknowledged holding the current set. No change is made until
 * `quorum` of the voters (self counts) do, so two changes never overlap; and a member is added
 * only once it does itself, so a new voter always holds a set that names the voters it must
 * elect with.
 */
export function nextVoterChange (
  self: string, voters: readonly string[], members: readonly VoterMember[], nowMs: number, removeAfterMs: number,
  quorum = 0, holds: (peer: string) => boolean = () => true, bounds: VoterBounds = UNBOUNDED
): VoterChange | null {
  if (voters.filter((v) => v === self || holds(v)).length < quorum) return null
  const kept = new Set([self])
  for (const m of members) {
    if (m.state === 'alive' || m.state === 'suspect' || (m.state === 'dead' && nowMs - m.stateSinceMs < removeAfterMs)) kept.add(m.peerId)
  }
  const ready = candidatesOf(self, voters, members, bounds).filter((id) => holds(id))
  if (!voters.includes(self)) ready.unshift(self) // a coordinator is always a voter
  const add = ready[0]
  if (add !== undefined && voters.length < bounds.max) return { next: [...voters, add], added: add, removed: null }
  const remove = voters.filter((id) => !kept.has(id)).sort()[0] ?? surplus(self, voters, members, bounds, add)
  if (remove !== undefined) return { next: voters.filter((id) => id !== remove), added: null, removed: remove }
  return null
}

/**
 * A voter to give up although it is healthy: one over the bound (the config was lowered), or a
 * full set lopsided against a ready candidate `add` whose zone has no voter while another zone
 * has two or more. The highest peer id of the fullest zone goes, never self.
 */
function surplus (self: string, voters: readonly string[], members: readonly VoterMember[], bounds: VoterBounds, add: string | undefined): string | undefined {
  const byId = new Map(members.map((m) => [m.peerId, m]))
  const counts = zoneCounts(self, voters, byId, bounds)
  const over = voters.length > bounds.max
  // Only a set with every voter alive is rebalanced: giving up a healthy voter while another is
  // down would leave the quorum one failure from lost.
  const allAlive = voters.every((v) => v === self || byId.get(v)?.state === 'alive')
  const lopsided = add !== undefined && allAlive && (counts.get(zoneOf(byId.get(add))) ?? 0) === 0 && Math.max(0, ...counts.values()) >= 2
  if (!over && !lopsided) return undefined
  const zone = (v: string): string => v === self ? bounds.selfZone : zoneOf(byId.get(v))
  const fullest = voters.filter((v) => v !== self).sort((a, b) => (counts.get(zone(b)) ?? 0) - (counts.get(zone(a)) ?? 0) || (a < b ? 1 : a > b ? -1 : 0))
  return fullest[0]
}
