/**
 * Which election messages carry the sender's voter set, and from which a receiver adopts a newer
 * one: a pure rule shared by the node's election shell and the simulator.
 *
 * The coordinator's heartbeat carries it to whoever does not report holding it, and a follower
 * adopts it only from a heartbeat of the newest term it knows (fencing). That alone cannot recover
 * a voter set that a majority of its voters never received: with no coordinator there is no
 * heartbeat, and a node that holds no set (or one that does not name the candidate) grants no
 * pre-vote, so no coordinator is ever elected (the chaos run of seed 3). So pre-votes, their
 * replies and vote requests carry the sender's set too, and a follower or pre-candidate adopts a
 * newer one.
 *
 * Why that is safe: sets are ordered by (term of the coordinator that made it, version), every
 * set a node sends was made by some coordinator, and a node only ever replaces its set with a
 * newer one. Adopting one earlier than a heartbeat would have brought it is a state the
 * heartbeat path reaches too, except that the term fence is skipped, and the fence is not what
 * keeps votes safe: a voter refuses any candidate whose set is older than its own
 * (`configVersion`), so holding a newer set only refuses more. A candidate and a coordinator
 * never adopt from these messages: they count votes and acks against the set they stood with.
 */
import type { ElectionMessage, ElectionRole } from './election-messages.js'

/**
 * Whether `m`, sent to a peer that last reported holding `receiverHolds` (as votersOrdinal;
 * undefined: it never said), carries our set (`current`). Only to a peer not known to hold it:
 * the set can be a thousand peer ids, and a pre-vote round goes to every voter. What a peer
 * holds is learnt from its heartbeat acks and pre-vote and vote replies (`held`), and from the
 * `configVersion` of its own pre-vote and vote requests.
 */
export function carriesVoters (m: ElectionMessage, receiverHolds: number | undefined, current: number): boolean {
  switch (m.type) {
    case 'heartbeat':
    case 'pre-vote':
    case 'pre-vote-reply':
    case 'vote': return receiverHolds !== current
    default: return false
  }
}

/** Whether a message of this type reports which set its sender holds (the envelope's `held`). */
export function reportsHeld (m: ElectionMessage): boolean {
  return m.type === 'heartbeat-ack' || m.type === 'pre-vote-reply' || m.type === 'vote-reply'
}

/**
 * Which set (as votersOrdinal) the sender of `m` holds, as far as `m` says: the envelope's
 * `held` (`reported`, already an ordinal) or a request's own `configVersion`; undefined if neither.
 */
export function senderHolds (m: ElectionMessage, reported: number | undefined): number | undefined {
  if (reported !== undefined) return reported
  return m.type === 'pre-vote' || m.type === 'vote' ? m.configVersion : undefined
}

/**
 * Whether a set carried by `m` may replace ours (when it is newer), for a node in `role` that
 * would accept a decision of `m`'s term (`acceptsTerm`, the core's acceptDecision).
 */
export function adoptsVotersFrom (m: ElectionMessage, role: ElectionRole, acceptsTerm: boolean): boolean {
  switch (m.type) {
    case 'heartbeat': return acceptsTerm
    case 'pre-vote':
    case 'pre-vote-reply':
    case 'vote': return role === 'follower' || role === 'pre-candidate'
    default: return false
  }
}
