/**
 * The audit log's network shell (docs/design/audit.md, issue #4): runs the pure parts (store, appender,
 * replication bookkeeping) on real LevelDB and libp2p.
 *
 * - Local writes: `append(fields)` (the API) and `record(event)` (the node's single event path,
 *   the only subscriber that writes events) go through one AuditAppender with group commit;
 *   each durable batch (onWritten) is fed to the SSE tail and handed to replication, which
 *   pushes it (one message per batch of entries) straight to every alive member on the sync
 *   channel, or, past DIRECT_PUSH_MAX_PEERS members, on gossip topic `kos/<cluster>/audit/2`.
 * - Replication (replication.ts) talks to single peers over one long-lived channel per peer,
 *   `/kos/<cluster>/audit-sync/2.0.0` (heads, entries, acks); its timer ticks here.
 * - Received entries that are invalid or fork a chain are counted and reported on the event
 *   path as `audit:tamper` (rate-limited), which the subscriber then appends.
 * - `ack=quorum`: the local synced write, then replication's awaitQuorum: acks from a majority
 *   of the election's voter set.
 */
import { join } from 'node:path'
import type { Message, PeerId } from '@libp2p/interface'
import { TopicValidatorResult } from '@libp2p/interface'
import type { PrivateKey } from '@libp2p/interface'
import { Level } from 'level'
import type { Logger } from 'pino'
import type { AuditConfig, ConnectionConfig, NodeConfig } from '../config/schema.js'
import type { AuditEvent } from './tamper-event.js'
import { MessageChannel } from '../net/channel.js'
import type { KosLibp2p } from '../net/host.js'
import type { PeerBreakers } from '../net/peer-breakers.js'
import { MessageDecodeError } from '@kos/core'
import { AuditAppender, type AppendResult } from '@kos/core'
import { signerFromPrivateKey } from './libp2p-signer.js'
import { LamportClock } from '@kos/core'
import type { AuditPage, AuditQuery } from '@kos/core'
import { AuditReplication, REPLICATION_DEFAULTS, type Rejection, type ReplicationMessage } from '@kos/core'
import type { AuditEntry, AuditFields } from '@kos/core'
import { AuditRetention } from '@kos/core'
import { AuditStore } from '@kos/core'
import type { VerifyReport } from '@kos/core'
import { decodeDirect, decodePush, encodeReplicationParts, MAX_REPLICATION_BYTES } from '@kos/core'

/**
 * Up to this many alive peers, a push goes straight to each of them on the sync channel; beyond,
 * by gossip. Direct, every member has the entries one hop after the write, and a receiver pays
 * for a decrypt and a decode, not for a gossip delivery (a signature check on every message, a
 * message id, the seen cache), while the origin's cost, one encode and N - 1 stream writes, stays
 * small. Gossip's bounded fan-out is what a large cluster needs.
 */
const DIRECT_PUSH_MAX_PEERS = 16
/**
 * The push coalescing window while pushes go straight to each member (replication.ts
 * setPushWindow); by gossip, REPLICATION_DEFAULTS.pushCoalesceMs. A direct push costs each
 * receiver a decode and one signature check, so a short window is affordable, and group commit
 * already makes one push of all the appends of a write. 20 ms: under a steady 200 appends/s over
 * ten nodes, the 100 ms window (and the tick that flushed it) held an entry ~75 ms on average
 * before it left, most of the 100 ms budget for reaching every node.
 */
const DIRECT_PUSH_COALESCE_MS = 20
/**
 * How often replication ticks, and is told who is alive and who votes: the resolution of quorum
 * deadlines, re-pushes (repushMs, 250 ms) and gap pulls (pullThrottleMs, 200 ms). Pushes, acks
 * and quorums do not wait for it: each acts when it happens. Every wakeup of an idle node costs
 * more than its work (cold code), and at 50 ms this timer was a quarter of them.
 */
const TICK_MS = 200
/** Messages queued per peer on the sync channel. */
const MAX_QUEUED_PER_PEER = 256
/** At most one `audit:tamper` event per this interval; the rest are counted as suppressed. */
const TAMPER_EVENT_INTERVAL_MS = 1000

export type AuditAck = 'local' | 'quorum'
export { AuditQuorumTimeoutError } from '@kos/core'

export type AuditRejectReason = 'unsigned' | 'oversized' | 'malformed' | 'schema' | 'version' | 'hash' | 'signature' | 'chain' | 'seq' | 'origin' | 'fork' | 'checkpoint' | 'lamport' | 'origins'

