/**
 * AuditStore: the audit log in LevelDB (docs/design/audit.md, issue #4). One hash-chained, signed
 * chain per origin under the key layout of keys.ts; the store takes an open `level` instance
 * (storage behind an interface), so tests can give it a throwaway one.
 *
 * Two ways in, both atomic LevelDB batches written with `sync: true` by default:
 * - `append(entries)`: the local writer's path (appender.ts). The entries are trusted (we made
 *   them) but must extend the stored chains, else AuditChainError.
 * - `storeVerified(entry)` / `storeVerifiedMany`: the replication path. Every entry from a peer
 *   is checked (schema, hash, link, and the signature of the seal that ends its group: one per
 *   written batch, seal.ts) and classified against the stored
 *   head of its origin: 'stored' if it is the next one; 'duplicate' if held already; 'gap' if
 *   it is further ahead (the shell pulls `haveSeq + 1..`); 'fork' if another entry holds its
 *   place (reported, never overwritten); 'invalid' with the reason (counted and audited as a
 *   tamper event by the shell); the checks and the verdict are in received.ts. Concurrent calls
 *   are grouped into one synced batch (group-commit.ts), sorted by origin and seq, so entries
 *   that gossip reordered still chain.
 *
 * Heads live in memory (loaded at open) and in `h!` keys written in the same batch as the
 * entries, so memory and disk never disagree. Writes are serialised; reads run concurrently
 * (a stored entry never changes). An I/O failure rejects with AuditStoreError and changes nothing.
 *
 * Retention (checkpoint.ts, retention.ts): `compact` drops a chain's prefix and writes a signed
 * checkpoint in its place, in one synced batch; `acceptCheckpoint` takes a peer's checkpoint as
 * the base of a chain whose prefix we lack, so its surviving entries can follow without a gap.
 * Checkpoints also live in memory and on disk (`c!` keys). A compacted entry is gone for `get`
 * and `range`; a received copy of one counts as a duplicate.
 */
import { encode } from 'cborg'
import { checkpointLink, checkpointSchema, createCheckpoint, encodeCheckpoint, verifyCheckpoint, type AuditCheckpoint } from './checkpoint.js'
import { checkPrefix, deleteOps, readPrefix, type ChainBounds, type CheckpointResult, type CompactResult } from './compaction.js'
import { encodeEntry, type AuditSigner } from './entry.js'
import { AuditChainError, AuditQueueFullError, AuditStoreError } from './errors.js'
import { GroupCommit } from './group-commit.js'
import type { ForkReport, Head, Heads, StoredHead } from './heads.js'
import {
  CHECKPOINT_PREFIX, checkpointKey, decodeStored, ENCODINGS, entryKey, FORMAT_KEY, HEAD_PREFIX, STORE_FORMAT, headKey, indexValue, originTimeKey, PREFIX_END, timeKey,
  type AuditBatchOp, type AuditDb
} from './keys.js'
import { runQuery, type AuditPage, type AuditQuery } from './query.js'
import { classifyReceived, precheckReceived, type ReceivedLookups, type StoreResult } from './received.js'
import type { EntryAge } from './retention.js'
import { ZERO_HASH, type AuditEntry } from './schema.js'
import { verifyChains, type VerifyReport } from './verify-all.js'

export interface AuditStoreInit {
  /** Index keys one query call may scan; bounds the work of a rare filter. @default 10000 */
  queryScanLimit: number
  /** Received entries per synced batch. @default 1024 */
  maxBatch: number
  /** Received entries waiting for a batch before storeVerified refuses (AuditQueueFullError). @default 16384 */
  maxQueue: number
  /**
   * Entries one compaction batch deletes (3 keys each); bounds how long a compaction holds the
   * write lock, so appends wait a few ms at most. @default 1000
   */
  maxCompactBatch: number
  /** Origins whose chains are held; entries of a new origin past it are refused. @default 4096 */
  maxOrigins: number
  /** The highest Lamport time a received entry may carry. @default no bound */
  lamportCeiling: () => number
}

