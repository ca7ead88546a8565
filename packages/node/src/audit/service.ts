/**
 * The audit log's network shell (DESIGN.md §7, issue #4): runs the pure core (store, appender,
 * heads diff) on real LevelDB and libp2p.
 *
 * - Local writes: `append(fields)` (the API) and `record(event)` (the node's single event path,
 *   the only subscriber that writes events) go through one AuditAppender with group commit;
 *   each durable batch (onWritten) is published on gossip topic `kos/<cluster>/audit/1` and fed
 *   to the SSE tail.
 * - Received entries (gossip, pulls) are verified and stored by `storeVerifiedMany`; a gap pulls
 *   the missing range from the sender; an invalid or forking entry is counted and reported on the
 *   event path as `audit:tamper` (rate-limited), which the subscriber then appends.
 * - Anti-entropy: every `auditSyncIntervalMs` exchange heads with a random alive connected peer
 *   over `/kos/<cluster>/audit-sync/1.0.0` and pull what we miss in bounded batches.
 * - `ack=quorum`: after the local durable write, ask peers `{ have }` until a majority of the
 *   alive members (self included) hold the entry, or AuditQuorumTimeoutError.
 */
import { join } from 'node:path'
import type { Message, PeerId, PrivateKey } from '@libp2p/interface'
import { TopicValidatorResult } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { Level } from 'level'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { KosConfig } from '../config/schema.js'
import type { AuditEvent, KosEvent } from '../events.js'
import type { MemberView } from '../membership/membership.js'
import type { KosLibp2p } from '../net/host.js'
import { handle, request } from '../net/streams.js'
import { decodeMessage, encodeMessage, MessageDecodeError, peerIdString } from '../wire/messages.js'
import { AuditAppender, type AppendResult } from './appender.js'
import { decodeEntry, encodeEntry, signerFromPrivateKey } from './entry.js'
import { auditFieldsOf } from './events.js'
import { diffHeads, headsSchema, type PullRange } from './heads.js'
import { LamportClock } from './lamport.js'
import type { AuditPage, AuditQuery } from './query.js'
import { MAX_ENTRY_BYTES, type AuditEntry, type AuditFields } from './schema.js'
import { AuditStore, type StoreResult } from './store.js'
import type { VerifyReport } from './verify-all.js'

/** Entries per pulled range: one request/response, at most PULL_BATCH × MAX_ENTRY_BYTES. */
export const PULL_BATCH = 64
/** Ranges pulled per anti-entropy round. */
export const PULL_RANGES = 4
/** Received entries verified between two yields to the event loop. */
const VERIFY_SLICE = 16
const MAX_SYNC_BYTES = Math.max(PULL_BATCH * MAX_ENTRY_BYTES + 64 * 1024, 2 * 1024 * 1024)
/** At most one `audit:tamper` event per this interval; the rest are counted as suppressed. */
const TAMPER_EVENT_INTERVAL_MS = 1000

export type AuditAck = 'local' | 'quorum'

/** `ack=quorum` did not reach a majority of the alive members before auditQuorumTimeoutMs. */
export class AuditQuorumTimeoutError extends Error {
  override name = 'AuditQuorumTimeoutError'
}

const rangeSchema = z.object({
  origin: peerIdString,
  fromSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  toSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)
}).strict()

