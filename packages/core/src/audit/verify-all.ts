/**
 * `verifyAll`: walks every chain in the store (docs/design/audit.md: `kos audit verify` checks
 * every chain; issue #4 `GET /v1/audit/verify` → `{ ok, checked, breaks: [{ origin, seq, reason }] }`).
 *
 * Entries are read in key order (`e!<origin>!<seq>`), so each origin's chain is one ordered scan.
 * Each entry must sit under its own (origin, seq) key and verify against the entry before it
 * (seq, prev link, Lamport order, hash); the first must be seq 1. Each seal's signature is
 * checked, and vouches for the entries since the previous seal (seal.ts): when it fails, or
 * when the chain ends without one, each of those entries is reported ('signature'). The stored
 * head must name the last entry, which catches a removed tail that the links alone cannot.
 *
 * After a break the walk resynchronises rather than cascading: a misplaced or unreadable entry
 * makes the next one be checked on its own (hash, signature) and become the new link. So each
 * tampering is reported where it is: a changed field at its seq ('hash', or 'signature' if the
 * hash was recomputed; the following entry then breaks with 'chain'); a removed entry at the seq
 * after the hole ('seq'); swapped entries at both places ('seq'); a wrong signer ('signature').
 * The list holds at most `maxBreaks` breaks; `checked` still counts every entry.
 *
 * Retention: a compacted chain starts after its checkpoint (checkpoint.ts). The checkpoint must
 * be signed by its signer ('checkpoint' at its seq otherwise) and is the link the first
 * surviving entry follows: seq + 1, `prev` = its hash, a larger Lamport time ('seq' or 'chain'
 * at seq + 1 otherwise). Entries still on disk at or below it (a peer's checkpoint accepted,
 * the sweep not done yet) are compacted in substance: skipped, and not counted in `checked`.
 */
import { checkpointLink, checkpointSchema, verifyCheckpoint } from './checkpoint.js'
import { entryHash, linkFailure, verifySignature, type ChainLink, type VerifyFailure } from './entry.js'
import { CHECKPOINT_PREFIX, decodeStored, ENCODINGS, ENTRY_PREFIX, HEAD_PREFIX, PREFIX_END, parseEntryKey, type AuditDb, type AuditSnapshot } from './keys.js'
import { auditEntrySchema, ZERO_HASH, type AuditEntry } from './schema.js'

/** An entry's VerifyFailure, or 'checkpoint': a retention checkpoint not signed by its signer. */
export type BreakReason = VerifyFailure | 'checkpoint'
export interface ChainBreak { origin: string, seq: number, reason: BreakReason }
export interface VerifyReport {
  ok: boolean
  /** Entries read. */
  checked: number
  breaks: ChainBreak[]
  /** True when more than `maxBreaks` breaks were found and the list was cut. */
  truncated: boolean
}

interface StoredHeadValue { seq: number, hash: string }


async function readHeads (db: AuditDb, snapshot: AuditSnapshot): Promise<Map<string, StoredHeadValue>> {
  const heads = new Map<string, StoredHeadValue>()
  for await (const [key, value] of db.iterator({ gte: HEAD_PREFIX, lt: `${HEAD_PREFIX}${PREFIX_END}`, ...ENCODINGS, snapshot })) {
    try {
      const h = decodeStored<StoredHeadValue>(value)
      heads.set(key.slice(HEAD_PREFIX.length), { seq: Number(h.seq), hash: String(h.hash) })
    } catch {
      heads.set(key.slice(HEAD_PREFIX.length), { seq: -1, hash: '' })
    }
  }
  return heads
}

/**
 * An entry's own failure: its link to `prev` ('alone' after a break: only what it proves by
 * itself, that a seq 1 entry links to ZERO_HASH), then its hash; null if none.
 */
function checkEntry (e: AuditEntry, prev: ChainLink | null | 'alone'): VerifyFailure | null {
  if (prev === 'alone') {
    if ((e.seq === 1) !== (e.prev === ZERO_HASH)) return 'chain'
  } else {
    const link = linkFailure(e, prev)
    if (link !== null) return link
  }
  return entryHash(e) !== e.hash ? 'hash' : null
}