export const AUDIT_STORE_DEFAULTS: Readonly<AuditStoreInit> = Object.freeze({
  queryScanLimit: 10_000, maxBatch: 1024, maxQueue: 16_384, maxCompactBatch: 1000, maxOrigins: 4096, lamportCeiling: () => Number.MAX_SAFE_INTEGER
})

export class AuditStore {
  private readonly db: AuditDb
  private readonly init: AuditStoreInit
  private readonly headMap: Map<string, StoredHead>
  private readonly cpMap: Map<string, AuditCheckpoint>
  private readonly received: GroupCommit<AuditEntry[], StoreResult[]>
  private lock: Promise<void> = Promise.resolve()
  private batches = 0
  private failure: AuditStoreError | null = null
  /** What the lock-free checks of a received entry read (received.ts): the heads on disk. */
  private readonly lookups: ReceivedLookups = {
    head: (origin) => this.headMap.get(origin),
    held: async (origin, seq) => await this.get(origin, seq),
    lamportCeiling: () => this.init.lamportCeiling(),
    origins: () => this.headMap.size,
    maxOrigins: () => this.init.maxOrigins
  }

  private constructor (db: AuditDb, init: AuditStoreInit, heads: Map<string, StoredHead>, checkpoints: Map<string, AuditCheckpoint>) {
    this.db = db
    this.init = init
    this.headMap = heads
    this.cpMap = checkpoints
    this.received = new GroupCommit((groups) => this.commitReceived(groups), {
      maxBatch: init.maxBatch,
      maxQueue: init.maxQueue,
      weight: (group) => group.length,
      onFull: (n) => new AuditQueueFullError(`${n} received audit entries are waiting to be stored`)
    })
  }

  /** Opens the store over `db` (opening it if needed) and loads the heads and checkpoints. */
  static async open (db: AuditDb, init: Partial<AuditStoreInit> = {}): Promise<AuditStore> {
    const heads = new Map<string, StoredHead>()
    const checkpoints = new Map<string, AuditCheckpoint>()
    try {
      await db.open()
      const format = await db.get(FORMAT_KEY, ENCODINGS)
      const found = format === undefined ? 1 : decodeStored<number>(format)
      if (found !== 1 && found !== STORE_FORMAT) {
        throw new AuditStoreError(`the audit store is in format ${String(found)}, written by another kos version; this node reads formats 1 and ${STORE_FORMAT}. ` +
          'Start the version that wrote it, or move the data directory\'s audit folder aside')
      }
      if (found !== STORE_FORMAT) await db.batch([{ type: 'put', key: FORMAT_KEY, value: encode(STORE_FORMAT) }], { ...ENCODINGS, sync: true })
      for await (const [key, value] of db.iterator({ gte: HEAD_PREFIX, lt: `${HEAD_PREFIX}${PREFIX_END}`, ...ENCODINGS })) {
        heads.set(key.slice(HEAD_PREFIX.length), decodeStored<StoredHead>(value))
      }
      for await (const [key, value] of db.iterator({ gte: CHECKPOINT_PREFIX, lt: `${CHECKPOINT_PREFIX}${PREFIX_END}`, ...ENCODINGS })) {
        checkpoints.set(key.slice(CHECKPOINT_PREFIX.length), decodeStored<AuditCheckpoint>(value))
      }
    } catch (err) {
      if (err instanceof AuditStoreError) throw err
      throw new AuditStoreError(`cannot open the audit store: ${(err as Error).message}`, { cause: err })
    }
    return new AuditStore(db, { ...AUDIT_STORE_DEFAULTS, ...init }, heads, checkpoints)
  }

