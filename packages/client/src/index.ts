/**
 * @packageDocumentation
 *
 * `@kos/client`: the typed client of a kOS node's local HTTP API, its response types and its
 * error codes. It loads no daemon code (no libp2p, LevelDB or fastify), so a script or the `kos`
 * CLI starts in tens of milliseconds.
 *
 * @example
 * ```ts
 * import { ApiClient, NodeUnreachableError } from '@kos/client'
 *
 * const client = new ApiClient({ api: '127.0.0.1:7070' })
 * const { peers } = await client.peers()
 * ```
 *
 * Errors have a stable `.name`: `NodeUnreachableError` (no answer), `ApiError` (the node answered
 * with an error; `.status`, `.code`), `UsageError` (a malformed address or argument).
 */

export { ApiClient, describeFetchFailure, toApiError } from './client.js'
export type { AgentAction, AgentReleased, AgentRemoved, ApiClientInit, HealthHttpStatus, HealthResult } from './client.js'
export { API_ENV, DEFAULT_API, parseApiAddress } from './api-address.js'
export { SseParser } from './sse.js'
export type { SseEvent } from './sse.js'
export type { EventStreamOptions } from './event-client.js'
export { ApiError, NodeUnreachableError, UsageError } from './errors.js'
export { API_ERRORS, type ApiErrorCode } from './error-codes.js'
export { AUDIT_ACKS, AUDIT_CLASSES, AUDIT_SEVERITIES, EVENT_NOUNS, EVENT_TYPES, MAX_AUDIT_BATCH, ROLES } from './types.js'
export type * from './types.js'
