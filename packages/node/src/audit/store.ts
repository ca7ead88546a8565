/**
 * AuditStore: the audit log in LevelDB (DESIGN.md §7, issue #4). One hash-chained, signed chain
 * per origin under the key layout of keys.ts; the store takes an open `level` instance (DESIGN
 * practice 11: storage behind an interface), so tests can give it a throwaway one.
 *
 * Two ways in, both atomic LevelDB batches written with `sync: true` by default:
 * - `append(entries)`: the local writer's path (appender.ts). The entries are trusted (we made
 *   them) but must extend the stored chains, else AuditChainError.
 * - `storeVerified(entry)` / `storeVerifiedMany`: the replication path. Every entry from a peer
 *   is checked (schema, hash, signature by its origin's key) and classified against the stored
 *   head of its origin: 'stored' if it is the next one; 'duplicate' if held already; 'gap' if
 *   it is further ahead (the shell pulls `haveSeq + 1..`); 'fork' if another entry holds its
 *   place (reported, never overwritten); 'invalid' with the reason (counted and audited as a
 *   tamper event by the shell). Concurrent calls are grouped into one synced batch
 *   (group-commit.ts), sorted by origin and seq, so entries that gossip reordered still chain.
 *
 * Heads live in memory (loaded at open) and in `h!` keys written in the same batch as the
 * entries, so memory and disk never disagree. Writes are serialised; reads run concurrently
 * (a stored entry never changes). An I/O failure rejects with AuditStoreError and changes nothing.
 */
import { encode } from 'cborg'
import { encodeEntry, entryHash, verifySignature, type VerifyFailure } from './entry.js'
import { AuditChainError, AuditQueueFullError, AuditStoreError } from './errors.js'
import { GroupCommit } from './group-commit.js'
import type { ForkReport, Head, Heads } from './heads.js'
import {
  decodeStored, ENCODINGS, entryKey, HEAD_PREFIX, headKey, indexValue, originTimeKey, PREFIX_END, timeKey,
  type AuditBatchOp, type AuditDb
} from './keys.js'
import { runQuery, type AuditPage, type AuditQuery } from './query.js'
import { auditEntrySchema, ZERO_HASH, type AuditEntry } from './schema.js'
import { verifyChains, type VerifyReport } from './verify-all.js'

export interface StoredHead extends Head { lamport: number }

export type StoreResult =
  | { status: 'stored' }
  | { status: 'duplicate' }
  | { status: 'gap', haveSeq: number }
  | { status: 'fork', fork: ForkReport }
  | { status: 'invalid', reason: VerifyFailure }

export interface AuditStoreInit {
  /** Index keys one query call may scan; bounds the work of a rare filter. @default 10000 */
  queryScanLimit: number
  /** Received entries per synced batch. @default 1024 */
  maxBatch: number
  /** Received entries waiting for a batch before storeVerified refuses (AuditQueueFullError). @default 16384 */
  maxQueue: number
}

export const AUDIT_STORE_DEFAULTS: Readonly<AuditStoreInit> = Object.freeze({ queryScanLimit: 10_000, maxBatch: 1024, maxQueue: 16_384 })

const DUPLICATE: StoreResult = Object.freeze({ status: 'duplicate' })
const STORED: StoreResult = Object.freeze({ status: 'stored' })
const invalid = (reason: VerifyFailure): StoreResult => ({ status: 'invalid', reason })

export class AuditStore {
  private readonly db: AuditDb
  private readonly init: AuditStoreInit
  private readonly headMap: Map<string, StoredHead>
  private readonly received: GroupCommit<AuditEntry, StoreResult>
  private lock: Promise<void> = Promise.resolve()
  private batches = 0

  private constructor (db: AuditDb, init: AuditStoreInit, heads: Map<string, StoredHead>) {
    this.db = db
    this.init = init
    this.headMap = heads
    this.received = new GroupCommit((items) => this.commitReceived(items), {
      maxBatch: init.maxBatch,
      maxQueue: init.maxQueue,
      onFull: (n) => new AuditQueueFullError(`${n} received audit entries are waiting to be stored`)
    })
  }

  /** Opens the store over `db` (opening it if needed) and loads the heads. */
  static async open (db: AuditDb, init: Partial<AuditStoreInit> = {}): Promise<AuditStore> {
    const heads = new Map<string, StoredHead>()
    try {
      await db.open()
      for await (const [key, value] of db.iterator({ gte: HEAD_PREFIX, lt: `${HEAD_PREFIX}${PREFIX_END}`, ...ENCODINGS })) {
        heads.set(key.slice(HEAD_PREFIX.length), decodeStored<StoredHead>(value))
      }
    } catch (err) {
      throw new AuditStoreError(`cannot open the audit store: ${(err as Error).message}`, { cause: err })
    }
    return new AuditStore(db, { ...AUDIT_STORE_DEFAULTS, ...init }, heads)
  }

