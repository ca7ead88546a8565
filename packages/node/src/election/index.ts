/**
 * The coordinator election, as the node's shell uses it: the pure state machine (`Election`),
 * its options and defaults, its wire messages, outputs and events. The timing rules stay
 * internal to the module (they are exported from `timing.ts` for their table tests only).
 */
export { Election } from './election.js'
export { ELECTION_DEFAULTS, ElectionOptionError, MAX_LEASE_FRACTION, resolveElectionOptions } from './options.js'
export type { ElectionOptions, ResolvedElectionOptions } from './options.js'
export type {
  ElectionEvent, ElectionMessage, ElectionOutput, ElectionRole, Heartbeat, HeartbeatAck, PersistedElectionState,
  PreVoteReply, PreVoteRequest, StepDownReason, VoteReply, VoteRequest
} from './messages.js'
