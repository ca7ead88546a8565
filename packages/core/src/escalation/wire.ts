/**
 * Messages of the escalation protocol `/kos/<cluster>/escalate/1.0.0` (issue #5): one JSON
 * request, one JSON answer per stream, validated with zod and bounded in size.
 *
 * - `escalate`: a sender delivers a record to an authority, which answers once the record is in
 *   its durable inbox, with the record's status there (delivered, or acked/resolved if it was
 *   already): the acknowledgement of receipt.
 * - `status`: an authority tells the sender that its operators acked or resolved the record.
 * - `authorities`: a node that was given no designation asks a member for the cluster's, once,
 *   and pins the answer.
 */
import { z } from 'zod'
import { authoritiesSchema } from './authorities.js'
import { escalationId, escalationSchema, ESCALATION_STATUSES } from './escalation-record.js'

/** Bound on one message: a record is at most ≈ 6 KB (summary 2 KB, 32 evidence refs). */
export const MAX_ESCALATION_MESSAGE_BYTES = 32 * 1024

export const requestSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('escalate'), record: escalationSchema }).strict(),
  z.object({ t: z.literal('status'), id: escalationId, status: z.enum(['acked', 'resolved']) }).strict(),
  z.object({ t: z.literal('authorities') }).strict()
])
export type EscalationRequest = z.infer<typeof requestSchema>

export const answerSchema = z.union([
  z.object({ ok: z.literal(true), status: z.enum(ESCALATION_STATUSES).optional(), authorities: authoritiesSchema.optional() }).strict(),
  z.object({ ok: z.literal(false), error: z.string().max(512) }).strict()
])
export type EscalationAnswer = z.infer<typeof answerSchema>

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeEscalationMessage (m: EscalationRequest | EscalationAnswer): Uint8Array {
  return encoder.encode(JSON.stringify(m))
}

/** Parses bytes with `schema`; throws a plain Error saying why (the handler answers it). */
export function decodeEscalationMessage<T> (bytes: Uint8Array, schema: z.ZodType<T>): T {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    throw new Error('not JSON')
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}