  /** LevelDB batches written so far (appends and received entries). */
  get writeBatches (): number {
    return this.batches
  }

  /** Every origin's head, for the anti-entropy exchange. */
  heads (): Heads {
    const out: Heads = {}
    for (const [origin, h] of this.headMap) out[origin] = { seq: h.seq, hash: h.hash }
    return out
  }

  head (origin: string): StoredHead | undefined {
    const h = this.headMap.get(origin)
    return h === undefined ? undefined : { ...h }
  }

  /** The largest Lamport time stored (0 if empty); a restarted node's clock observes it. */
  maxLamport (): number {
    let max = 0
    for (const h of this.headMap.values()) max = Math.max(max, h.lamport)
    return max
  }

  /**
   * Writes locally created entries as ONE atomic batch (synced unless `sync: false`). They must
   * extend their origins' stored chains in order, else AuditChainError and nothing is written.
   */
  async append (entries: AuditEntry[], opts: { sync?: boolean } = {}): Promise<void> {
    if (entries.length === 0) return
    await this.exclusive(async () => {
      const work = new Map<string, StoredHead>()
      const ops: AuditBatchOp[] = []
      for (const e of entries) {
        const h = work.get(e.origin) ?? this.headMap.get(e.origin)
        if (e.seq !== (h?.seq ?? 0) + 1 || e.prev !== (h?.hash ?? ZERO_HASH)) {
          throw new AuditChainError(`entry ${e.origin}#${e.seq} does not extend the stored head ${h?.seq ?? 0}`)
        }
        this.putOps(ops, e, work)
      }
      await this.write(ops, work, opts.sync ?? true)
    })
  }

  /** Verifies and stores one entry from a peer; see the header for the results. */
  async storeVerified (entry: unknown): Promise<StoreResult> {
    return (await this.storeVerifiedMany([entry]))[0] as StoreResult
  }

  /** storeVerified for a pulled range or a burst of gossip: checked in parallel, one synced batch. */
  async storeVerifiedMany (entries: unknown[]): Promise<StoreResult[]> {
    const checked = await Promise.all(entries.map(async (e) => await this.precheck(e)))
    return await Promise.all(checked.map(async (c) => 'status' in c ? c : await this.received.submit(c)))
  }

  async get (origin: string, seq: number): Promise<AuditEntry | undefined> {
    const v = await this.read(async () => await this.db.get(entryKey(origin, seq), ENCODINGS))
    return v === undefined ? undefined : decodeStored(v)
  }

  /** Entries fromSeq..toSeq (inclusive) of one origin, in seq order, at most `limit`. */
  async range (origin: string, fromSeq: number, toSeq: number, limit: number): Promise<AuditEntry[]> {
    if (toSeq < fromSeq || limit < 1) return []
    return await this.read(async () => {
      const out: AuditEntry[] = []
      const it = this.db.iterator({ gte: entryKey(origin, fromSeq), lte: entryKey(origin, toSeq), limit, ...ENCODINGS })
      for await (const [, value] of it) out.push(decodeStored(value))
      return out
    })
  }

  /** Compares a peer's head claim with my entry at that seq: a fork, or null (same, or not held). */
  async compareHead (origin: string, claim: Head): Promise<ForkReport | null> {
    const mine = await this.get(origin, claim.seq)
    return mine === undefined || mine.hash === claim.hash ? null : { origin, seq: claim.seq, mine: mine.hash, theirs: claim.hash }
  }

  /** A page of entries in time order; see query.ts. Throws AuditQueryError naming the parameter. */
  async query (q: AuditQuery): Promise<AuditPage> {
    return await this.read(async () => await runQuery(this.db, q, this.init.queryScanLimit))
  }

  /** Walks every chain; see verify-all.ts. */
  async verifyAll (): Promise<VerifyReport> {
    return await this.read(async () => await verifyChains(this.db))
  }

  /** Resolves once no received entry is waiting or being written. */
  async drain (): Promise<void> {
    await this.received.drain()
  }