export interface AuditServiceComponents {
  libp2p: KosLibp2p
  config: AuditConfig & Pick<NodeConfig, 'cluster' | 'dataDir'> & Pick<ConnectionConfig, 'dialTimeoutMs' | 'connectionIdleCloseMs'>
  log: Logger
  /** Peer ids of the alive members (self not included): the anti-entropy peers. */
  alive: () => string[]
  /** The election's voter set (self included if it votes), the electorate of `ack=quorum`; empty while unknown. */
  voters: () => readonly string[]
  /** The node's identity key: the signer of every local entry. */
  privateKey: PrivateKey
  /** The node's single event path (for `audit:tamper`). */
  emit: (event: AuditEvent) => void
  counters: {
    auditRejected: (reason: AuditRejectReason) => void
    /** Messages the audit sync channel lost (the `kos_channel_dropped_total` metric). */
    channelDropped?: (channel: string, reason: string, n: number) => void
  }
  /** The node's breakers per peer: opening a peer's sync stream goes through `audit`. */
  breakers: PeerBreakers
}

export type AuditListener = (entry: AuditEntry) => void

export class AuditService {
  private readonly c: AuditServiceComponents
  readonly topic: string
  readonly protocol: string
  private db: Level<string, Uint8Array> | undefined
  private storeRef: AuditStore | undefined
  private appender: AuditAppender | undefined
  private replication: AuditReplication | undefined
  private readonly channel: MessageChannel
  private lamport = new LamportClock()
  private readonly listeners = new Map<AuditListener, () => void>()
  private timer: NodeJS.Timeout | undefined
  private retentionTimer: NodeJS.Timeout | undefined
  /** Sends held-back pushes when their window ends (replication.ts pushesDueAt), not at the next tick. */
  private pushTimer: NodeJS.Timeout | undefined
  private running = false
  private lastTamperAt = 0
  private suppressedTampers = 0
  private self = ''
  /** Events recorded before start (the subscriber is installed before membership starts). */
  private early: AuditFields[] | null = []

  constructor (components: AuditServiceComponents) {
    this.c = components
    this.topic = auditTopic(components.config.cluster)
    // Version 2: entries sealed per batch (seal.ts). A version 1 node would refuse them as
    // unsigned, so the two never exchange audit messages at all.
    this.protocol = `/kos/${components.config.cluster}/audit-sync/2.0.0`
    this.channel = new MessageChannel(components.libp2p, {
      protocol: this.protocol,
      maxMessageBytes: MAX_REPLICATION_BYTES,
      maxQueuedPerPeer: MAX_QUEUED_PER_PEER,
      dialTimeoutMs: components.config.dialTimeoutMs,
      ...(components.config.connectionIdleCloseMs === 0 ? {} : { idleCloseMs: components.config.connectionIdleCloseMs }),
      onMessage: (from, bytes) => { this.onDirect(from, bytes) },
      guard: components.breakers.guard('audit'),
      name: 'audit',
      onDrop: (_peer, reason, n) => { components.counters.channelDropped?.('audit', reason, n) }
    }, components.log)
  }

  get store (): AuditStore {
    if (this.storeRef === undefined) throw new Error('the audit service has not started')
    return this.storeRef
  }

