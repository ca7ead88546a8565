/**
 * The voter set's next change (Raft's single-server membership changes), as a pure function
 * of the current voters and the member table, shared by the node's election shell and the
 * simulator.
 *
 * Kept: self and every voter alive or suspect, or dead for less than `removeAfterMs` (a brief
 * death must not shrink the quorum's electorate); a member that left is dropped at once.
 * Added: only an alive member that has acknowledged holding the current set (a learner that
 * caught up, Raft thesis §4.2.1). Counting a voter that never heard of the set is what stalled
 * the chaos run of seed 3: during a partition, a coordinator whose set was itself and one other
 * added two members it could not reach (still alive or recently dead in its table), each change
 * waiting only for a quorum of the previous set; the four-voter set then needed one of them, and
 * neither held any set to vote with. One voter is added (lowest peer id first) or, when none is
 * missing, one removed, so consecutive configurations always share a majority.
 */
import type { MemberView } from '../membership/membership.js'

export interface VoterChange { next: string[], added: string | null, removed: string | null }

type Member = Pick<MemberView, 'peerId' | 'state' | 'stateSinceMs'>

/**
 * The members the coordinator heartbeats as learners: alive and not voters (self excluded).
 * They learn the voter set from those heartbeats and say so in their acks, which is what
 * `nextVoterChange` waits for before it adds one.
 */
export function learnersOf (self: string, voters: readonly string[], members: readonly Member[]): string[] {
  const isVoter = new Set(voters)
  return members.filter((m) => m.state === 'alive' && m.peerId !== self && !isVoter.has(m.peerId)).map((m) => m.peerId)
}

/**
 * `holds(peer)`: whether that peer acknowledged holding the current set. No change is made until
 * `quorum` of the voters (self counts) do, so two changes never overlap; and a member is added
 * only once it does itself, so a new voter always holds a set that names the voters it must
 * elect with.
 */
export function nextVoterChange (
  self: string, voters: readonly string[], members: readonly Member[], nowMs: number, removeAfterMs: number,
  quorum = 0, holds: (peer: string) => boolean = () => true
): VoterChange | null {
  if (voters.filter((v) => v === self || holds(v)).length < quorum) return null
  const kept = new Set([self])
  for (const m of members) {
    if (m.state === 'alive' || m.state === 'suspect' || (m.state === 'dead' && nowMs - m.stateSinceMs < removeAfterMs)) kept.add(m.peerId)
  }
  const ready = new Set([self, ...learnersOf(self, voters, members).filter((id) => holds(id))])
  const add = [...ready].filter((id) => !voters.includes(id)).sort()[0]
  if (add !== undefined) return { next: [...voters, add], added: add, removed: null }
  const remove = voters.filter((id) => !kept.has(id)).sort()[0]
  if (remove !== undefined) return { next: voters.filter((id) => id !== remove), added: null, removed: remove }
  return null
}
