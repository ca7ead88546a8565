/**
 * Which election messages a node acts on (issue 16: authorization of every message).
 * - No one moves the term more than MAX_TERM_LEAP at once: an absurd term, once adopted and
 *   persisted, would put every later candidacy past what the wire accepts, and no election could
 *   succeed again.
 * - Only voters campaign and vote: a pre-vote, vote or reply from a member outside this node's
 *   voter set is refused.
 * - A coordinator's heartbeat from outside the voter set is refused: honouring one that carries a
 *   newer voter set naming its sender would let any member crown itself with an invented set. A
 *   node that missed voter changes (back from a partition, with a new voter coordinating) learns
 *   the newer set from its own voters instead: their replies to its pre-votes carry it
 *   (voter-news.ts). Only a joiner, which holds no set yet and so has no voters to ask, takes the
 *   set from the first heartbeat, pre-vote or vote that carries one naming its sender; it trusts
 *   its bootstrap peers anyway. Without the requests, nodes that never received a set could not
 *   vote for the candidates of the set that names them, and a cluster whose coordinator died
 *   before they had its heartbeat stayed without one (found once the simulator ran this shell).
 * - A learner owes the coordinator heartbeat-acks, and may send nothing else; it cannot move the
 *   term.
 * - A non-voter learns the coordinator (and the voter set) from announcements signed by a voter
 *   it knows. It takes one from anyone else only while it knows no voter set or no coordinator
 *   (a joiner; a node whose coordinator fell silent, perhaps after every voter changed): a forged
 *   announcement cannot take a node from a live coordinator, and a node that missed every change
 *   still finds the cluster again.
 * What this cannot stop is a voter inventing a newer voter set, or an admitted member doing so
 * towards a joiner: sets carry no proof of the quorum that made them. Admission (the cluster key)
 * is the guard there.
 * Pure.
 */
import type { VoterConfig } from '../wire/election-wire.js'
import { newerVoters } from '../wire/election-wire.js'
import type { ElectionMessage } from './election-messages.js'

export type ElectionRefusal = 'not-voter' | 'term-bound'

/**
 * A term leap far beyond any real run of failed elections (each takes a timeout, about a second),
 * yet a vanishing share of the 2^53 terms the wire allows.
 */
export const MAX_TERM_LEAP = 1_000_000

/**
 * Whether node `self` refuses a coordinator's announcement signed by `from`. A voter refuses only
 * an absurd term: it follows heartbeats, not announcements, and takes a newer set from one only
 * if it comes from one of its own voters.
 */
export function announcementRefusal (self: string, from: string, term: number, ours: VoterConfig, coordinatorKnown: boolean, ourTerm: number): ElectionRefusal | null {
  if (term > ourTerm + MAX_TERM_LEAP) return 'term-bound'
  if (ours.voters.includes(self) || ours.voters.includes(from) || ours.voters.length === 0 || !coordinatorKnown) return null
  return 'not-voter'
}

export function electionRefusal (from: string, m: ElectionMessage, carried: VoterConfig | undefined, ours: VoterConfig, term: number): ElectionRefusal | null {
  if (m.term > term + MAX_TERM_LEAP) return 'term-bound'
  if (ours.voters.includes(from)) return null
  switch (m.type) {
    // A joiner's only source of a set: the first heartbeat, pre-vote or vote that carries one
    // naming its sender (a cluster left with no coordinator has only candidates to teach it).
    case 'heartbeat':
    case 'pre-vote':
    case 'vote': return ours.voters.length === 0 && carried !== undefined && newerVoters(carried, ours) && carried.voters.includes(from) ? null : 'not-voter'
    case 'heartbeat-ack': return m.term <= term ? null : 'not-voter'
    default: return 'not-voter'
  }
}