  async start (): Promise<void> {
    const { libp2p, config } = this.c
    this.self = libp2p.peerId.toString()
    this.db = new Level<string, Uint8Array>(join(config.dataDir, 'audit'), { valueEncoding: 'view' })
    const store = this.storeRef = await AuditStore.open(this.db, {
      maxOrigins: config.auditMaxOrigins,
      lamportCeiling: () => this.lamport.now() + config.auditMaxLamportLeap
    })
    this.lamport = new LamportClock(store.maxLamport())
    this.replication = new AuditReplication({
      self: this.self,
      store,
      transport: {
        broadcast: (msg) => { this.push(msg) },
        send: (to, msg) => { for (const part of encodeReplicationParts(msg)) this.channel.send(to, part) }
      },
      clock: { now: () => performance.now() },
      random: Math.random,
      yieldNow: async () => { await new Promise<void>((resolve) => { setImmediate(resolve) }) },
      options: { ...REPLICATION_DEFAULTS, syncIntervalMs: config.auditSyncIntervalMs, quorumTimeoutMs: config.auditQuorumTimeoutMs },
      onStored: (entries) => {
        for (const e of entries) this.lamport.observe(e.lamport)
        this.notify(entries)
      },
      onRejected: (from, entry, why) => { this.rejected(from, entry, why) },
      // Counted with the channel's own losses: a message that arrived and was not handled.
      onDropped: () => { this.c.counters.channelDropped?.('audit', 'received-queue-full', 1) }
    })
    const replication = this.replication
    const signer = signerFromPrivateKey(this.c.privateKey)
    this.appender = new AuditAppender({
      store,
      signer,
      wallClock: { now: () => Date.now() },
      lamport: this.lamport,
      onWritten: (entries) => {
        this.notify(entries)
        if (this.running) {
          replication.published(entries)
          this.schedulePushFlush()
        }
      }
    })
    const pubsub = libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.addEventListener('message', this.onGossip)
    pubsub.subscribe(this.topic)
    await this.channel.start()
    this.running = true
    this.timer = setInterval(() => {
      const alive = this.c.alive()
      replication.setAlive(alive)
      replication.setPushWindow(alive.length > DIRECT_PUSH_MAX_PEERS ? REPLICATION_DEFAULTS.pushCoalesceMs : DIRECT_PUSH_COALESCE_MS)
      this.refreshVoters()
      replication.tick()
    }, TICK_MS)
    this.timer.unref()
    const retention = new AuditRetention({ store, signer, wallClock: { now: () => Date.now() } },
      { maxAgeMs: config.auditRetentionMaxAgeMs, maxEntries: config.auditRetentionMaxEntries })
    this.retentionTimer = setInterval(() => { void this.compact(retention) }, config.auditCompactIntervalMs)
    this.retentionTimer.unref()
    const early = this.early ?? []
    this.early = null
    for (const e of early) void this.record(e)
  }