async function readCheckpoints (db: AuditDb, snapshot: AuditSnapshot): Promise<Map<string, unknown>> {
  const cps = new Map<string, unknown>()
  for await (const [key, value] of db.iterator({ gte: CHECKPOINT_PREFIX, lt: `${CHECKPOINT_PREFIX}${PREFIX_END}`, ...ENCODINGS, snapshot })) {
    let cp: unknown = null
    try { cp = decodeStored<unknown>(value) } catch { /* reported as a bad checkpoint */ }
    cps.set(key.slice(CHECKPOINT_PREFIX.length), cp)
  }
  return cps
}

/**
 * Heads, checkpoints and entries are read from one snapshot: writes go on while a verify runs,
 * and an entry appended between two separate scans would look like one past its head.
 */
export async function verifyChains (db: AuditDb, maxBreaks = 1000): Promise<VerifyReport> {
  const snapshot = db.snapshot()
  try {
    return await verifySnapshot(db, snapshot, maxBreaks)
  } finally {
    await snapshot.close()
  }
}

async function verifySnapshot (db: AuditDb, snapshot: AuditSnapshot, maxBreaks: number): Promise<VerifyReport> {
  const heads = await readHeads(db, snapshot)
  const checkpoints = await readCheckpoints(db, snapshot)
  const breaks: ChainBreak[] = []
  let total = 0
  const report = (origin: string, seq: number, reason: BreakReason): void => {
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
  /** The origin's checkpoint seq: held entries up to it are skipped. */
  let base = 0
  /** Entries since the last seal that broke nothing else: the next seal vouches for them. */
  let unsealed: number[] = []

  /** Starts an origin's walk at its checkpoint, if it has one. */
  const startOrigin = (o: string): void => {
    prev = null
    resync = false
    base = 0
    lastSeq = 0
    unsealed = []
    if (!checkpoints.has(o)) return
    const raw = checkpoints.get(o)
    checkpoints.delete(o)
    const parsed = checkpointSchema.safeParse(raw)
    if (!parsed.success) {
      // Nothing to link to: the first surviving entry is checked on its own.
      report(o, 0, 'checkpoint')
      resync = true
      return
    }
    const cp = parsed.data
    if (cp.origin !== o || !verifyCheckpoint(cp).ok) report(o, cp.seq, 'checkpoint')
    base = cp.seq
    lastSeq = cp.seq
    prev = checkpointLink(cp)
  }

  const endOrigin = (o: string): void => {
    for (const seq of unsealed) report(o, seq, 'signature')
    unsealed = []
    const head = heads.get(o)
    heads.delete(o)
    if (head === undefined) report(o, lastSeq, 'chain')
    else if (head.seq > lastSeq) report(o, lastSeq + 1, 'seq')
    else if (head.seq < lastSeq) report(o, head.seq + 1, 'seq')
    else if (prev !== null && head.hash !== prev.hash) report(o, head.seq, 'chain')
  }

  for await (const [key, value] of db.iterator({ gte: ENTRY_PREFIX, lt: `${ENTRY_PREFIX}${PREFIX_END}`, ...ENCODINGS, snapshot })) {
    const id = parseEntryKey(key)
    if (id === null) { checked++; report(key, 0, 'schema'); continue }
    if (id.origin !== origin) {
      if (origin !== null) endOrigin(origin)
      origin = id.origin
      startOrigin(origin)
    }
    if (id.seq <= base) continue
    checked++
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
    const failure = checkEntry(entry, resync ? 'alone' : prev)
    if (failure !== null) {
      report(id.origin, id.seq, failure)
    } else if (entry.sig === undefined) {
      unsealed.push(id.seq)
    } else {
      const sig = await verifySignature(entry)
      if (!sig.ok) report(id.origin, id.seq, sig.reason)
      // A failed seal vouches for nothing: the entries it would have covered are unproven.
      for (const seq of unsealed) if (!sig.ok) report(id.origin, seq, 'signature')
      unsealed = []
    }
    prev = entry
    resync = false
  }
  if (origin !== null) endOrigin(origin)
  // Checkpoints with no surviving entry (a peer's accepted, nothing after it yet): the head must be it.
  for (const o of [...checkpoints.keys()]) {
    startOrigin(o)
    endOrigin(o)
  }
  // Heads whose origin has no entry at all: the whole chain is missing.
  for (const [o, head] of heads) if (head.seq !== 0) report(o, 1, 'seq')
  return { ok: total === 0, checked, breaks, truncated: total > breaks.length }
}
