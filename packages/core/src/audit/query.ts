/**
 * Audit queries (docs/design/audit.md; issue #4 `GET /v1/audit?origin&class&severity&since&until&limit&cursor`).
 *
 * A page is read from a time index (keys.ts): the per-origin one when `origin` is given, the
 * global one otherwise, so both are range scans in time order (ties: origin, then seq). Class and
 * severity filter on the two bytes each index key holds, so skipped entries are never read.
 * Semantics:
 * - `since <= ts < until`, in wall-clock ms; `severity` is a minimum (`warning` also returns
 *   error and critical);
 * - `next` is an opaque cursor (the last index key the page covered), null at the end of the
 *   range; pass it back with the same filters for the following page;
 * - each call scans at most `scanLimit` index keys: a rare filter over a long log may return a
 *   short (even empty) page with a non-null `next`, so a request never does unbounded work.
 */
import { z } from 'zod'
import { AuditQueryError } from './errors.js'
import {
  decodeCursor, decodeStored, encodeCursor, ENCODINGS, entryKey, originTimePrefix, pad, parseIndexKey, PREFIX_END, TIME_PREFIX,
  type AuditDb, type AuditIteratorOptions
} from './keys.js'
import { AUDIT_CLASSES, AUDIT_SEVERITIES, MAX_TS_MS, type AuditEntry } from './schema.js'
import { peerIdString } from '../wire/messages.js'

export const MAX_QUERY_LIMIT = 1000
export const DEFAULT_QUERY_LIMIT = 100

const tsMs = z.number().int().min(0).max(MAX_TS_MS)

export const auditQuerySchema = z.object({
  origin: peerIdString.optional(),
  class: z.enum(AUDIT_CLASSES).optional(),
  severity: z.enum(AUDIT_SEVERITIES).optional(),
  since: tsMs.optional(),
  until: tsMs.optional(),
  limit: z.number().int().min(1).max(MAX_QUERY_LIMIT).default(DEFAULT_QUERY_LIMIT),
  cursor: z.string().min(1).max(512).optional()
}).strict()

export type AuditQuery = z.input<typeof auditQuerySchema>
export interface AuditPage { entries: AuditEntry[], next: string | null }

/** Runs one query page; throws AuditQueryError naming the bad parameter. */
export async function runQuery (db: AuditDb, query: AuditQuery, scanLimit: number): Promise<AuditPage> {
  const parsed = auditQuerySchema.safeParse(query)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AuditQueryError(issue?.path.map(String).join('.') || 'query', issue?.message ?? 'invalid query')
  }
  const q = parsed.data
  const prefix = q.origin === undefined ? TIME_PREFIX : originTimePrefix(q.origin)
  const lower = `${prefix}${pad(q.since ?? 0)}`
  const upper = q.until === undefined ? `${prefix}${PREFIX_END}` : `${prefix}${pad(q.until)}`
  const range: AuditIteratorOptions = { gte: lower, lt: upper, limit: scanLimit, ...ENCODINGS }
  if (q.cursor !== undefined) {
    const key = decodeCursor(q.cursor)
    if (key === null || !key.startsWith(prefix)) throw new AuditQueryError('cursor', 'not a cursor of this query')
    if (key >= lower) {
      delete range.gte
      range.gt = key
    }
  }
  const classIx = q.class === undefined ? -1 : AUDIT_CLASSES.indexOf(q.class)
  const minSeverity = q.severity === undefined ? 0 : AUDIT_SEVERITIES.indexOf(q.severity)

  const matched: string[] = []
  let lastMatched: string | null = null
  let lastScanned: string | null = null
  let scanned = 0
  let next: string | null = null
  for await (const [key, value] of db.iterator(range)) {
    scanned++
    lastScanned = key
    const matches = (classIx < 0 || value[0] === classIx) && (value[1] ?? 0) >= minSeverity
    if (!matches) continue
    if (matched.length === q.limit) {
      // A further match exists: the page is full and the next one starts after its last entry.
      next = encodeCursor(lastMatched as string)
      break
    }
    matched.push(key)
    lastMatched = key
  }
  if (next === null && scanned === scanLimit && lastScanned !== null) next = encodeCursor(lastScanned)

  const keys = matched.map((k) => {
    const id = parseIndexKey(k) as { origin: string, seq: number }
    return entryKey(id.origin, id.seq)
  })
  const values = keys.length === 0 ? [] : await db.getMany(keys, ENCODINGS)
  const entries = values.flatMap((v) => v === undefined ? [] : [decodeStored(v)])
  return { entries, next }
}
