/**
 * @packageDocumentation
 *
 * `@kos/cli`: the `kos` command, and the typed client of a kOS node's local HTTP API that the
 * command itself uses (DESIGN.md §9).
 *
 * @example
 * ```ts
 * import { ApiClient, NodeUnreachableError } from '@kos/cli'
 *
 * const client = new ApiClient({ api: '127.0.0.1:7070' })
 * const { peers } = await client.peers()
 * ```
 *
 * Errors have a stable `.name`: `NodeUnreachableError` (no answer), `ApiError` (the node answered
 * with an error; `.status`, `.code`), `UsageError` (a malformed address or argument).
 */

export { ApiClient } from './client.js'
export type { AgentAction, AgentReleased, AgentRemoved, ApiClientInit, HealthHttpStatus, HealthResult } from './client.js'
export { AUDIT_ACKS, AUDIT_CLASSES, AUDIT_SEVERITIES } from './audit-types.js'
export type {
  AuditAck, AuditAppendRequest, AuditAppendResponse, AuditClass, AuditEntry, AuditQueryParams, AuditQueryResponse,
  AuditSeverity, AuditVerifyBreak, AuditVerifyResponse
} from './audit-types.js'
export { ApiError, NodeUnreachableError, UsageError } from './errors.js'
export { ExitCode } from './exit-codes.js'
export type { Io } from './io.js'
export { runCli } from './program.js'
export type { RunOptions } from './program.js'
export type {
  AgentInfo,
  AgentsResponse,
  ApiErrorBody,
  HealthResponse,
  HealthStatus,
  JoinRequest,
  JoinResponse,
  LeaveResponse,
  MemberState,
  NodeInfo,
  PeerInfo,
  PeersResponse,
  Role,
  ServiceMode
} from '@kos/node'
