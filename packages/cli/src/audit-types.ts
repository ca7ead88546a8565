/**
 * The audit API's request and response types (issue #4, "API and CLI"), defined here so the CLI
 * does not depend on when '@kos/node' exports them. They mirror the node's shapes exactly; the
 * plan is to replace this file with re-exports from '@kos/node' once it has them.
 */

/** Where an entry comes from, by subsystem. */
export const AUDIT_CLASSES = ['agent', 'node', 'network', 'ethics', 'resource', 'coordinator', 'operator'] as const
export type AuditClass = typeof AUDIT_CLASSES[number]

/** Severity, lowest first. As a query filter it is a minimum. */
export const AUDIT_SEVERITIES = ['debug', 'info', 'notice', 'warning', 'error', 'critical'] as const
export type AuditSeverity = typeof AUDIT_SEVERITIES[number]

/** `?ack=` of POST /v1/audit: durable on this node, or on a quorum of nodes. */
export const AUDIT_ACKS = ['local', 'quorum'] as const
export type AuditAck = typeof AUDIT_ACKS[number]

/** A JSON value, as `details` holds. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

/** One entry of an origin's hash-chained, signed log. */
export interface AuditEntry {
  /** Peer id of the node whose chain holds the entry. */
  origin: string
  /** Position in the origin's chain, from 1, contiguous. */
  seq: number
  lamport: number
  /** Wall-clock ms since the epoch. */
  ts: number
  class: AuditClass
  type: string
  severity: AuditSeverity
  subject: string
  details: JsonObject
  /** Hash of the origin's previous entry (all zeros for seq 1). */
  prev: string
  hash: string
  sig: string
}

/** Body of POST /v1/audit. */
export interface AuditAppendRequest {
  class: AuditClass
  type: string
  severity: AuditSeverity
  subject: string
  details?: JsonObject
}

/** Answer of POST /v1/audit. */
export interface AuditAppendResponse {
  origin: string
  seq: number
  hash: string
}

/** Query of GET /v1/audit; `since <= ts < until`, in ms. */
export interface AuditQueryParams {
  origin?: string
  class?: AuditClass
  severity?: AuditSeverity
  since?: number
  until?: number
  limit?: number
  cursor?: string
}

/** Answer of GET /v1/audit: a page in time order and the cursor of the next one (null at the end). */
export interface AuditQueryResponse {
  entries: AuditEntry[]
  next: string | null
}

export interface AuditVerifyBreak {
  origin: string
  seq: number
  reason: string
}

/** Answer of GET /v1/audit/verify. */
export interface AuditVerifyResponse {
  ok: boolean
  checked: number
  breaks: AuditVerifyBreak[]
}
