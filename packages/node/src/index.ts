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
 * The pure cores (membership, election, audit replication, the codecs) are `@kos/core`'s.
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
export { readOrCreateApiToken, API_TOKEN_FILE } from './net/api-token.js'
// The cluster key file's format, for `kos keygen`'s test (the command itself loads no daemon code).
export { CLUSTER_KEY_PREFIX, formatClusterKey, parseClusterKeys } from './net/cluster-key.js'
export { buildApi, type ApiDeps } from './api/server.js'
export { API_ERRORS, type ApiErrorCode } from '@kos/client'
// The API's response types, which this node serves (defined in @kos/client, the daemon-free client).
export type * from '@kos/client'
export { VERSION } from './base/version.js'
// The pieces a test peer needs to speak the audit protocols as a (misbehaving) member would.
export { createHost, type KosLibp2p } from './net/host.js'
export { MessageChannel } from './net/channel.js'
export { auditTopic } from './audit/audit-service.js'
// The healing policy file (issue 6), for `kos policy check` and the supervisor.
export { parsePolicy, loadPolicyFile, PolicyError, type PolicyProblem } from './healing/policy-file.js'
// Agents (issue 6): the definition schema, and the reaper a test harness runs after killing a node.
export { agentSpecSchema, type AgentSpec, type AgentSpecInput } from './config/agent-spec.js'
export { reapStaleAgent } from './healing/agent-process.js'