  /**
   * The checks that need no lock: schema, hash, a byte-identical copy of a held entry (no
   * signature check needed: Ed25519 signatures are deterministic, so a genuine copy carries the
   * very signature we verified), then the signature. Returns a final result,
   * or the parsed entry to classify against the head in a batch.
   */
  private async precheck (raw: unknown): Promise<StoreResult | AuditEntry> {
    const parsed = auditEntrySchema.safeParse(raw)
    if (!parsed.success) return invalid('schema')
    const e = parsed.data
    if (entryHash(e) !== e.hash) return invalid('hash')
    if ((e.seq === 1) !== (e.prev === ZERO_HASH)) return invalid('chain')
    const h = this.headMap.get(e.origin)
    if (h !== undefined && e.seq <= h.seq) {
      const held = await this.get(e.origin, e.seq)
      if (held !== undefined && held.hash === e.hash && held.sig === e.sig) return DUPLICATE
    }
    const sig = await verifySignature(e)
    return sig.ok ? e : invalid(sig.reason)
  }

  /** Classifies a batch of verified entries against the heads and writes the next ones. */
  private async commitReceived (items: AuditEntry[]): Promise<StoreResult[]> {
    return await this.exclusive(async () => {
      const order = items.map((_, i) => i).sort((a, b) => {
        const x = items[a] as AuditEntry
        const y = items[b] as AuditEntry
        return x.origin < y.origin ? -1 : x.origin > y.origin ? 1 : x.seq - y.seq
      })
      const results: StoreResult[] = new Array<StoreResult>(items.length)
      const work = new Map<string, StoredHead>()
      const ops: AuditBatchOp[] = []
      const inBatch = new Map<string, string>()
      for (const i of order) {
        const e = items[i] as AuditEntry
        const h = work.get(e.origin) ?? this.headMap.get(e.origin)
        const haveSeq = h?.seq ?? 0
        if (h !== undefined && e.seq <= haveSeq) {
          const key = entryKey(e.origin, e.seq)
          const mine = e.seq === h.seq ? h.hash : inBatch.get(key) ?? (await this.get(e.origin, e.seq))?.hash
          // A held seq whose entry is gone (a future retention compaction) counts as held.
          results[i] = mine === undefined || mine === e.hash ? DUPLICATE : { status: 'fork', fork: { origin: e.origin, seq: e.seq, mine, theirs: e.hash } }
        } else if (e.seq > haveSeq + 1) {
          results[i] = { status: 'gap', haveSeq }
        } else if (h !== undefined && e.prev !== h.hash) {
          // Signed by the origin, yet it links to another entry than ours at h.seq.
          results[i] = { status: 'fork', fork: { origin: e.origin, seq: h.seq, mine: h.hash, theirs: e.prev } }
        } else if (h !== undefined && e.lamport <= h.lamport) {
          results[i] = invalid('chain')
        } else {
          this.putOps(ops, e, work)
          inBatch.set(entryKey(e.origin, e.seq), e.hash)
          results[i] = STORED
        }
      }
      if (ops.length > 0) await this.write(ops, work, true)
      return results
    })
  }

  /** Queues an entry's keys (the entry and both time indexes); `write` adds the heads. */
  private putOps (ops: AuditBatchOp[], e: AuditEntry, work: Map<string, StoredHead>): void {
    const ix = indexValue(e)
    ops.push(
      { type: 'put', key: entryKey(e.origin, e.seq), value: encodeEntry(e) },
      { type: 'put', key: timeKey(e), value: ix },
      { type: 'put', key: originTimeKey(e), value: ix }
    )
    work.set(e.origin, { seq: e.seq, hash: e.hash, lamport: e.lamport })
  }

  /** One atomic batch with the new heads; memory heads change only once it is on disk. */
  private async write (ops: AuditBatchOp[], work: Map<string, StoredHead>, sync: boolean): Promise<void> {
    for (const [origin, h] of work) ops.push({ type: 'put', key: headKey(origin), value: encode({ seq: h.seq, hash: h.hash, lamport: h.lamport }) })
    this.batches++
    try {
      await this.db.batch(ops, { ...ENCODINGS, sync })
    } catch (err) {
      throw new AuditStoreError(`audit write of ${ops.length} keys failed: ${(err as Error).message}`, { cause: err })
    }
    for (const [origin, h] of work) this.headMap.set(origin, h)
  }

  private async read<T> (fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof Error && err.name.startsWith('Audit')) throw err
      throw new AuditStoreError(`audit read failed: ${(err as Error).message}`, { cause: err })
    }
  }

  /** Runs `fn` after every earlier write: the heads are read and advanced by one writer at a time. */
  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const before = this.lock
    let release!: () => void
    this.lock = new Promise<void>((resolve) => { release = resolve })
    try {
      await before
      return await fn()
    } finally {
      release()
    }
  }
}

