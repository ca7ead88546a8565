/**
 * The audit log's HTTP routes (issue #4), registered by buildApi:
 * - `POST /v1/audit?ack=local|quorum` appends an application event (needs the API token);
 * - `POST /v1/audit/batch?ack=local|quorum` appends up to MAX_AUDIT_BATCH in one write, all or
 *   none: a bad entry is one 400 naming `entries.<index>.<field>`, and nothing is stored;
 * - `GET /v1/audit?origin&class&severity&since&until&limit&cursor` pages through the log;
 * - `GET /v1/audit/verify` checks every chain;
 * - `GET /v1/audit/stream` tails every stored entry (local or replicated) as Server-Sent Events.
 * Bad input is a 400 naming the field; the audit errors map to the codes of ./errors.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { auditQuerySchema, type AuditQuery } from '@kos/core'
import { auditFieldsSchema, issuePath, type AuditFields } from '@kos/core'
import { requireToken } from './api-token-check.js'
import { openSse } from './sse-stream.js'
import { ApiError } from './errors.js'
import { ESSENTIAL } from './load-shedding.js'
import { DESIRED_STATE_TYPES } from '../services/service-book.js'
import { MAX_AUDIT_BATCH, type AuditAck, type AuditAppendResponse, type AuditBatchResponse, type AuditEntryView, type AuditQueryResponse, type AuditVerifyResponse } from '@kos/client'

/** What the routes need of the audit log (the node's AuditService; a stub in tests). */
export interface AuditApi {
  append: (fields: AuditFields, ack: AuditAck) => Promise<AuditAppendResponse>
  /** Appends every entry in one write (all or none), in order; quorum: once a majority holds the last. */
  appendMany: (entries: AuditFields[], ack: AuditAck) => Promise<AuditAppendResponse[]>
  query: (q: AuditQuery) => Promise<AuditQueryResponse>
  verify: () => Promise<AuditVerifyResponse>
  /** Calls `listener` with every entry stored from now on; `onClose` when the log stops. Returns unsubscribe. */
  subscribe: (listener: (entry: AuditEntryView) => void, onClose: () => void) => () => void
}

export interface AuditRouteOptions {
  /** The node's API token; mutating calls must send `Authorization: Bearer <token>`. */
  apiToken: () => string
  /** SSE heartbeat comment period. @default 15000 */
  sseHeartbeatMs?: number
  /** Audit streams served at once; one more is a 503 (config `eventStreamMaxClients`). @default 32 */
  maxStreams?: number
}

/** A slow SSE client holding more than this unsent is dropped rather than buffered without bound. */
const MAX_SSE_BUFFER_BYTES = 4 * 1024 * 1024

const QUERY_KEYS = ['origin', 'class', 'severity', 'since', 'until', 'limit', 'cursor'] as const
export const ackSchema = z.object({ ack: z.enum(['local', 'quorum']).optional() }).strict()

function invalid (field: string, message: string): ApiError {
  return new ApiError('invalid_request', `${field}: ${message}`)
}

/** Maps the audit errors (by name, so stubs can throw look-alikes) to API errors. */
function mapAuditError (err: unknown): unknown {
  if (!(err instanceof Error)) return err
  const field = (err as { field?: unknown }).field
  switch (err.name) {
    case 'AuditFieldsError':
    case 'AuditQueryError':
      return new ApiError('invalid_request', err.message, { cause: err })
    case 'AuditQuorumTimeoutError':
      return new ApiError('quorum_timeout', err.message, { cause: err })
    case 'AuditQueueFullError':
    case 'AuditStoreError':
    case 'AuditClosedError':
      return new ApiError('audit_unavailable', err.message, { cause: err })
    default:
      return typeof field === 'string' ? new ApiError('invalid_request', err.message, { cause: err }) : err
  }
}

/** Parses one time bound: integer ms since the epoch, or an ISO 8601 date. */
function parseTime (field: string, v: string): number {
  if (/^\d{1,16}$/.test(v)) return Number(v)
  const t = Date.parse(v)
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t) || t < 0) throw invalid(field, 'must be ms since the epoch or an ISO 8601 date')
  return t
}

/** The query string of GET /v1/audit as an AuditQuery; 400 naming the bad field. */
export function parseAuditQuery (raw: unknown): AuditQuery {
  const q = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(q)) {
    if (!(QUERY_KEYS as readonly string[]).includes(key)) throw invalid(key, `unknown query parameter; known: ${QUERY_KEYS.join(', ')}`)
    if (typeof value !== 'string') throw invalid(key, 'must be given once')
    if (key === 'since' || key === 'until') out[key] = parseTime(key, value)
    else if (key === 'limit') {
      if (!/^\d{1,6}$/.test(value)) throw invalid(key, 'must be a positive integer')
      out[key] = Number(value)
    } else out[key] = value
  }
  const parsed = auditQuerySchema.safeParse(out)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw invalid(issue?.path.map(String).join('.') || 'query', issue?.message ?? 'invalid')
  }
  return out as AuditQuery
}