  /** The error of the last write if it failed (disk full, I/O): health reports it until a write succeeds. */
  get writeFailure (): AuditStoreError | null {
    return this.failure
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

  /**
   * storeVerified for a message's entries (a push, a pulled range): checked once per sealed
   * group (received.ts), each group stored whole, in one synced batch with whatever else is
   * waiting. Results in the order of `entries`.
   */
  async storeVerifiedMany (entries: unknown[]): Promise<StoreResult[]> {
    const { results, groups } = await precheckReceived(entries, this.lookups)
    const committed = await Promise.all(groups.map(async (g) => await this.received.submit(g)))
    const verdict = new Map<AuditEntry, StoreResult>()
    groups.forEach((g, k) => { g.forEach((e, j) => { verdict.set(e, (committed[k] as StoreResult[])[j] as StoreResult) }) })
    return results.map((r) => 'status' in r ? r : verdict.get(r) as StoreResult)
  }

  /** The entry, or undefined if not held (or compacted). */
  async get (origin: string, seq: number): Promise<AuditEntry | undefined> {
    if (seq <= this.base(origin)) return undefined
    const v = await this.read(async () => await this.db.get(entryKey(origin, seq), ENCODINGS))
    return v === undefined ? undefined : decodeStored(v)
  }

  /**
   * Entries fromSeq..toSeq (inclusive) of one origin, in seq order, at most `limit`. A compacted
   * prefix is skipped: the result starts after the checkpoint (see `checkpoint`), so a peer
   * pulling it learns from the first seq that it needs the checkpoint too.
   */
  async range (origin: string, fromSeq: number, toSeq: number, limit: number): Promise<AuditEntry[]> {
    fromSeq = Math.max(fromSeq, this.base(origin) + 1)
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
    const cp = this.cpMap.get(origin)
    const mine = cp?.seq === claim.seq ? cp.hash : (await this.get(origin, claim.seq))?.hash
    return mine === undefined || mine === claim.hash ? null : { origin, seq: claim.seq, mine, theirs: claim.hash }
  }

  /** The origin's retention checkpoint: entries 1..seq are compacted. Undefined if none. */
  checkpoint (origin: string): AuditCheckpoint | undefined {
    const cp = this.cpMap.get(origin)
    return cp === undefined ? undefined : { ...cp }
  }

  /** Every chain's checkpoint seq (0 if none) and head seq, for the retention planner. */
  chains (): ChainBounds[] {
    const out: ChainBounds[] = []
    for (const [origin, h] of this.headMap) out.push({ origin, base: this.base(origin), headSeq: h.seq })
    return out
  }

  /**
   * Drops the held entries of `origin` up to `throughSeq` (never its head, at most
   * `maxCompactBatch` of them) and, if that moves the chain's base, writes a checkpoint of the
   * last one signed by `signer` (the local node), all in one synced batch. `at` is the wall
   * clock (ms). Idempotent: a prefix already dropped is a no-op. Callers loop while `deleted` is
   * `maxCompactBatch`. Throws AuditChainError if the prefix does not chain (see checkPrefix).
   */
  async compact (origin: string, throughSeq: number, signer: AuditSigner, at: number): Promise<CompactResult> {
    return await this.exclusive(async () => {
      const head = this.headMap.get(origin)
      const through = Math.min(throughSeq, (head?.seq ?? 0) - 1)
      const dropping = await this.read(async () => await readPrefix(this.db, origin, 0, through, this.init.maxCompactBatch))
      if (dropping.length === 0) return { origin, deleted: 0, checkpoint: null }
      const old = this.cpMap.get(origin)
      const base = old?.seq ?? 0
      const last = dropping[dropping.length - 1] as AuditEntry
      const ops = deleteOps(dropping)
      let cp: AuditCheckpoint | null = null
      if (last.seq > base) {
        const next = await this.read(async () => await this.db.get(entryKey(origin, last.seq + 1), ENCODINGS))
        checkPrefix(dropping.filter((e) => e.seq > base), old === undefined ? null : checkpointLink(old), next === undefined ? undefined : decodeStored(next))
        cp = await createCheckpoint(last, signer, at)
        ops.push({ type: 'put', key: checkpointKey(origin), value: encodeCheckpoint(cp) })
      }
      await this.write(ops, new Map(), true)
      if (cp !== null) this.cpMap.set(origin, cp)
      return { origin, deleted: dropping.length, checkpoint: cp }
    })
  }

  /**
   * Takes a peer's checkpoint as the base of its origin's chain, so that the entries after it
   * (pulled from a peer that compacted the prefix) can be stored without a gap. It must be
   * signed by `trusted` (the peer id whose word the caller accepts, e.g. the alive member that
   * sent it) and lie beyond our head for that origin: we never give up a chain we can extend.
   * Held entries below it are deleted (up to `maxCompactBatch` now; `compact` sweeps the rest).
   * The head becomes the checkpoint's seq and hash, so heads exchanges and forks work as before.
   */
  async acceptCheckpoint (raw: unknown, trusted: string): Promise<CheckpointResult> {
    const checked = verifyCheckpoint(raw)
    if (!checked.ok) return { status: 'invalid', reason: checked.reason }
    const cp = checkpointSchema.parse(raw)
    if (cp.signer !== trusted) return { status: 'invalid', reason: 'signer' }
    const first = await this.exclusive(async (): Promise<CheckpointResult> => {
      const h = this.headMap.get(cp.origin)
      if (h !== undefined && h.seq >= cp.seq) return { status: 'stale', haveSeq: h.seq }
      const dropping = await this.read(async () => await readPrefix(this.db, cp.origin, 0, cp.seq, this.init.maxCompactBatch))
      const ops = deleteOps(dropping)
      ops.push({ type: 'put', key: checkpointKey(cp.origin), value: encodeCheckpoint(cp) })
      await this.write(ops, new Map([[cp.origin, { seq: cp.seq, hash: cp.hash, lamport: cp.lamport }]]), true)
      this.cpMap.set(cp.origin, cp)
      return { status: 'accepted', deleted: dropping.length }
    })
    if (first.status !== 'accepted') return first
    // The rest of the held prefix in bounded batches, releasing the lock between them. A crash
    // in between leaves entries below the checkpoint: harmless (skipped) and swept by `compact`.
    let deleted = first.deleted
    for (let n = first.deleted; n === this.init.maxCompactBatch; deleted += n) n = await this.sweep(cp.origin)
    return { status: 'accepted', deleted }
  }

  /** The seq and `ts` of held entries afterSeq < seq <= throughSeq, leftovers included; for the retention planner. */
  async entryAges (origin: string, afterSeq: number, throughSeq: number, limit: number): Promise<EntryAge[]> {
    const entries = await this.read(async () => await readPrefix(this.db, origin, afterSeq, throughSeq, limit))
    return entries.map((e) => ({ seq: e.seq, ts: e.ts }))
  }

  /** A page of entries in time order; see query.ts. Throws AuditQueryError naming the parameter. */
  async query (q: AuditQuery): Promise<AuditPage> {
    return await this.read(async () => await runQuery(this.db, q, this.init.queryScanLimit))
  }

  /** Walks every chain from its checkpoint; see verify-all.ts. */
  async verifyAll (): Promise<VerifyReport> {
    return await this.read(async () => await verifyChains(this.db))
  }

  /** Resolves once no received entry is waiting or being written. */
  async drain (): Promise<void> {
    await this.received.drain()
  }

  /** Deletes up to `maxCompactBatch` held entries at or below the origin's checkpoint; how many. */
  private async sweep (origin: string): Promise<number> {
    return await this.exclusive(async () => {
      const dropping = await this.read(async () => await readPrefix(this.db, origin, 0, this.base(origin), this.init.maxCompactBatch))
      if (dropping.length > 0) await this.write(deleteOps(dropping), new Map(), true)
      return dropping.length
    })
  }

  /** The seq of the origin's checkpoint: entries up to it are compacted. */
  private base (origin: string): number {
    return this.cpMap.get(origin)?.seq ?? 0
  }

  /** Classifies verified groups against the heads (received.ts) and writes the next ones, all in one batch. */
  private async commitReceived (groups: AuditEntry[][]): Promise<StoreResult[][]> {
    return await this.exclusive(async () => {
      const work = new Map<string, StoredHead>()
      const ops: AuditBatchOp[] = []
      const items = groups.flat()
      const results = await classifyReceived(items, {
        ...this.lookups,
        head: (origin) => work.get(origin) ?? this.headMap.get(origin)
      }, (e) => { this.putOps(ops, e, work) })
      if (ops.length > 0) await this.write(ops, work, true)
      let k = 0
      return groups.map((g) => results.slice(k, k += g.length))
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
      this.failure = new AuditStoreError(`audit write of ${ops.length} keys failed: ${(err as Error).message}`, { cause: err })
      throw this.failure
    }
    this.failure = null
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

