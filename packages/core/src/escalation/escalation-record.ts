/**
 * The escalation record (issue #5): `{ id, class, severity, subject, summary, evidence, origin,
 * createdAt }`. The id is the idempotency key everywhere: the sender's outbox, the authorities'
 * inboxes and the webhook payload. Incidents the cluster escalates (a dead member) get an id
 * derived from the incident itself, so whoever escalates it, it is the same escalation.
 */
import { createHash, randomUUID } from 'node:crypto'
import { z } from 'zod'
import { ESCALATION_CLASSES, routeChainSchema, type EscalationClass } from './authorities.js'

export { ESCALATION_CLASSES }
export type { EscalationClass }
/** Syslog order, as the audit log's severities, without debug: nobody is paged for debug. */
export const ESCALATION_SEVERITIES = ['info', 'notice', 'warning', 'error', 'critical'] as const
export type EscalationSeverity = typeof ESCALATION_SEVERITIES[number]
/** Outbox: pending until an authority or webhook took it; inbox items start at delivered. */
export const ESCALATION_STATUSES = ['pending', 'delivered', 'acked', 'resolved'] as const
export type EscalationStatus = typeof ESCALATION_STATUSES[number]

export const MAX_SUMMARY_CHARS = 2048
export const MAX_ESCALATION_SUBJECT_CHARS = 256
export const MAX_EVIDENCE = 32

const peerId = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,128}$/, 'not a base58 peer id')
/** Ids are URL path segments and LevelDB keys: a safe alphabet, bounded. */
export const escalationId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1-128 of A-Z a-z 0-9 . _ -')
const evidenceRef = z.object({ origin: peerId, seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict()

/**
 * Where this escalation goes, in order, instead of its class's `escalationRouting` (a healing
 * policy rule's `escalateTo`, or a caller that knows better). Only the sender reads it.
 */
const route = routeChainSchema

/** What a caller gives (POST /v1/escalations, `kos escalate`, a trigger). */
export const escalationInputSchema = z.object({
  /** Optional client-chosen idempotency key: a retried POST with the same id creates nothing new. */
  id: escalationId.optional(),
  class: z.enum(ESCALATION_CLASSES),
  severity: z.enum(ESCALATION_SEVERITIES),
  subject: z.string().min(1).max(MAX_ESCALATION_SUBJECT_CHARS).optional(),
  summary: z.string().min(1, 'must not be empty').max(MAX_SUMMARY_CHARS),
  evidence: z.array(evidenceRef).max(MAX_EVIDENCE).optional(),
  route: route.optional()
}).strict()
export type EscalationInput = z.infer<typeof escalationInputSchema>

/** A whole record, as it travels between nodes and sits in the stores. */
export const escalationSchema = z.object({
  id: escalationId,
  class: z.enum(ESCALATION_CLASSES),
  severity: z.enum(ESCALATION_SEVERITIES),
  subject: z.string().min(1).max(MAX_ESCALATION_SUBJECT_CHARS),
  summary: z.string().min(1).max(MAX_SUMMARY_CHARS),
  evidence: z.array(evidenceRef).max(MAX_EVIDENCE),
  origin: peerId,
  createdAt: z.string().max(64),
  route: route.optional()
}).strict()
export type Escalation = z.infer<typeof escalationSchema>

/** Builds the record of an input; the subject defaults to the origin (the escalating node). */
export function makeEscalation (input: EscalationInput, origin: string, now: Date): Escalation {
  return {
    id: input.id ?? randomUUID(),
    class: input.class,
    severity: input.severity,
    subject: input.subject ?? origin,
    summary: input.summary,
    evidence: input.evidence ?? [],
    origin,
    createdAt: now.toISOString(),
    ...(input.route === undefined ? {} : { route: input.route })
  }
}

/**
 * The id of a cluster-wide incident: the same on every node for the same facts (e.g. the dead
 * peer and the incarnation it died in), so a re-elected coordinator that escalates it again is
 * deduplicated by the authorities.
 */
export function incidentId (kind: string, ...facts: Array<string | number | null>): string {
  const digest = createHash('sha256').update([kind, ...facts.map(String)].join('\n')).digest('hex')
  return `${kind}-${digest.slice(0, 32)}`
}

const RANK: Record<EscalationStatus, number> = { pending: 0, delivered: 1, acked: 2, resolved: 3 }

/** Statuses only move forward: a late or repeated notice never undoes an ack or a resolve. */
export function isAdvance (from: EscalationStatus, to: EscalationStatus): boolean {
  return RANK[to] > RANK[from]
}
