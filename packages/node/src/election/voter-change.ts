/**
 * The voter set's next change (Raft's single-server membership changes), as a pure function
 * of the current voters and the member table, shared by the node's election shell and the
 * simulator. Wanted voters: self and every member alive or suspect, or dead for less than
 * `removeAfterMs` (a brief death must not shrink the quorum's electorate); a member that left
 * is dropped at once. One voter is added (lowest peer id first) or, when none is missing, one
 * removed, so consecutive configurations always share a majority.
 */
import type { MemberView } from '../membership/membership.js'

export interface VoterChange { next: string[], added: string | null, removed: string | null }

/**
 * `holds(voter)`: whether that voter acknowledged holding the current set; no change is made
 * until `quorum` of them (self counts) do, so two changes never overlap.
 */
export function nextVoterChange (
  self: string, voters: readonly string[], members: ReadonlyArray<Pick<MemberView, 'peerId' | 'state' | 'stateSinceMs'>>, nowMs: number, removeAfterMs: number,
  quorum = 0, holds: (voter: string) => boolean = () => true
): VoterChange | null {
  if (voters.filter((v) => v === self || holds(v)).length < quorum) return null
  const wanted = new Set([self])
  for (const m of members) {
    if (m.state === 'alive' || m.state === 'suspect' || (m.state === 'dead' && nowMs - m.stateSinceMs < removeAfterMs)) wanted.add(m.peerId)
  }
  const add = [...wanted].filter((id) => !voters.includes(id)).sort()[0]
  if (add !== undefined) return { next: [...voters, add], added: add, removed: null }
  const remove = voters.filter((id) => !wanted.has(id)).sort()[0]
  if (remove !== undefined) return { next: voters.filter((id) => id !== remove), added: null, removed: remove }
  return null
}
