/**
 * The audit entry's shape (docs/design/audit.md, issue #4): zod schemas, the single source of truth, for
 * the fields an application appends and for whole entries arriving from the network.
 *
 * An entry is `{ origin, seq, lamport, ts, class, type, severity, subject, details, prev, hash,
 * sig? }`: one hash-chained chain per origin, sealed by the origin's signature once per written
 * batch (seal.ts): `sig` is on the batch's last entry only, and covers every entry before it
 * through the `prev` links. `details` is a JSON-safe object: it must
 * survive CBOR (wire, disk) and JSON (API) round trips unchanged, or a receiver would compute
 * another hash than the writer. Hence no `undefined`, no NaN or Infinity, no unsafe integers, no
 * byte arrays, no lone UTF-16 surrogates (UTF-8 replaces them) and no `__proto__` key (cborg's
 * decoder drops it). Sizes are bounded so a peer cannot make us store or hash much.
 */
import { z } from 'zod'
import { cborSize } from './canonical-cbor.js'
import { peerIdString } from '../wire/messages.js'

export const AUDIT_CLASSES = ['agent', 'node', 'network', 'ethics', 'resource', 'coordinator', 'operator'] as const
/** Ordered from least to most severe (syslog order); a query's `severity` is a minimum. */
export const AUDIT_SEVERITIES = ['debug', 'info', 'notice', 'warning', 'error', 'critical'] as const

export type AuditClass = typeof AUDIT_CLASSES[number]
export type AuditSeverity = typeof AUDIT_SEVERITIES[number]

/** `prev` of an origin's first entry (seq 1). */
export const ZERO_HASH = '0'.repeat(64)
/** Bound on the CBOR encoding of `details`, in bytes. */
export const MAX_DETAILS_BYTES = 8 * 1024
/** Bound on one CBOR-encoded entry on the wire: details plus every other field, with margin. */
export const MAX_ENTRY_BYTES = MAX_DETAILS_BYTES + 2 * 1024
/** Nesting bound of `details` (objects and arrays). */
export const MAX_DETAILS_DEPTH = 16
export const MAX_SUBJECT_CHARS = 256
export const MAX_TYPE_CHARS = 128
export const MAX_KEY_CHARS = 256
/** Wall-clock bound: the largest valid `Date` (year 275760); 16 decimal digits. */
export const MAX_TS_MS = 8_640_000_000_000_000

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

const LONE_SURROGATE = /\p{Surrogate}/u

function isPlainObject (v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

/**
 * Why `value` is not JSON-safe (see the header), with the dotted path of the first offender, or
 * null when it is. Depth is checked before anything is encoded, so a deep value cannot exhaust
 * the stack of the encoder.
 */
export function jsonProblem (value: unknown, path = '', depth = 0): { path: string, message: string } | null {
  const at = (message: string): { path: string, message: string } => ({ path, message })
  if (value === null || typeof value === 'boolean') return null
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? at('string holds a lone UTF-16 surrogate') : null
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return at('number is not finite')
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) return at('integer is not a safe integer')
    return null
  }
  if (typeof value !== 'object') return at(`${typeof value} is not JSON`)
  if (depth >= MAX_DETAILS_DEPTH) return at(`nested deeper than ${MAX_DETAILS_DEPTH}`)
  const child = (k: string | number): string => path === '' ? String(k) : `${path}.${k}`
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = jsonProblem(value[i], child(i), depth + 1)
      if (p !== null) return p
    }
    return null
  }
  if (!isPlainObject(value)) return at('not a plain object')
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return at('key __proto__ is not allowed')
    if (key.length > MAX_KEY_CHARS || LONE_SURROGATE.test(key)) return at(`key is longer than ${MAX_KEY_CHARS} or not well-formed`)
    const p = jsonProblem((value as Record<string, unknown>)[key], child(key), depth + 1)
    if (p !== null) return p
  }
  return null
}

/** `details`: a JSON-safe plain object whose CBOR encoding is at most MAX_DETAILS_BYTES. */
export const detailsSchema = z.custom<JsonObject>().superRefine((value, ctx) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'details must be an object' })
    return
  }
  const problem = jsonProblem(value)
  if (problem !== null) {
    ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path === '' ? [] : problem.path.split('.') })
    return
  }
  const bytes = cborSize(value)
  if (bytes > MAX_DETAILS_BYTES) ctx.addIssue({ code: 'custom', message: `details encode to ${bytes} bytes, more than ${MAX_DETAILS_BYTES}` })
})

/** Event types name what happened, `noun:verb` by convention (`member:suspect`, `agent:restarted`). */
const typeString = z.string().min(1).max(MAX_TYPE_CHARS).regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'type may hold letters, digits and . _ : / - only')
const subjectString = z.string().max(MAX_SUBJECT_CHARS).refine((s) => !LONE_SURROGATE.test(s), 'subject holds a lone UTF-16 surrogate')
const hexHash = z.string().regex(/^[0-9a-f]{64}$/, 'not a lowercase hex sha-256')
const positiveSafeInt = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)

/** What an application (or the node's event path) appends; the writer adds everything else. */
export const auditFieldsSchema = z.object({
  class: z.enum(AUDIT_CLASSES),
  type: typeString,
  severity: z.enum(AUDIT_SEVERITIES),
  subject: subjectString,
  details: detailsSchema
}).strict()

/**
 * A whole entry as it arrives from a peer (gossip, anti-entropy) or is read back for
 * verification. `sig`, on a seal only, is the standard base64 (padded) of the 64-byte Ed25519
 * signature over the entry's hash.
 */
export const auditEntrySchema = z.object({
  origin: peerIdString,
  seq: positiveSafeInt,
  lamport: positiveSafeInt,
  ts: z.number().int().min(0).max(MAX_TS_MS),
  class: z.enum(AUDIT_CLASSES),
  type: typeString,
  severity: z.enum(AUDIT_SEVERITIES),
  subject: subjectString,
  details: detailsSchema,
  prev: hexHash,
  hash: hexHash,
  sig: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'not the base64 of a 64-byte Ed25519 signature').optional()
}).strict()

export type AuditFields = z.infer<typeof auditFieldsSchema>
export type AuditEntry = z.infer<typeof auditEntrySchema>
/** The hashed part of an entry: every field except `hash` and `sig`. */
export type UnsignedEntry = Omit<AuditEntry, 'hash' | 'sig'>

/** The dotted path of a zod issue, e.g. `details.agent`, or `entry` for the root. */
export function issuePath (error: z.ZodError): { field: string, message: string } {
  const issue = error.issues[0]
  const field = issue === undefined || issue.path.length === 0 ? 'entry' : issue.path.map(String).join('.')
  return { field, message: issue?.message ?? 'invalid' }
}
