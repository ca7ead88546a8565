/**
 * @packageDocumentation
 *
 * `@kos/node`: the kOS mesh daemon as a library.
 *
 * ```ts
 * const config = resolveConfig({ flags: { name: 'a', api: '127.0.0.1:7070' } })
 * const node = createNode(config)
 * await node.start()
 * node.onEvent((e) => console.log(e.type))
 * await node.leave()
 * ```
 *
 * The pure cores (`Membership`, `Election`) are exported too, with the wire pieces their shells
 * use (voter-set ordering, the codec), for the simulator (`@kos/sim`), which plays their shell.
 */
export { createNode, KosNode, monotonicClock, type NodeOptions } from './node.js'
export { configSchema, LOG_FORMATS, LOG_LEVELS, ROLES, type KosConfig } from './config/schema.js'
export { LAN_DEFAULTS, PROFILES, profileDefaults } from './config/profiles.js'
export { resolveConfig, loadConfigFile, checkTcpMultiaddr, FLAG_OF_KEY, type ConfigSources } from './config/resolve.js'
export { ConfigError, InvalidMultiaddrError, NotStartedError } from './base/errors.js'
export type { KosEvent } from './events/kos-event.js'
export type { KosEventListener } from './events/event-bus.js'
export type { AuditEvent } from './audit/tamper-event.js'
export type { AuditApi } from './api/audit-routes.js'
export { AUDIT_CLASSES, AUDIT_SEVERITIES } from './audit/schema.js'
export { readOrCreateApiToken, API_TOKEN_FILE } from './net/api-token.js'
// The cluster key file's format, for `kos keygen`'s test (the command itself loads no daemon code).
export { CLUSTER_KEY_PREFIX, formatClusterKey, parseClusterKeys } from './net/cluster-key.js'
export { Membership, type MembershipOptions, type MembershipOutput, type MembershipEvent, type MemberClaim, type MemberView } from './membership/membership.js'
export { ALIVE, MemberColumns, NO_MEMBER, type MemberTable } from './membership/member-table.js'
export { Election } from './election/election.js'
export type { ElectionOptions } from './election/options.js'
export type { ElectionEvent, ElectionMessage, ElectionOutput, PersistedElectionState } from './election/messages.js'
export { quorumSize } from './election/timing.js'
export { learnersOf, nextVoterChange, type VoterChange } from './election/voter-change.js'
export { adoptsVotersFrom, carriesVoters, reportsHeld, senderHolds } from './election/voter-news.js'
export { tickIsLate } from './election/late-tick.js'
export { newerVoters, votersOrdinal, type VoterConfig } from './wire/election.js'
export { encodeMessage, WIRE_VERSION, type MemberSnapshot } from './wire/messages.js'
export { buildApi, type ApiDeps } from './api/server.js'
export { API_ERRORS, type ApiErrorCode } from '@kos/client'
// The API's response types, which this node serves (defined in @kos/client, the daemon-free client).
export type * from '@kos/client'
export { VERSION } from './base/version.js'
// The pieces a test peer needs to speak the audit protocols as a (misbehaving) member would.
export { createHost, type KosLibp2p } from './net/host.js'
export { MessageChannel } from './net/channel.js'
export { auditTopic } from './audit/service.js'
export { createEntry, signerFromPrivateKey, type AuditSigner } from './audit/entry.js'
export { createCheckpoint } from './audit/checkpoint.js'
export { membershipTopics } from './membership/gossip.js'
export { encodeReplication } from './audit/wire.js'
export type { ReplicationMessage } from './audit/replication.js'
// The audit log's replication core and the in-process pieces it runs on (store, appender, Lamport
// clock, wire codec), for the simulator, which plays the audit shell over an in-memory AuditDb.
export { AuditReplication, AuditQuorumTimeoutError, REPLICATION_DEFAULTS, type ReplicationOptions, type Rejection } from './audit/replication.js'
export { AuditStore } from './audit/store.js'
export { AuditAppender, type AppendResult } from './audit/appender.js'
export { LamportClock } from './audit/lamport.js'
export { decodeDirect, decodePush } from './audit/wire.js'
export type { AuditDb, AuditBatchOp, AuditIteratorOptions, AuditSnapshot } from './audit/keys.js'
export { decodeStored, entryKey } from './audit/keys.js'
export type { AuditEntry, AuditFields } from './audit/schema.js'
// The healing policy file (issue 6), for `kos policy check` and the supervisor.
export { parsePolicy, loadPolicyFile, PolicyError, selectActions, builtinRules, DEFAULT_POLICY, BUILTIN_RULE_COUNT, FAILURE_CLASSES, CONDITIONS, ACTIONS, ESCALATION_TARGETS, type Policy, type PolicyRule, type PolicyProblem, type Detection, type Selection, type Action, type FailureClass, type EscalationTarget } from './healing/index.js'
// Agents (issue 6): the definition schema, and the reaper a test harness runs after killing a node.
export { agentSpecSchema, type AgentSpec, type AgentSpecInput } from './healing/agent-spec.js'
export { reapStaleAgent } from './healing/agent-process.js'