/** The sync protocol's requests: my heads; a range to pull; whether you hold an entry. */
export const syncRequestSchema = z.union([
  z.object({ heads: headsSchema }).strict(),
  z.object({ range: rangeSchema }).strict(),
  z.object({ have: z.object({ origin: peerIdString, seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict() }).strict()
])
const headsResponseSchema = z.object({ heads: headsSchema }).strict()
const entriesResponseSchema = z.object({ entries: z.array(z.unknown()).max(PULL_BATCH) }).strict()
const haveResponseSchema = z.object({ stored: z.boolean() }).strict()

export type AuditRejectReason = 'unsigned' | 'oversized' | 'malformed' | 'schema' | 'hash' | 'signature' | 'chain' | 'seq' | 'origin' | 'fork'

export interface AuditServiceComponents {
  libp2p: KosLibp2p
  config: KosConfig
  log: Logger
  /** The member table (self not included), for anti-entropy peers and the quorum size. */
  members: () => MemberView[]
  /** The node's identity key: the signer of every local entry. */
  privateKey: PrivateKey
  /** The node's single event path (for `audit:tamper`). */
  emit: (event: AuditEvent) => void
  counters: { auditRejected: (reason: AuditRejectReason) => void }
}

export type AuditListener = (entry: AuditEntry) => void

export class AuditService {
  private readonly c: AuditServiceComponents
  readonly topic: string
  readonly protocol: string
  private db: Level<string, Uint8Array> | undefined
  private storeRef: AuditStore | undefined
  private appender: AuditAppender | undefined
  private lamport = new LamportClock()
  private readonly listeners = new Map<AuditListener, () => void>()
  private readonly pulling = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private running = false
  private lastTamperAt = 0
  private suppressedTampers = 0
  private self = ''
  /** Events recorded before start (the subscriber is installed before membership starts). */
  private early: KosEvent[] | null = []

  constructor (components: AuditServiceComponents) {
    this.c = components
    this.topic = auditTopic(components.config.cluster)
    this.protocol = `/kos/${components.config.cluster}/audit-sync/1.0.0`
  }

  get store (): AuditStore {
    if (this.storeRef === undefined) throw new Error('the audit service has not started')
    return this.storeRef
  }

  async start (): Promise<void> {
    const { libp2p, config } = this.c
    this.self = libp2p.peerId.toString()
    this.db = new Level<string, Uint8Array>(join(config.dataDir, 'audit'), { valueEncoding: 'view' })
    this.storeRef = await AuditStore.open(this.db)
    this.lamport = new LamportClock(this.storeRef.maxLamport())
    this.appender = new AuditAppender({
      store: this.storeRef,
      signer: signerFromPrivateKey(this.c.privateKey),
      wallClock: { now: () => Date.now() },
      lamport: this.lamport,
      onWritten: (entries) => { this.onLocalWritten(entries) }
    })
    const pubsub = libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.addEventListener('message', this.onGossip)
    pubsub.subscribe(this.topic)
    await handle(libp2p, this.protocol, async (body, remote) => await this.onRequest(body, remote),
      { maxRequestBytes: MAX_SYNC_BYTES, timeoutMs: Math.max(config.dialTimeoutMs, config.auditQuorumTimeoutMs) })
    this.running = true
    this.timer = setInterval(() => { void this.antiEntropy() }, config.auditSyncIntervalMs)
    this.timer.unref()
    const early = this.early ?? []
    this.early = null
    for (const e of early) void this.record(e)
  }

  async stop (): Promise<void> {
    this.early = null
    if (this.db === undefined) return
    this.running = false
    if (this.timer !== undefined) clearInterval(this.timer)
    const { libp2p } = this.c
    const pubsub = libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onGossip)
    try { pubsub.unsubscribe(this.topic) } catch {}
    pubsub.topicValidators.delete(this.topic)
    await libp2p.unhandle(this.protocol).catch(() => {})
    this.closeStreams()
    await this.appender?.close().catch((err: unknown) => { this.c.log.warn({ err }, 'audit appender close failed') })
    await this.storeRef?.drain().catch(() => {})
    const db = this.db
    this.db = undefined
    await db.close().catch((err: unknown) => { this.c.log.warn({ err }, 'audit store close failed') })
  }

  /** Ends every SSE tail (the node is stopping). */
  closeStreams (): void {
    const closers = [...this.listeners.values()]
    this.listeners.clear()
    for (const close of closers) { try { close() } catch {} }
  }

  /** The one subscriber of the node's event path that writes to the log. */
  async record (event: KosEvent): Promise<void> {
    if (this.early !== null) { if (this.early.length < 10_000) this.early.push(event); return }
    if (!this.running || this.appender === undefined) return
    try {
      await this.appender.append(auditFieldsOf(event, this.self))
    } catch (err) {
      this.c.log.warn({ err, event: event.type }, 'event not audited')
    }
  }

  /** Appends an application event; resolves after the synced write (and, for quorum, a majority holds it). */
  async append (fields: AuditFields, ack: AuditAck = 'local'): Promise<AppendResult> {
    if (this.appender === undefined) throw new Error('the audit service has not started')
    const res = await this.appender.append(fields)
    if (ack === 'quorum') await this.awaitQuorum(res)
    return res
  }

  async query (q: AuditQuery): Promise<AuditPage> { return await this.store.query(q) }
  async verify (): Promise<VerifyReport> { return await this.store.verifyAll() }

  /** Every entry stored from now on (local or replicated); `onClose` when the service stops. */
  subscribe (listener: AuditListener, onClose: () => void): () => void {
    this.listeners.set(listener, onClose)
    return () => { this.listeners.delete(listener) }
  }

  // ---- gossip ------------------------------------------------------------------------------

  private onLocalWritten (entries: readonly AuditEntry[]): void {
    this.notify(entries)
    if (!this.running) return
    const pubsub = this.c.libp2p.services.pubsub
    for (const e of entries) {
      pubsub.publish(this.topic, encodeEntry(e)).catch((err: Error) => { this.c.log.debug({ err }, 'audit entry not published') })
    }
  }

  private notify (entries: readonly AuditEntry[]): void {
    for (const l of this.listeners.keys()) {
      for (const e of entries) { try { l(e) } catch {} }
    }
  }

  private readonly decoded = new WeakMap<Message, AuditEntry>()

  private readonly validate = (_source: PeerId, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'signed') { this.c.counters.auditRejected('unsigned'); return TopicValidatorResult.Reject }
    try {
      this.decoded.set(msg, decodeEntry(msg.data))
      return TopicValidatorResult.Accept
    } catch (err) {
      this.c.counters.auditRejected(err instanceof MessageDecodeError ? err.reason : 'malformed')
      return TopicValidatorResult.Reject
    }
  }

  private readonly onGossip = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== this.topic || !this.running) return
    const entry = this.decoded.get(msg)
    if (entry === undefined || msg.type !== 'signed') return
    void this.receive([entry], msg.from.toString())
  }

  /** Stores entries from `from` (gossip or a pull); returns the results. */
  private async receive (entries: unknown[], from: string): Promise<StoreResult[]> {
    const results: StoreResult[] = []
    try {
      // Verification is CPU (~0.1 ms an entry): in small slices with a yield between them, so a
      // burst of replication (a healed partition) never holds the event loop long enough to
      // delay the election's heartbeats past the coordinator's lease.
      for (let i = 0; i < entries.length; i += VERIFY_SLICE) {
        if (i > 0) await new Promise<void>((resolve) => { setImmediate(resolve) })
        results.push(...await this.store.storeVerifiedMany(entries.slice(i, i + VERIFY_SLICE)))
      }
    } catch (err) {
      this.c.log.warn({ err, from }, 'received audit entries not stored')
      return []
    }
    const stored: AuditEntry[] = []
    let gap = false
    results.forEach((r, i) => {
      const e = entries[i] as Partial<AuditEntry>
      if (r.status === 'stored') {
        const entry = e as AuditEntry
        this.lamport.observe(entry.lamport)
        stored.push(entry)
      } else if (r.status === 'gap') {
        gap = true
      } else if (r.status === 'invalid') {
        this.c.counters.auditRejected(r.reason)
        this.tamper(from, e, r.reason)
      } else if (r.status === 'fork') {
        this.c.counters.auditRejected('fork')
        this.tamper(from, e, 'fork')
      }
    })
    if (stored.length > 0) this.notify(stored)
    if (gap && this.running) void this.pullFrom(from)
    return results
  }

  private tamper (from: string, e: Partial<AuditEntry>, reason: string): void {
    const now = Date.now()
    if (now - this.lastTamperAt < TAMPER_EVENT_INTERVAL_MS) { this.suppressedTampers++; return }
    this.lastTamperAt = now
    const suppressed = this.suppressedTampers
    this.suppressedTampers = 0
    this.c.log.warn({ from, origin: e.origin, seq: e.seq, reason }, 'invalid audit entry rejected')
    this.c.emit({
      type: 'audit:tamper',
      from,
      origin: typeof e.origin === 'string' ? e.origin.slice(0, 128) : null,
      seq: typeof e.seq === 'number' && Number.isSafeInteger(e.seq) ? e.seq : null,
      reason,
      suppressed
    })
  }

  // ---- anti-entropy ------------------------------------------------------------------------

  private async antiEntropy (): Promise<void> {
    if (!this.running) return
    const candidates = this.c.members().filter((m) => m.state === 'alive' && this.isConnected(m.peerId))
    const peer = candidates[Math.floor(Math.random() * candidates.length)]
    if (peer === undefined) return
    await this.pullFrom(peer.peerId)
  }

  /** One anti-entropy exchange with `peerId`: heads, then the missing ranges. One at a time per peer. */
  async pullFrom (peerId: string): Promise<void> {
    // One exchange at a time in all: after a heal every peer's gossip shows gaps, and pulling the
    // same entries from each of them at once would only multiply the work.
    if (this.pulling.size > 0 || peerId === this.self) return
    this.pulling.add(peerId)
    try {
      for (let round = 0; round < 64 && this.running; round++) {
        const res = await this.call({ heads: this.store.heads() }, peerId)
        const theirs = decodeMessage(res, headsResponseSchema, MAX_SYNC_BYTES).heads
        const plan = diffHeads(this.store.heads(), theirs, { maxBatch: PULL_BATCH, maxRanges: PULL_RANGES })
        for (const f of plan.forks) this.c.log.warn({ fork: f, peer: peerId }, 'audit chain fork seen in heads')
        if (plan.pull.length === 0) break
        let progressed = false
        for (const range of plan.pull) {
          if (!this.running) return
          if (await this.pullRange(peerId, range)) progressed = true
        }
        if (!progressed) break
      }
    } catch (err) {
      this.c.log.debug({ err, peer: peerId }, 'audit anti-entropy failed')
    } finally {
      this.pulling.delete(peerId)
    }
  }

  /** Pulls one range; true if something was stored. */
  private async pullRange (peerId: string, range: PullRange): Promise<boolean> {
    const res = await this.call({ range }, peerId)
    const { entries } = decodeMessage(res, entriesResponseSchema, MAX_SYNC_BYTES)
    if (entries.length === 0) return false
    const results = await this.receive(entries, peerId)
    return results.some((r) => r.status === 'stored')
  }

  private async call (body: z.infer<typeof syncRequestSchema>, peerId: string): Promise<Uint8Array> {
    return await request(this.c.libp2p, peerIdFromString(peerId), this.protocol, encodeMessage(body),
      { timeoutMs: this.c.config.dialTimeoutMs, maxResponseBytes: MAX_SYNC_BYTES })
  }

  private async onRequest (body: Uint8Array, remote: PeerId): Promise<Uint8Array> {
    const req = decodeMessage(body, syncRequestSchema, MAX_SYNC_BYTES)
    if ('heads' in req) {
      // Their heads may show they hold what we miss: pull in the background.
      const plan = diffHeads(this.store.heads(), req.heads, { maxBatch: PULL_BATCH, maxRanges: 1 })
      if (plan.pull.length > 0) void this.pullFrom(remote.toString())
      return encodeMessage({ heads: this.store.heads() })
    }
    if ('range' in req) {
      const { origin, fromSeq, toSeq } = req.range
      const entries = await this.store.range(origin, fromSeq, toSeq, PULL_BATCH)
      return encodeMessage({ entries })
    }
    const { origin, seq } = req.have
    if ((this.store.head(origin)?.seq ?? 0) < seq) await this.pullFrom(remote.toString())
    return encodeMessage({ stored: (this.store.head(origin)?.seq ?? 0) >= seq })
  }

  // ---- ack=quorum --------------------------------------------------------------------------

  private async awaitQuorum (res: AppendResult): Promise<void> {
    const alive = this.c.members().filter((m) => m.state === 'alive')
    const needed = Math.floor((alive.length + 1) / 2) + 1
    let holders = 1 // self: the write is durable
    if (holders >= needed) return
    const deadline = Date.now() + this.c.config.auditQuorumTimeoutMs
    const pending = new Set(alive.map((m) => m.peerId))
    while (Date.now() < deadline && this.running) {
      const asked = [...pending]
      const answers = await Promise.all(asked.map(async (peerId) => {
        try {
          const timeoutMs = Math.max(100, Math.min(this.c.config.dialTimeoutMs, deadline - Date.now()))
          const body = await request(this.c.libp2p, peerIdFromString(peerId), this.protocol,
            encodeMessage({ have: { origin: res.origin, seq: res.seq } }), { timeoutMs, maxResponseBytes: 1024 })
          return decodeMessage(body, haveResponseSchema, 1024).stored
        } catch {
          return false
        }
      }))
      asked.forEach((peerId, i) => { if (answers[i] === true) { pending.delete(peerId); holders++ } })
      if (holders >= needed) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new AuditQuorumTimeoutError(`entry ${res.origin}#${res.seq} held by ${holders} of the ${needed} nodes a quorum needs ` +
      `after ${this.c.config.auditQuorumTimeoutMs} ms`)
  }

  private isConnected (peerId: string): boolean {
    try {
      return this.c.libp2p.getConnections(peerIdFromString(peerId)).length > 0
    } catch {
      return false
    }
  }
}

export function auditTopic (cluster: string): string {
  return `kos/${cluster}/audit/1`
}