  async stop (): Promise<void> {
    this.early = null
    if (this.db === undefined) return
    this.running = false
    if (this.timer !== undefined) clearInterval(this.timer)
    if (this.pushTimer !== undefined) clearTimeout(this.pushTimer)
    if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer)
    this.replication?.stop()
    const pubsub = this.c.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onGossip)
    try { pubsub.unsubscribe(this.topic) } catch {}
    pubsub.topicValidators.delete(this.topic)
    await this.channel.stop().catch(() => {})
    this.closeStreams()
    await this.appender?.close().catch((err: unknown) => { this.c.log.warn({ err }, 'audit appender close failed') })
    await this.replication?.idle().catch(() => {})
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

  /**
   * Records one event of the node's event path (reactions/record-in-audit.ts). Resolves with the
   * entry's `(origin, seq)` once it is durable (the evidence an escalation cites), or undefined
   * if the event was held for later (before start) or could not be written.
   */
  async record (fields: AuditFields): Promise<{ origin: string, seq: number } | undefined> {
    if (this.early !== null) { if (this.early.length < 10_000) this.early.push(fields); return undefined }
    if (!this.running || this.appender === undefined) return undefined
    try {
      const { origin, seq } = await this.appender.append(fields)
      return { origin, seq }
    } catch (err) {
      this.c.log.warn({ err, event: fields.type }, 'event not audited')
      return undefined
    }
  }

  /** Appends an application event; resolves after the synced write (and, for quorum, a majority holds it). */
  async append (fields: AuditFields, ack: AuditAck = 'local'): Promise<AppendResult> {
    return (await this.appendMany([fields], ack))[0] as AppendResult
  }

  /**
   * Appends application events in one write, all or none (POST /v1/audit/batch); for quorum,
   * resolves once a majority of the voters holds the last of them (and so every one: a peer
   * stores a chain in order). `parsed`: the caller (the API) checked the fields against
   * auditFieldsSchema already, so they are not parsed twice.
   */
  async appendMany (list: readonly AuditFields[], ack: AuditAck = 'local', opts: { parsed?: boolean } = {}): Promise<AppendResult[]> {
    if (this.appender === undefined || this.replication === undefined) throw new Error('the audit service has not started')
    const res = await this.appender.appendMany(list, opts)
    const last = res[res.length - 1]
    if (ack === 'quorum' && last !== undefined) {
      this.refreshVoters()
      await this.replication.awaitQuorum(last.seq)
    }
    return res
  }

  /** One timer at a time, for the end of the held-back pushes' window. */
  private schedulePushFlush (): void {
    const replication = this.replication
    if (this.pushTimer !== undefined || replication === undefined || !this.running) return
    const due = replication.pushesDueAt()
    if (due === undefined) return
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined
      replication.flushDue()
      this.schedulePushFlush()
    }, Math.max(0, Math.ceil(due - performance.now())))
    this.pushTimer.unref()
  }

  private refreshVoters (): void {
    const voters = this.c.voters()
    if (voters.length > 0) this.replication?.setVoters(voters)
  }

  /** Received entries waiting to be stored, and origins held back by a gap (replication.ts backlog). */
  backlog (): { entries: number, gaps: number } {
    return this.replication?.backlog() ?? { entries: 0, gaps: 0 }
  }

  /** Why audit writes fail (disk full, I/O error), or null while they succeed. */
  storageFailure (): string | null {
    return this.storeRef?.writeFailure?.message ?? null
  }

  async query (q: AuditQuery): Promise<AuditPage> { return await this.store.query(q) }
  async verify (): Promise<VerifyReport> { return await this.store.verifyAll() }

  /** Every entry stored from now on (local or replicated); `onClose` when the service stops. */
  subscribe (listener: AuditListener, onClose: () => void): () => void {
    this.listeners.set(listener, onClose)
    return () => { this.listeners.delete(listener) }
  }

  /** One retention pass, repeated at once while it reports more to do (each pass is bounded). */
  private async compact (retention: AuditRetention): Promise<void> {
    for (let pass = 0; pass < 100 && this.running; pass++) {
      try {
        const report = await retention.runOnce()
        if (report.failed.length > 0) this.c.log.warn({ failed: report.failed }, 'audit chains not compacted: run kos audit verify')
        if (report.deleted > 0) this.c.log.info({ deleted: report.deleted, origins: report.compacted.length }, 'audit log compacted')
        if (!report.more) return
      } catch (err) {
        this.c.log.error({ err }, 'audit retention failed')
        return
      }
    }
  }

  private notify (entries: readonly AuditEntry[]): void {
    for (const l of this.listeners.keys()) {
      for (const e of entries) { try { l(e) } catch {} }
    }
  }

  // ---- transport ---------------------------------------------------------------------------

  /** A push: straight to every alive member in a small cluster, else by gossip (DIRECT_PUSH_MAX_PEERS). */
  private push (msg: ReplicationMessage & { kind: 'push' }): void {
    if (!this.running) return
    const peers = this.c.alive()
    if (peers.length > DIRECT_PUSH_MAX_PEERS) { this.publish(msg); return }
    for (const part of encodeReplicationParts(msg)) for (const p of peers) this.channel.send(p, part)
  }

  /** One gossip message per push (whole sealed groups; split at a seal only if over the size bound). */
  private publish (msg: ReplicationMessage & { kind: 'push' }): void {
    for (const part of encodeReplicationParts(msg)) {
      this.c.libp2p.services.pubsub.publish(this.topic, part)
        .catch((err: Error) => { this.c.log.debug({ err }, 'audit push not published') })
    }
  }

  private readonly decoded = new WeakMap<Message, ReplicationMessage>()

  /** Gossip: a signed push whose entries all name the signer as origin, else rejected. */
  private readonly validate = (_source: PeerId, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'signed') { this.c.counters.auditRejected('unsigned'); return TopicValidatorResult.Reject }
    try {
      const push = decodePush(msg.data)
      const from = msg.from.toString()
      if (push.entries.some((e) => (e as { origin?: unknown }).origin !== from)) {
        this.c.counters.auditRejected('origin')
        return TopicValidatorResult.Reject
      }
      this.decoded.set(msg, push)
      return TopicValidatorResult.Accept
    } catch (err) {
      this.c.counters.auditRejected(err instanceof MessageDecodeError ? err.reason : 'malformed')
      return TopicValidatorResult.Reject
    }
  }

  private readonly onGossip = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== this.topic || !this.running || msg.type !== 'signed') return
    const push = this.decoded.get(msg)
    if (push !== undefined) this.replication?.receive(msg.from.toString(), push)
  }

  private onDirect (from: string, bytes: Uint8Array): void {
    if (!this.running) return
    let msg: ReplicationMessage
    try {
      msg = decodeDirect(bytes)
    } catch (err) {
      this.c.counters.auditRejected(err instanceof MessageDecodeError ? err.reason : 'malformed')
      return
    }
    this.replication?.receive(from, msg)
  }

  private rejected (from: string, entry: unknown, why: Rejection): void {
    const reason = why.status === 'invalid' ? why.reason : why.status
    this.c.counters.auditRejected(reason)
    const now = Date.now()
    if (now - this.lastTamperAt < TAMPER_EVENT_INTERVAL_MS) { this.suppressedTampers++; return }
    this.lastTamperAt = now
    const suppressed = this.suppressedTampers
    this.suppressedTampers = 0
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<AuditEntry>
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
}

/** Version 2: entries sealed per batch (see the sync protocol's version). */
export function auditTopic (cluster: string): string {
  return `kos/${cluster}/audit/2`
}
