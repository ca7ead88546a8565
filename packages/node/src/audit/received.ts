/**
 * How the store judges an entry from a peer (docs/design/audit.md, issue #4): first the checks that need
 * no lock (`precheckReceived`: schema, hash, a copy of a held entry, the signature), then, in a
 * batch under the store's write lock, the verdict against the stored heads
 * (`classifyReceived`): stored, duplicate, gap, fork or invalid. Apart from AuditStore so that
 * the rules of what a replica accepts read in one place; the store keeps the locking and the
 * writes, and hands these the heads and held entries as functions.
 */
import { entryHash, verifySignature, type VerifyFailure } from './entry.js'
import type { ForkReport, StoredHead } from './heads.js'
import { entryKey } from './keys.js'
import { auditEntrySchema, ZERO_HASH, type AuditEntry } from './schema.js'

/**
 * Why a received entry is refused: it fails verification, or it is genuine but would harm the
 * store: a Lamport time far beyond the local clock (`lamport`: it would drag every node's clock
 * towards exhaustion, after which no node can append), or a new origin past the cap (`origins`:
 * chains without end, and a heads message too large to exchange).
 */
export type ReceiveFailure = VerifyFailure | 'lamport' | 'origins'

export type StoreResult =
  | { status: 'stored' }
  | { status: 'duplicate' }
  | { status: 'gap', haveSeq: number }
  | { status: 'fork', fork: ForkReport }
  | { status: 'invalid', reason: ReceiveFailure }

const DUPLICATE: StoreResult = Object.freeze({ status: 'duplicate' })
const STORED: StoreResult = Object.freeze({ status: 'stored' })
const invalid = (reason: ReceiveFailure): StoreResult => ({ status: 'invalid', reason })

/** What the checks read of the store. */
export interface ReceivedLookups {
  /** The origin's head (in a batch: as the entries before this one in the batch left it). */
  head: (origin: string) => StoredHead | undefined
  /** The held entry, or undefined if not held (or compacted). */
  held: (origin: string, seq: number) => Promise<AuditEntry | undefined>
  /** The highest Lamport time a received entry may carry: the local clock plus a bound. */
  lamportCeiling: () => number
  /** How many origins' chains are held, and the most that may be. */
  origins: () => number
  maxOrigins: () => number
}

/**
 * The checks that need no lock: schema, hash, a byte-identical copy of a held entry (no
 * signature check needed: Ed25519 signatures are deterministic, so a genuine copy carries the
 * very signature we verified), then the signature. Returns a final result,
 * or the parsed entry to classify against the head in a batch.
 */
export async function precheckReceived (raw: unknown, store: ReceivedLookups): Promise<StoreResult | AuditEntry> {
  const parsed = auditEntrySchema.safeParse(raw)
  if (!parsed.success) return invalid('schema')
  const e = parsed.data
  if (entryHash(e) !== e.hash) return invalid('hash')
  if ((e.seq === 1) !== (e.prev === ZERO_HASH)) return invalid('chain')
  const h = store.head(e.origin)
  if (h !== undefined && e.seq <= h.seq) {
    const held = await store.held(e.origin, e.seq)
    if (held !== undefined && held.hash === e.hash && held.sig === e.sig) return DUPLICATE
  }
  const sig = await verifySignature(e)
  if (!sig.ok) return invalid(sig.reason)
  return e.lamport > store.lamportCeiling() ? invalid('lamport') : e
}

/**
 * Classifies a batch of verified entries against the heads, in origin and seq order (so that
 * entries gossip reordered still chain), and passes each one that extends its chain to `store`,
 * which must advance the head `head` returns. Results are in the order of `items`.
 */
export async function classifyReceived (items: AuditEntry[], lookups: ReceivedLookups, store: (e: AuditEntry) => void): Promise<StoreResult[]> {
  const order = items.map((_, i) => i).sort((a, b) => {
    const x = items[a] as AuditEntry
    const y = items[b] as AuditEntry
    return x.origin < y.origin ? -1 : x.origin > y.origin ? 1 : x.seq - y.seq
  })
  const results: StoreResult[] = new Array<StoreResult>(items.length)
  const inBatch = new Map<string, string>()
  const newOrigins = new Set<string>()
  for (const i of order) {
    const e = items[i] as AuditEntry
    const h = lookups.head(e.origin)
    const haveSeq = h?.seq ?? 0
    if (h === undefined && !newOrigins.has(e.origin) && lookups.origins() + newOrigins.size >= lookups.maxOrigins()) {
      results[i] = invalid('origins')
    } else if (h !== undefined && e.seq <= haveSeq) {
      const key = entryKey(e.origin, e.seq)
      const mine = e.seq === h.seq ? h.hash : inBatch.get(key) ?? (await lookups.held(e.origin, e.seq))?.hash
      // A held seq whose entry is gone (compacted by retention) counts as held.
      results[i] = mine === undefined || mine === e.hash ? DUPLICATE : { status: 'fork', fork: { origin: e.origin, seq: e.seq, mine, theirs: e.hash } }
    } else if (e.seq > haveSeq + 1) {
      results[i] = { status: 'gap', haveSeq }
    } else if (h !== undefined && e.prev !== h.hash) {
      // Signed by the origin, yet it links to another entry than ours at h.seq.
      results[i] = { status: 'fork', fork: { origin: e.origin, seq: h.seq, mine: h.hash, theirs: e.prev } }
    } else if (h !== undefined && e.lamport <= h.lamport) {
      results[i] = invalid('chain')
    } else {
      store(e)
      if (h === undefined) newOrigins.add(e.origin)
      inBatch.set(entryKey(e.origin, e.seq), e.hash)
      results[i] = STORED
    }
  }
  return results
}
