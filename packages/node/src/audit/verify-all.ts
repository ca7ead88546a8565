/**
 * `verifyAll`: walks every chain in the store (DESIGN.md §7 "`kos audit verify` checks every
 * chain"; issue #4 `GET /v1/audit/verify` → `{ ok, checked, breaks: [{ origin, seq, reason }] }`).
 *
 * Entries are read in key order (`e!<origin>!<seq>`), so each origin's chain is one ordered scan.
 * Each entry must sit under its own (origin, seq) key and verify against the entry before it
 * (verifyEntry: seq, prev link, Lamport order, hash, signature); the first must be seq 1. The
 * stored head must name the last entry, which catches a removed tail that the links alone cannot.
 *
 * After a break the walk resynchronises rather than cascading: a misplaced or unreadable entry
 * makes the next one be checked on its own (hash, signature) and become the new link. So each
 * tampering is reported where it is: a changed field at its seq ('hash', or 'signature' if the
 * hash was recomputed; the following entry then breaks with 'chain'); a removed entry at the seq
 * after the hole ('seq'); swapped entries at both places ('seq'); a wrong signer ('signature').
 * The list holds at most `maxBreaks` breaks; `checked` still counts every entry.
 */
import { verifyEntry, verifyEntryContent, type ChainLink, type VerifyFailure } from './entry.js'
import { decodeStored, ENCODINGS, ENTRY_PREFIX, HEAD_PREFIX, PREFIX_END, parseEntryKey, type AuditDb } from './keys.js'
import { auditEntrySchema, type AuditEntry } from './schema.js'

export interface ChainBreak { origin: string, seq: number, reason: VerifyFailure }
export interface VerifyReport {
  ok: boolean
  /** Entries read. */
  checked: number
  breaks: ChainBreak[]
  /** True when more than `maxBreaks` breaks were found and the list was cut. */
  truncated: boolean
}

interface StoredHeadValue { seq: number, hash: string }

async function readHeads (db: AuditDb): Promise<Map<string, StoredHeadValue>> {
  const heads = new Map<string, StoredHeadValue>()
  for await (const [key, value] of db.iterator({ gte: HEAD_PREFIX, lt: `${HEAD_PREFIX}${PREFIX_END}`, ...ENCODINGS })) {
    try {
      const h = decodeStored<StoredHeadValue>(value)
      heads.set(key.slice(HEAD_PREFIX.length), { seq: Number(h.seq), hash: String(h.hash) })
    } catch {
      heads.set(key.slice(HEAD_PREFIX.length), { seq: -1, hash: '' })
    }
  }
  return heads
}

export async function verifyChains (db: AuditDb, maxBreaks = 1000): Promise<VerifyReport> {
  const heads = await readHeads(db)
  const breaks: ChainBreak[] = []
  let total = 0
  const report = (origin: string, seq: number, reason: VerifyFailure): void => {
    total++
    if (breaks.length < maxBreaks) breaks.push({ origin, seq, reason })
  }
  let checked = 0
  let origin: string | null = null
  /** The link the next entry must follow; null before an origin's first entry. */
  let prev: ChainLink | null = null
  /** After a break, the next entry is checked on its own and becomes the link. */
  let resync = false
  let lastSeq = 0

  const endOrigin = (o: string): void => {
    const head = heads.get(o)
    heads.delete(o)
    if (head === undefined) report(o, lastSeq, 'chain')
    else if (head.seq > lastSeq) report(o, lastSeq + 1, 'seq')
    else if (head.seq < lastSeq) report(o, head.seq + 1, 'seq')
    else if (prev !== null && head.hash !== prev.hash) report(o, head.seq, 'chain')
  }

  for await (const [key, value] of db.iterator({ gte: ENTRY_PREFIX, lt: `${ENTRY_PREFIX}${PREFIX_END}`, ...ENCODINGS })) {
    checked++
    const id = parseEntryKey(key)
    if (id === null) { report(key, 0, 'schema'); continue }
    if (id.origin !== origin) {
      if (origin !== null) endOrigin(origin)
      origin = id.origin
      prev = null
      resync = false
    }
    lastSeq = id.seq
    let entry: AuditEntry
    try {
      entry = auditEntrySchema.parse(decodeStored(value))
    } catch {
      report(id.origin, id.seq, 'schema')
      resync = true
      continue
    }
    if (entry.origin !== id.origin || entry.seq !== id.seq) {
      report(id.origin, id.seq, entry.origin !== id.origin ? 'origin' : 'seq')
      resync = true
      continue
    }
    const result = resync ? await verifyEntryContent(entry) : await verifyEntry(entry, prev)
    if (!result.ok) report(id.origin, id.seq, result.reason)
    prev = entry
    resync = false
  }
  if (origin !== null) endOrigin(origin)
  // Heads whose origin has no entry at all: the whole chain is missing.
  for (const [o, head] of heads) if (head.seq !== 0) report(o, 1, 'seq')
  return { ok: total === 0, checked, breaks, truncated: total > breaks.length }
}
