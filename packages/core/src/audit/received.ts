/**
 * How the store judges entries from a peer (docs/design/audit.md, issues #4 and 21): first the checks
 * that need no lock, once per sealed group (`precheckReceived`: schema, a copy of a held
 * group, hashes and links, the seal's signature), then, in a batch under the store's write
 * lock, the verdict against the stored heads (`classifyReceived`): stored, duplicate, gap,
 * fork or invalid. Apart from AuditStore so that
 * the rules of what a replica accepts read in one place; the store keeps the locking and the
 * writes, and hands these the heads and held entries as functions.
 */
import { canonicalBytes, hashAndKeep, verifySignature, type VerifyFailure } from './entry.js'
import type { ForkReport, StoredHead } from './heads.js'
import { entryKey } from './keys.js'
import { auditEntrySchema, ZERO_HASH, type AuditEntry } from './schema.js'
import { sealGroups } from './seal.js'

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
 * The checks that need no lock, once per group (seal.ts), on what one message brought:
 * - each entry's schema (the one parse an entry gets on this path);
 * - the entries of each origin, in seq order, split into groups that end with a seal; entries
 *   after the last seal are refused ('signature': nothing vouches for them);
 * - every entry's hash and its link to the one before in the group;
 * - a group that ends at or below the origin's head with the very seal we hold (same hash,
 *   same signature) is a duplicate as a whole, with no signature checked;
 * - otherwise the signature of every seal in it (one, normally), then the Lamport bound. A group that fails
 *   is refused whole with the first reason.
 * Returns, per input entry in order, a final result or the parsed entry to classify against
 * the heads; `groups` receives the groups to commit, each one atomically.
 */
export async function precheckReceived (raws: readonly unknown[], store: ReceivedLookups): Promise<{ results: Array<StoreResult | AuditEntry>, groups: AuditEntry[][] }> {
  const results = new Array<StoreResult | AuditEntry>(raws.length)
  const byOrigin = new Map<string, Array<{ e: AuditEntry, i: number }>>()
  /** Per origin and seq, the hash and seal already in `byOrigin`: two messages of one call may carry the same entry. */
  const seen = new Map<string, string>()
  raws.forEach((raw, i) => {
    const parsed = auditEntrySchema.safeParse(raw)
    if (!parsed.success) { results[i] = invalid('schema'); return }
    const key = entryKey(parsed.data.origin, parsed.data.seq)
    // A second copy of an entry in one call (a push and a pull's answer, say) would read as a
    // broken chain once sorted: the same bytes count once; another entry at that seq goes on
    // and is judged (a broken run, or a fork against what is stored).
    const copy = `${parsed.data.hash}/${parsed.data.sig ?? ''}`
    if (seen.get(key) === copy) { results[i] = DUPLICATE; return }
    seen.set(key, copy)
    const list = byOrigin.get(parsed.data.origin) ?? []
    list.push({ e: parsed.data, i })
    byOrigin.set(parsed.data.origin, list)
  })
  const groups: AuditEntry[][] = []
  for (const list of byOrigin.values()) {
    list.sort((a, b) => a.e.seq - b.e.seq)
    for (const group of sealGroups(list.map((x) => ({ ...x, sig: x.e.sig })))) {
      const verdict = await checkGroup(group.map((x) => x.e), store)
      if (verdict === null) {
        for (const x of group) results[x.i] = x.e
        groups.push(group.map((x) => x.e))
      } else {
        for (const x of group) results[x.i] = verdict
      }
    }
  }
  return { results, groups }
}

/** One group's verdict: null to classify it, else the result of every entry in it. */
async function checkGroup (group: AuditEntry[], store: ReceivedLookups): Promise<StoreResult | null> {
  const last = group[group.length - 1] as AuditEntry
  if (last.sig === undefined) return invalid('signature')
  let before: AuditEntry | undefined
  for (const e of group) {
    // The hashed bytes also give the entry's whole encoding, kept for the store's write.
    if (hashAndKeep(e, canonicalBytes(e)) !== e.hash) return invalid('hash')
    if ((e.seq === 1) !== (e.prev === ZERO_HASH)) return invalid('chain')
    if (before !== undefined && (e.seq !== before.seq + 1 || e.prev !== before.hash || e.lamport <= before.lamport)) return invalid(e.seq !== before.seq + 1 ? 'seq' : 'chain')
    before = e
  }
  const h = store.head(last.origin)
  if (h !== undefined && last.seq <= h.seq) {
    // Ed25519 signatures are deterministic: a genuine copy carries the very seal we verified.
    const held = await store.held(last.origin, last.seq)
    if (held !== undefined && held.hash === last.hash && held.sig === last.sig) return DUPLICATE
  }
  for (const e of group) {
    if (e.sig === undefined) continue
    const sig = await verifySignature(e)
    if (!sig.ok) return invalid(sig.reason)
  }
  return last.lamport > store.lamportCeiling() ? invalid('lamport') : null
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
