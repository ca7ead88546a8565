/**
 * The local audit writer (docs/design/audit.md; issue #4 "Durability"): the node's single event path
 * and `POST /v1/audit` call `append(fields)`, which resolves with `{ origin, seq, hash }` only
 * once the entry is in LevelDB with `sync: true`. That is `ack=local`; `ack=quorum` is the
 * replication shell's job, on top of this.
 *
 * Group commit (group-commit.ts): appends arriving while a batch is being written wait for the
 * next one, so one fsync carries many entries. Each batch is built in queue order from the
 * stored head of our chain (seq, prev hash, Lamport time), sealed with one signature over its
 * last entry (seal.ts), and written as one atomic batch. `appendMany` (POST /v1/audit/batch)
 * submits its entries as one item: they land in one write, all or none. If the write fails, every append of that batch rejects with AuditStoreError and the
 * next batch starts again from the stored head: nothing unacknowledged is half-written, and
 * nothing acknowledged can be lost, since acknowledgement follows the synced write.
 *
 * Time: `ts` is read from the injected wall clock when `append` is called (for humans); order
 * comes from seq and the injected Lamport clock, never from the wall clock.
 */
import { createBatch, type AuditSigner, type BatchItem, type ChainLink } from './entry.js'
import { AuditClosedError, AuditFieldsError, AuditQueueFullError } from './errors.js'
import { GroupCommit } from './group-commit.js'
import type { LamportClock } from './lamport.js'
import { auditFieldsSchema, issuePath, type AuditEntry, type AuditFields } from './schema.js'
import type { AuditStore } from './store.js'

export interface AppenderComponents {
  store: AuditStore
  /** The node's key; its peer id is the origin of every entry written here. */
  signer: AuditSigner
  /** Wall clock in ms since the Unix epoch (`Date.now` in the daemon); stamped, never ordered on. */
  wallClock: { now(): number }
  /** Shared with the receive path, which observes every stored entry's time. */
  lamport: LamportClock
  /**
   * Called with each batch once it is durable, before its appends resolve: the shell gossips
   * the entries and feeds the SSE tail from here. Must not block; a throw is swallowed (it
   * cannot un-write the batch), so the callback reports its own errors.
   */
  onWritten?: (entries: readonly AuditEntry[]) => void
}

export interface AppenderInit {
  /** Entries per synced write. Larger batches amortise the fsync further but delay the first ack of a burst. @default 512 */
  maxBatch: number
  /** Appends waiting for a write before `append` rejects with AuditQueueFullError. @default 10000 */
  maxQueue: number
}

export const APPENDER_DEFAULTS: Readonly<AppenderInit> = Object.freeze({ maxBatch: 512, maxQueue: 10_000 })

export interface AppendResult { origin: string, seq: number, hash: string }

/** One append request: one entry, or a batch request's entries (written together). */
type Pending = BatchItem[]

export class AuditAppender {
  private readonly c: AppenderComponents
  private readonly commit: GroupCommit<Pending, AppendResult[]>
  private closed = false

  constructor (components: AppenderComponents, init: Partial<AppenderInit> = {}) {
    this.c = components
    const opts = { ...APPENDER_DEFAULTS, ...init }
    this.commit = new GroupCommit((batch) => this.writeBatch(batch), {
      maxBatch: opts.maxBatch,
      maxQueue: opts.maxQueue,
      weight: (p) => p.length,
      onFull: (n) => new AuditQueueFullError(`audit append queue is full (${n} waiting); retry later`)
    })
  }

  /**
   * Appends an event to this node's chain. Rejects with AuditFieldsError (naming the field) for
   * an invalid event, AuditQueueFullError when `maxQueue` appends are waiting, AuditStoreError
   * when the write failed, AuditClosedError after `close()`.
   */
  async append (fields: AuditFields): Promise<AppendResult> {
    return (await this.appendMany([fields]))[0] as AppendResult
  }

  /**
   * Appends several events in one write: all are durable, or none is (an invalid one rejects
   * with AuditFieldsError naming `entries.<index>.<field>` before anything is queued; a failed
   * write rejects the whole call). Otherwise as `append`.
   */
  async appendMany (list: readonly AuditFields[], opts: { parsed?: boolean } = {}): Promise<AppendResult[]> {
    if (this.closed) throw new AuditClosedError('the audit appender is closed')
    const ts = Math.floor(this.c.wallClock.now())
    const items: BatchItem[] = []
    for (let i = 0; i < list.length; i++) {
      let fields = list[i] as AuditFields
      if (opts.parsed !== true) {
        const parsed = auditFieldsSchema.safeParse(fields)
        if (!parsed.success) {
          const { field, message } = issuePath(parsed.error)
          throw new AuditFieldsError(list.length === 1 ? field : `entries.${i}.${field}`, message)
        }
        fields = parsed.data
      }
      items.push({ fields, ts })
    }
    if (items.length === 0) return []
    return await this.commit.submit(items)
  }

  /** Appends waiting for the next write. */
  get queued (): number {
    return this.commit.queued
  }

  /** Synced writes started so far. */
  get batches (): number {
    return this.commit.batches
  }

  /** Refuses new appends and resolves once every accepted one is written (or failed). Idempotent. */
  async close (): Promise<void> {
    this.closed = true
    await this.commit.drain()
  }

  private async writeBatch (batch: Pending[]): Promise<AppendResult[][]> {
    const { store, signer, lamport } = this.c
    const head = store.head(signer.peerId)
    const prev: ChainLink | null = head === undefined ? null : { origin: signer.peerId, ...head }
    if (head !== undefined) lamport.observe(head.lamport)
    const entries = await createBatch(prev, batch.flat(), signer, () => lamport.tick())
    await store.append(entries, { sync: true })
    try { this.c.onWritten?.(entries) } catch { /* see AppenderComponents.onWritten */ }
    let k = 0
    return batch.map((p) => entries.slice(k, k += p.length).map((e) => ({ origin: e.origin, seq: e.seq, hash: e.hash })))
  }
}
