/**
 * The messages, outputs and events of the coordinator election (see `election.ts`).
 *
 * Every message carries a term. The receiver adopts a higher term it sees (persisting it) and
 * becomes a follower, except for the pre-vote pair, whose `term` is only a proposal: pre-votes
 * never change anyone's term, and except for vote requests that arrive while the receiver still
 * trusts a live coordinator (so a node that was cut off cannot disrupt a healthy one).
 *
 * The shell encodes these as-is (plain JSON/CBOR-safe objects: strings, numbers, booleans).
 */

/** "Would you vote for me in `term`?", asked before a candidacy; `term` is the sender's term + 1. */
export interface PreVoteRequest {
  type: 'pre-vote'
  /** The term the sender would stand in; never adopted by the receiver. */
  term: number
  /** The sender's voter-set version; a voter with a newer one refuses. */
  configVersion: number
}

/** The answer to a pre-vote; `term` echoes the proposed term, so stale answers are ignored. */
export interface PreVoteReply {
  type: 'pre-vote-reply'
  term: number
  granted: boolean
}

/** A candidate's vote request (there is no log to compare). */
export interface VoteRequest {
  type: 'vote'
  term: number
  configVersion: number
}

/** The answer to a vote request, carrying the voter's term (after adopting the candidate's). */
export interface VoteReply {
  type: 'vote-reply'
  term: number
  granted: boolean
}

/** The coordinator's heartbeat (it carries no entries). */
export interface CoordinatorHeartbeat {
  type: 'heartbeat'
  term: number
  /**
   * The coordinator's clock reading when it sent this heartbeat: an opaque token the follower
   * echoes in its ack, so the coordinator can date its lease from the send time.
   */
  sentAt: number
}

/** A follower's answer to a heartbeat; `ok` is false when the follower's term is newer. */
export interface HeartbeatAck {
  type: 'heartbeat-ack'
  term: number
  sentAt: number
  ok: boolean
}

export type ElectionMessage = PreVoteRequest | PreVoteReply | VoteRequest | VoteReply | CoordinatorHeartbeat | HeartbeatAck

export type ElectionRole = 'follower' | 'pre-candidate' | 'candidate' | 'coordinator'

/** Why a coordinator stopped being one. */
export type StepDownReason =
  /** Check-quorum: its lease ran out and no quorum of voters acknowledged a heartbeat for twice the election timeout. */
  | 'lease-expired'
  /** A message with a newer term arrived: someone else was (or is being) elected. */
  | 'higher-term'
  /** The voter set no longer contains this node. */
  | 'not-a-voter'

export type ElectionEvent =
  /**
   * This node learnt who coordinates `term`: emitted by the winner when a quorum voted for it,
   * and by each follower when it first hears the coordinator's heartbeat in that term (again
   * after a `coordinator:lost`). Never two different `coordinatorId`s for one term.
   */
  | { type: 'coordinator:elected', coordinatorId: string, term: number }
  /** This node was coordinator of `term` and no longer is. */
  | { type: 'coordinator:stepped-down', term: number, reason: StepDownReason }
  /** This follower stopped hearing `previous` for its election timeout and starts a pre-vote. */
  | { type: 'coordinator:lost', previous: string, term: number }

/**
 * What the state machine asks its shell to do, in array order.
 *
 * Contract: the shell performs outputs in order, across calls too. A `persist` must be durable
 * (a synced LevelDB write of `{ term, votedFor }`) before any `send` that follows it, in the same
 * output array or a later one, leaves the node: that is what keeps a restarted node from voting
 * twice in a term: state a reply depends on is on stable storage before the reply leaves. Events
 * may be emitted at once.
 */
export type ElectionOutput =
  | { type: 'persist', term: number, votedFor: string | null }
  | { type: 'send', to: string, message: ElectionMessage }
  | { type: 'event', event: ElectionEvent }

/** The persisted state: what a restarted node must be constructed with. */
export interface PersistedElectionState {
  term: number
  votedFor: string | null
}