/** The body of POST /v1/audit as fields (details default to {}); 400 naming the bad field. */
export function parseAuditBody (body: unknown, at = ''): AuditFields {
  const name = (field: string): string => at === '' ? field : `${at}.${field}`
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid(at === '' ? 'body' : at, 'must be a JSON object')
  const withDetails = 'details' in body ? body : { ...body, details: {} }
  const parsed = auditFieldsSchema.safeParse(withDetails)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    if (issue?.code === 'unrecognized_keys') throw invalid(issue.keys.map(name).join(', '), 'unknown field(s)')
    const { field, message } = issuePath(parsed.error)
    throw invalid(field === 'entry' ? (at === '' ? 'body' : at) : name(field), message)
  }
  // The cluster's desired state is folded from these entries, and only the coordinator writes
  // them (through POST /v1/services and kos drain, which check what they carry); one appended
  // here could carry any term and outrank every later definition.
  if (DESIRED_STATE_TYPES.includes(parsed.data.type)) throw invalid(name('type'), `${parsed.data.type} is written by the coordinator only (POST /v1/services, kos drain)`)
  return parsed.data
}

/** The body of POST /v1/audit/batch: `{ entries: [...] }`, 1 to MAX_AUDIT_BATCH; 400 naming `entries.<index>.<field>`. */
export function parseAuditBatchBody (body: unknown): AuditFields[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'must be a JSON object')
  const extra = Object.keys(body).filter((k) => k !== 'entries')
  if (extra.length > 0) throw invalid(extra.join(', '), 'unknown field(s); known: entries')
  const entries = (body as { entries?: unknown }).entries
  if (!Array.isArray(entries)) throw invalid('entries', 'must be an array of audit entries')
  if (entries.length < 1 || entries.length > MAX_AUDIT_BATCH) throw invalid('entries', `must hold 1 to ${MAX_AUDIT_BATCH} entries, got ${entries.length}`)
  return entries.map((e, i) => parseAuditBody(e, `entries.${i}`))
}

/** ?ack= of the append routes; 400 naming it. */
function parseAck (query: unknown): AuditAck {
  const q = ackSchema.safeParse(query ?? {})
  if (!q.success) {
    const issue = q.error.issues[0]
    throw issue?.code === 'unrecognized_keys' ? invalid(issue.keys.join(', '), 'unknown query parameter; known: ack') : invalid('ack', 'must be local or quorum')
  }
  return q.data.ack ?? 'local'
}

/**
 * The largest batch body: MAX_AUDIT_BATCH entries of the largest size (details of up to
 * MAX_DETAILS_BYTES as CBOR, whose JSON can be somewhat longer, and the other fields).
 */
export const AUDIT_BATCH_BODY_LIMIT = MAX_AUDIT_BATCH * 12 * 1024

export function registerAuditRoutes (app: FastifyInstance, audit: AuditApi, opts: AuditRouteOptions): void {
  const heartbeatMs = opts.sseHeartbeatMs ?? 15_000
  const maxStreams = opts.maxStreams ?? 32
  const streams = new Set<() => void>()

  app.post('/v1/audit', { config: ESSENTIAL }, async (req) => {
    requireToken(req, opts.apiToken())
    const ack = parseAck(req.query)
    const fields = parseAuditBody(req.body)
    try {
      return await audit.append(fields, ack)
    } catch (err) {
      throw mapAuditError(err)
    }
  })

  // The token is checked before the (large) body is read and parsed.
  const tokenFirst = async (req: FastifyRequest): Promise<void> => { requireToken(req, opts.apiToken()) }
  app.post('/v1/audit/batch', { config: ESSENTIAL, bodyLimit: AUDIT_BATCH_BODY_LIMIT, onRequest: tokenFirst }, async (req): Promise<AuditBatchResponse> => {
    const ack = parseAck(req.query)
    const entries = parseAuditBatchBody(req.body)
    try {
      return { entries: await audit.appendMany(entries, ack) }
    } catch (err) {
      throw mapAuditError(err)
    }
  })

  app.get('/v1/audit', { config: ESSENTIAL }, async (req) => {
    const query = parseAuditQuery(req.query)
    try {
      return await audit.query(query)
    } catch (err) {
      throw mapAuditError(err)
    }
  })

  // Not essential: a full re-verification is the heaviest call and can wait out an overload.
  app.get('/v1/audit/verify', async () => {
    try {
      const r = await audit.verify()
      return { ok: r.ok, checked: r.checked, breaks: r.breaks.map((b) => ({ origin: b.origin, seq: b.seq, reason: b.reason })) }
    } catch (err) {
      throw mapAuditError(err)
    }
  })

  app.get('/v1/audit/stream', { config: ESSENTIAL }, (_req, reply) => {
    // Each tail holds a socket, a subscription and up to MAX_SSE_BUFFER_BYTES: a bounded number of them.
    if (streams.size >= maxStreams) throw new ApiError('overloaded', `this node already serves ${maxStreams} audit streams; retry later`)
    const stream = openSse(reply, { maxBufferBytes: MAX_SSE_BUFFER_BYTES, heartbeatMs, streams })
    stream.begin(': kos audit stream\n\n')
    stream.onClose(audit.subscribe((entry) => { stream.write(`data: ${JSON.stringify(entry)}\n\n`) }, stream.close))
  })

  // Open tails would hold the server's close forever: end them first.
  app.addHook('preClose', (done) => {
    for (const close of [...streams]) close()
    done()
  })
}
