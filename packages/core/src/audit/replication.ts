/**
 * Audit replication bookkeeping (docs/design/audit.md, issue #4): a state machine over an injected
 * clock, random source, store and transport seam. It never reads the wall clock or sets a
 * timer, so the node, the unit tests and the simulator run it unchanged; the shell calls
 * `tick()` on its own timer.
 *
 * Four messages, all one-way (best-effort; every loss is repaired by a later round):
 * - `push`: a batch of the sender's own new entries, broadcast (gossip in the node);
 * - `heads`: "these are my heads": the receiver answers with `entries` the sender misses, in
 *   bounded batches (`more` when it had to stop), and, if it misses something itself, with its
 *   own `heads` (throttled per peer, so two nodes never ping-pong). With `only`, just those
 *   origins' entries are wanted (a gap in one origin's pushes), and nothing is asked back;
 * - `entries`: a reply to `heads`, or a re-push to a peer that has not acknowledged;
 * - `ack`: "I hold your chain durably up to seq", sent to an origin after its entries are
 *   stored (or found held), so `ack=quorum` needs no polling; only by voters (or by everyone
 *   while no voter set is known), since only a voter's ack counts;
 * - `checkpoint`: sent before `entries` when the asker needs a prefix we compacted away
 *   (retention): the receiver accepts it as the chain's base if its signer is the sender or an
 *   alive member, and the entries after it then store without a gap.
 *
 * Pushes are coalesced: the first after a quiet `pushCoalesceMs` leaves at once, later ones
 * wait for the next tick past that window and leave together, unless an `ack=quorum` append is
 * waiting for them. A burst of events (a partition healing: every node records every member
 * coming back) then costs each receiver one signed gossip delivery per window, not one per
 * event; gossip deliveries are milliseconds of CPU each.
 *
 * Anti-entropy: every `syncIntervalMs` (jittered) a `heads` goes to one random alive peer. A
 * gap (an entry ahead of our head) sends `heads` to its sender at once, so a lost push is pulled
 * within one round trip.
 *
 * `ack=quorum` (`awaitQuorum(seq)`): resolves when a majority of the election's voter set
 * (`setVoters`; self counts if it votes: our write is durable) hold the entry, judged against
 * the voter set as it is when each ack arrives. Not a majority of the members alive: on a
 * minority side the alive members are few, and a majority of them proves nothing. A core never
 * given a voter set (an audit-only simulation) counts the alive members and self instead.
 * Rejects with AuditQuorumTimeoutError on the first tick after `quorumTimeoutMs`. While it
 * waits, voters that have not acknowledged get the missing entries again every `repushMs`.
 *
 * Received `heads` and `checkpoint` wait in a bounded queue; messages that carry entries wait
 * per origin in seq order (pending.ts), and only those that continue a held chain are verified
 * and stored: a message ahead of its chain waits, unverified, while the gap is pulled from its
 * sender. The entries of the messages ready are stored together, up to `verifySlice` a round:
 * one synced write for all of them, not one per message, so a replica keeps up with many origins
 * at once. `yieldNow()` runs between rounds: verifying is CPU, and a healed partition's catch-up
 * must never hold the event loop long enough to delay the coordinator's heartbeats.
 */
import type { Clock } from '@kos/detect'
import type { AuditEntry } from './schema.js'
import { diffHeads, type Heads } from './heads.js'
import { packGroups, sealedPrefix } from './seal.js'
import type { CheckpointResult } from './compaction.js'
import type { StoreResult } from './received.js'
import { PendingCarriers, type Carrier } from './pending.js'

export type ReplicationMessage =
  | { kind: 'push', entries: unknown[] }
  | { kind: 'heads', heads: Heads, only?: string[] }
  | { kind: 'entries', entries: unknown[], more: boolean }
  | { kind: 'ack', origin: string, seq: number }
  | { kind: 'checkpoint', checkpoint: unknown }

/** What replication needs of the store; AuditStore is one. */
export interface ReplicaStore {
  heads: () => Heads
  storeVerifiedMany: (entries: unknown[]) => Promise<StoreResult[]>
  range: (origin: string, fromSeq: number, toSeq: number, limit: number) => Promise<AuditEntry[]>
  /** The origin's retention checkpoint: its prefix up to `seq` is compacted away. */
  checkpoint: (origin: string) => { seq: number, signer: string } | undefined
  acceptCheckpoint: (checkpoint: unknown, trusted: string) => Promise<CheckpointResult>
}

export interface ReplicationTransport {
  /** To every member (gossip in the node). */
  broadcast: (msg: ReplicationMessage & { kind: 'push' }) => void
  /** To one peer, best-effort. */
  send: (to: string, msg: ReplicationMessage) => void
}

export interface ReplicationOptions {
  /** One anti-entropy `heads` to a random alive peer per this interval (jittered ±50 %). */
  syncIntervalMs: number
  /** Entries per `push` or `entries` message. */
  batch: number
  /** `entries` messages answered per `heads`; with `batch`, the entries one round moves. */
  maxRanges: number
  quorumTimeoutMs: number
  /** A peer that has not acknowledged during a quorum wait is sent the entries again after this. */
  repushMs: number
  /** At most one `heads` to a given peer per this, for gaps and replies. */
  pullThrottleMs: number
  /**
   * Received entries verified and stored per round (one synced write for the messages of a
   * round), with a yield to the event loop between rounds.
   */
  verifySlice: number
  /** Received `heads` and `checkpoint` messages waiting; beyond it they are dropped (anti-entropy repairs). */
  maxQueued: number
  /**
   * Received entries waiting to be stored (pending.ts); beyond it the messages furthest ahead of
   * their chains are dropped (pulled again later).
   */
  maxPendingEntries: number
  /** Pushes within this long of the previous one wait and leave together (see the header). */
  pushCoalesceMs: number
}

export const REPLICATION_DEFAULTS: Readonly<Omit<ReplicationOptions, 'syncIntervalMs' | 'quorumTimeoutMs'>> = Object.freeze({
  // Twice a sealed group's bound (seal.ts SEAL_MAX_ENTRIES), so any range holds a seal.
  batch: 256,
  maxRanges: 4,
  repushMs: 250,
  pullThrottleMs: 200,
  verifySlice: 512,
  maxQueued: 256,
  // Sixteen full messages: a pull's whole answer (maxRanges x batch) and the pushes that arrive
  // while it travels, for several origins at once.
  maxPendingEntries: 4096,
  pushCoalesceMs: 100
})

export type Rejection =
  | Extract<StoreResult, { status: 'invalid' | 'fork' }>
  | { status: 'invalid', reason: 'origin' }
  | { status: 'checkpoint', reason: string }

export interface ReplicationDeps {
  self: string
  store: ReplicaStore
  transport: ReplicationTransport
  clock: Clock
  random: () => number
  /** Lets the event loop run (setImmediate in the node). */
  yieldNow: () => Promise<void>
  options: ReplicationOptions
  /** Entries received from peers and stored. */
  onStored?: (entries: AuditEntry[]) => void
  /** An entry refused: invalid (tamper) or forking a held chain. */
  onRejected?: (from: string, entry: unknown, why: Rejection) => void
  /** A received message dropped because `maxQueued` messages or `maxPendingEntries` entries were waiting (repaired later). */
  onDropped?: (from: string, kind: ReplicationMessage['kind']) => void
}

/** `ack=quorum` did not reach a majority of the voter set in time. */
export class AuditQuorumTimeoutError extends Error {
  override name = 'AuditQuorumTimeoutError'
}

interface Waiter {
  seq: number
  /** Clock time it began to wait. */
  since: number
  deadline: number
  resolve: () => void
  reject: (err: Error) => void
}

export class AuditReplication {
  private readonly d: ReplicationDeps
  private readonly o: ReplicationOptions
  private alive: readonly string[] = []
  /** The election's voter set (self included if it votes); null until the shell sets one. */
  private voters: readonly string[] | null = null
  /** Per peer: the highest seq of OUR chain it acknowledged holding durably. */
  private readonly acked = new Map<string, number>()
  private waiters: Waiter[] = []
  private readonly lastHeadsTo = new Map<string, number>()
  private readonly lastRepushTo = new Map<string, number>()
  private nextSyncAt: number
  private control: Array<{ from: string, msg: Extract<ReplicationMessage, { kind: 'heads' | 'checkpoint' }> }> = []
  private readonly pending: PendingCarriers
  /** Set and cleared synchronously with the drain loop, so no message is queued behind a finished drain. */
  private draining = false
  private drained: Promise<void> = Promise.resolve()
  /** Re-pushes in flight (they read the store), so `idle()` can wait for them. */
  private readonly repushing = new Set<Promise<void>>()
  private stopped = false
  private unpushed: AuditEntry[] = []
  private lastPushAt = -Infinity
  private pushWindowMs: number

  constructor (deps: ReplicationDeps) {
    this.d = deps
    this.o = deps.options
    this.pending = new PendingCarriers(deps.options.maxPendingEntries)
    this.pushWindowMs = deps.options.pushCoalesceMs
    this.nextSyncAt = deps.clock.now() + this.jitter()
  }

  /** The alive members, self excluded (the anti-entropy peers). */
  setAlive (peers: readonly string[]): void {
    this.alive = peers.filter((p) => p !== this.d.self)
  }

  /** The election's voter set, self included if this node votes: the electorate of `ack=quorum`. */
  setVoters (ids: readonly string[]): void {
    this.voters = [...new Set(ids)]
    if (this.waiters.length > 0) this.waiters = this.waiters.filter((w) => !this.settle(w))
  }

  /** Our own entries, durable: pushed now, or with the next ones (see the header). */
  published (entries: readonly AuditEntry[]): void {
    if (this.stopped) return
    this.unpushed.push(...entries)
    if (this.d.clock.now() - this.lastPushAt >= this.pushWindowMs) this.flushPushes()
  }

  /**
   * The coalescing window from now on (`pushCoalesceMs` at first). The shell shortens it while
   * pushes go straight to each member: a direct push costs a receiver a decode, not a gossip
   * delivery, and a window of 100 ms (flushed on a 50 ms tick) was most of the time an entry
   * took to reach every node of ten under a steady load.
   */
  setPushWindow (ms: number): void {
    this.pushWindowMs = ms
  }

  /** When the pushes held back are due (clock time), or undefined if none is held: the shell's timer for flushDue. */
  pushesDueAt (): number | undefined {
    return this.unpushed.length === 0 || this.stopped ? undefined : this.lastPushAt + this.pushWindowMs
  }

  /** Sends the pushes held back once their window has passed (the shell calls it at pushesDueAt). */
  flushDue (): void {
    if (!this.stopped && this.d.clock.now() - this.lastPushAt >= this.pushWindowMs) this.flushPushes()
  }

  private flushPushes (): void {
    if (this.unpushed.length === 0) return
    const entries = this.unpushed
    this.unpushed = []
    // Whole sealed groups only (each written batch ends with a seal): a receiver verifies a
    // message with one signature check per group.
    for (const part of packGroups(entries, this.o.batch)) this.d.transport.broadcast({ kind: 'push', entries: part })
    const now = this.lastPushAt = this.d.clock.now()
    for (const p of this.alive) this.lastRepushTo.set(p, now)
  }

  /** Resolves once a majority of the voter set holds our entry `seq` (see the header). */
  async awaitQuorum (seq: number): Promise<void> {
    this.flushPushes()
    return await new Promise<void>((resolve, reject) => {
      const now = this.d.clock.now()
      const w: Waiter = { seq, since: now, deadline: now + this.o.quorumTimeoutMs, resolve, reject }
      if (!this.settle(w)) this.waiters.push(w)
    })
  }

  /** A message from `from` (authenticated by the transport). */
  receive (from: string, msg: ReplicationMessage): void {
    if (this.stopped || from === this.d.self) return
    if (msg.kind === 'ack') {
      if (msg.origin === this.d.self) this.onAck(from, msg.seq)
      return
    }
    if (msg.kind === 'push' || msg.kind === 'entries') {
      for (const lost of this.pending.add({ from, msg })) this.d.onDropped?.(lost.from, lost.msg.kind)
    } else {
      if (this.control.length >= this.o.maxQueued) { this.d.onDropped?.(from, msg.kind); return } // anti-entropy repairs what is dropped
      this.control.push({ from, msg })
    }
    this.startDrain()
  }

  private startDrain (): void {
    if (this.draining) return
    this.draining = true
    this.drained = this.drain()
  }

  /**
   * Received entries waiting to be verified and stored, and the origins whose waiting entries
   * are held back by a gap: a replica that falls behind shows here before it drops anything.
   */
  backlog (): { entries: number, gaps: number } {
    const heads = this.d.store.heads()
    return { entries: this.pending.entries, gaps: this.pending.gaps((o) => heads[o]?.seq ?? 0).length }
  }

  /** Anti-entropy, quorum deadlines and re-pushes due at the clock's now. */
  tick (): void {
    if (this.stopped) return
    const now = this.d.clock.now()
    if (now - this.lastPushAt >= this.pushWindowMs) this.flushPushes()
    if (now >= this.nextSyncAt) {
      this.nextSyncAt = now + this.jitter()
      const peer = this.alive[Math.floor(this.d.random() * this.alive.length)]
      if (peer !== undefined && !this.backlogged()) this.sendHeads(peer, now, true)
    }
    // A gap whose pull (or its answer) was lost: pull again (throttled per peer).
    if (!this.draining) this.pullGaps(now)
    const expired = this.waiters.filter((w) => now >= w.deadline)
    if (expired.length > 0) {
      this.waiters = this.waiters.filter((w) => now < w.deadline)
      for (const w of expired) {
        const { electorate, needed } = this.electorate()
        w.reject(new AuditQuorumTimeoutError(`entry #${w.seq} held by ${this.holders(w.seq, electorate)} of the ${needed} voters a quorum ` +
          `of ${electorate.length} needs after ${this.o.quorumTimeoutMs} ms`))
      }
    }
    if (this.waiters.length > 0) {
      const p = this.repush(now).catch(() => {}).finally(() => { this.repushing.delete(p) })
      this.repushing.add(p)
    }
  }

  /** Resolves when every received message has been handled (tests and the simulator). */
  async idle (): Promise<void> {
    while (this.draining || this.repushing.size > 0) {
      await Promise.all([this.drained, ...this.repushing])
    }
  }

  /** Rejects the waiters and drops further input (the node is stopping). */
  stop (): void {
    this.stopped = true
    this.control = []
    this.pending.clear()
    for (const w of this.waiters) w.reject(new AuditQuorumTimeoutError('the node is stopping'))
    this.waiters = []
  }

  // ---- received messages --------------------------------------------------------------------

  /**
   * Handles the received messages: `heads` and `checkpoint` one by one, in arrival order; then
   * the pending messages that continue their chains (pending.ts), up to `verifySlice` entries a
   * round, stored with one synced write (storeMessages), with a yield to the event loop between
   * rounds; then pulls the gaps that are left. One fsync per message was a replication stall,
   * and so was verifying and refusing every push that ran ahead of its chain (pending.ts).
   */
  private async drain (): Promise<void> {
    try {
      while (!this.stopped) {
        // One `heads` or `checkpoint`, then one round of entries: answering peers never starves
        // storing, nor the reverse.
        const next = this.control.shift()
        if (next !== undefined) {
          try { await this.handle(next.from, next.msg) } catch {}
        }
        const heads = this.d.store.heads()
        const ready = this.pending.take((o) => heads[o]?.seq ?? 0, this.o.verifySlice)
        if (ready.length === 0) {
          if (this.control.length > 0) continue
          break
        }
        try {
          await this.storeMessages(ready)
        } catch {
          // A store failure: the entries stay missing and a later round pulls them again. The
          // shell sees the store error through its own health checks.
        }
        this.pullGaps(this.d.clock.now())
        await this.d.yieldNow()
      }
    } finally {
      this.draining = false
    }
  }

  /**
   * Half the pending bound is waiting: ask for no more than gaps need. An answer to `heads` is up
   * to `maxRanges` x `batch` entries; a replica that kept asking while behind (a forced `heads`
   * after every answer that said `more`) had its peers read, send and re-send what it could only
   * drop, and fell further behind.
   */
  private backlogged (): boolean {
    return this.pending.entries > this.o.maxPendingEntries / 2
  }

  /** Pulls, from the sender of the first waiting message, each gap that holds messages back (throttled per peer). */
  private pullGaps (now: number): void {
    // Nothing waits (almost every tick): no copy of every origin's head.
    if (this.pending.entries === 0) return
    const heads = this.d.store.heads()
    for (const gap of this.pending.gaps((o) => heads[o]?.seq ?? 0)) {
      // From the origin itself: that origin's chain only; from a relay: its heads, all of them.
      if (gap.from === gap.origin) this.sendHeads(gap.from, now, false, [gap.origin])
      else this.sendHeads(gap.from, now, false)
    }
  }

  private async handle (from: string, msg: Extract<ReplicationMessage, { kind: 'heads' | 'checkpoint' }>): Promise<void> {
    if (msg.kind === 'heads') await this.answerHeads(from, msg.heads, msg.only)
    else await this.acceptCheckpoint(from, msg.checkpoint)
  }

  /**
   * Stores the entries of several messages with one call to the store (one synced write for
   * all), then acknowledges each origin once with how far we now hold its chain, and pulls
   * where a message ran ahead of a chain (a gap) or said there is `more`.
   */
  private async storeMessages (items: Carrier[]): Promise<void> {
    const accepted: Array<Carrier & { start: number }> = []
    const all: unknown[] = []
    for (const item of items) {
      const { from, msg } = item
      // A message carries one origin's sealed groups: a push only the origin's own (anything
      // else is forged), `entries` one origin's range. A message mixing origins is refused whole.
      const origin = originOf(msg.entries[0])
      if (msg.entries.some((e) => originOf(e) !== origin) || (msg.kind === 'push' && origin !== from)) {
        for (const e of msg.entries) this.d.onRejected?.(from, e, { status: 'invalid', reason: 'origin' })
        continue
      }
      accepted.push({ ...item, start: all.length })
      all.push(...msg.entries)
    }
    if (all.length === 0 || this.stopped) return
    const results = await this.d.store.storeVerifiedMany(all)
    const touched = new Set<string>()
    const stored: AuditEntry[] = []
    const gaps = new Set<Carrier>()
    for (const item of accepted) {
      for (let j = item.start; j < item.start + item.msg.entries.length; j++) {
        const r = results[j] as StoreResult
        const e = all[j]
        if (r.status === 'stored' || r.status === 'duplicate') {
          touched.add((e as AuditEntry).origin)
          if (r.status === 'stored') stored.push(e as AuditEntry)
        } else if (r.status === 'gap') {
          gaps.add(item)
        } else {
          this.d.onRejected?.(item.from, e, r)
        }
      }
    }
    if (stored.length > 0) this.d.onStored?.(stored)
    const heads = this.d.store.heads()
    if (this.votes()) {
      for (const origin of touched) {
        const seq = heads[origin]?.seq
        if (seq !== undefined && origin !== this.d.self) this.d.transport.send(origin, { kind: 'ack', origin, seq })
      }
    }
    const now = this.d.clock.now()
    for (const item of accepted) {
      const { from, msg } = item
      // A gap in an origin's pushes: pull that origin's chain from it, at once.
      if (gaps.has(item) && msg.kind === 'push') this.sendHeads(from, now, false, [from])
      else if (gaps.has(item) || (msg.kind === 'entries' && msg.more && !this.backlogged())) this.sendHeads(from, now, false)
    }
  }

  /**
   * The heads this replica advertises: what it holds, extended by the waiting messages that
   * continue each chain (pending.ts). Advertising only what was stored made every peer answer a
   * `heads` with entries already waiting here, under load nearly everything it sent: the
   * replica then spent its time decoding and checking copies, and fell further behind.
   */
  private advertisedHeads (): Heads {
    const heads = this.d.store.heads()
    for (const origin of this.pending.origins()) {
      const reach = this.pending.reach(origin, heads[origin])
      if (reach !== undefined) heads[origin] = reach
    }
    return heads
  }

  /** A peer's heads: send what it misses (bounded; of `only` those origins), and ask for what we miss. */
  private async answerHeads (from: string, theirs: Heads, only?: string[]): Promise<void> {
    const mine = this.d.store.heads()
    const offered = only === undefined ? mine : Object.fromEntries(only.flatMap((o) => mine[o] === undefined ? [] : [[o, mine[o]]]))
    const give = diffHeads(theirs, offered, { maxBatch: this.o.batch, maxRanges: this.o.maxRanges })
    /** Per origin, the last seq sent in this answer: the next range continues from it. */
    const sent = new Map<string, number>()
    for (let i = 0; i < give.pull.length && !this.stopped; i++) {
      const r = give.pull[i] as (typeof give.pull)[number]
      const fromSeq = sent.has(r.origin) ? (sent.get(r.origin) as number) + 1 : r.fromSeq
      if (fromSeq > r.toSeq) continue
      const cp = this.d.store.checkpoint(r.origin)
      // They need entries we compacted: the checkpoint first, so what survives links to it. Only
      // the origin's own checkpoint is worth sending (acceptCheckpoint); where we compacted
      // another origin's chain ourselves, the asker gets the rest from the origin.
      if (cp !== undefined && cp.signer === r.origin && cp.seq >= fromSeq && fromSeq === (theirs[r.origin]?.seq ?? 0) + 1) {
        this.d.transport.send(from, { kind: 'checkpoint', checkpoint: cp })
      }
      const entries = await this.sealedRange(r.origin, fromSeq, r.toSeq)
      const last = i === give.pull.length - 1
      if (entries.length > 0) {
        sent.set(r.origin, (entries[entries.length - 1] as AuditEntry).seq)
        this.d.transport.send(from, { kind: 'entries', entries, more: last && give.truncated })
      }
    }
    if (only !== undefined) return
    // The sender's own chain is left out: its newest entries are in flight to us as pushes, and
    // asking for them made the sender send them twice; a lost push shows as a gap at the next.
    const others = Object.fromEntries(Object.entries(theirs).filter(([o]) => o !== from))
    const want = diffHeads(this.advertisedHeads(), others, { maxBatch: this.o.batch, maxRanges: 1 })
    if (want.pull.length > 0) this.sendHeads(from, this.d.clock.now(), false)
  }

  /**
   * A checkpoint from a peer counts only when its origin signed it: it deletes held entries of
   * that chain, and nobody but the origin may say where the chain now starts. (A node's own
   * compaction of another origin's chain stays local; see answerHeads.)
   */
  private async acceptCheckpoint (from: string, raw: unknown): Promise<void> {
    const claimed = typeof raw === 'object' && raw !== null ? raw as { signer?: unknown, origin?: unknown } : {}
    if (typeof claimed.signer !== 'string' || claimed.signer !== claimed.origin) {
      this.d.onRejected?.(from, raw, { status: 'checkpoint', reason: 'signer' })
      return
    }
    const res = await this.d.store.acceptCheckpoint(raw, claimed.signer)
    if (res.status === 'invalid') this.d.onRejected?.(from, raw, { status: 'checkpoint', reason: res.reason })
  }

  private sendHeads (to: string, now: number, force: boolean, only?: string[]): void {
    if (!force && now - (this.lastHeadsTo.get(to) ?? -Infinity) < this.o.pullThrottleMs) return
    this.lastHeadsTo.set(to, now)
    const heads = this.advertisedHeads()
    if (only === undefined) this.d.transport.send(to, { kind: 'heads', heads })
    else this.d.transport.send(to, { kind: 'heads', heads: Object.fromEntries(only.flatMap((o) => heads[o] === undefined ? [] : [[o, heads[o]]])), only })
  }

  // ---- ack=quorum ---------------------------------------------------------------------------

  private onAck (from: string, seq: number): void {
    if (seq <= (this.acked.get(from) ?? 0)) return
    this.acked.set(from, seq)
    if (this.waiters.length > 0) this.waiters = this.waiters.filter((w) => !this.settle(w))
  }

  /**
   * Whether this node's acks can count towards a quorum: it is in the voter set, or no voter set
   * is known (then every member counts, see electorate). A non-voter's ack is never counted,
   * and acks were the most messages a replica sent: with ten members and five voters, half of
   * them were for nothing, and each cost both ends a Yamux frame and its window update.
   */
  private votes (): boolean {
    return this.voters === null || this.voters.includes(this.d.self)
  }

  /** Who votes on `ack=quorum` now, and how many of them make a majority. */
  private electorate (): { electorate: readonly string[], needed: number } {
    const electorate = this.voters ?? [this.d.self, ...this.alive]
    return { electorate, needed: Math.floor(electorate.length / 2) + 1 }
  }

  /** Voters holding our entry `seq`: self if it votes (the write was durable before the wait began), and those that acked it. */
  private holders (seq: number, electorate: readonly string[]): number {
    let n = 0
    for (const p of electorate) if (p === this.d.self || (this.acked.get(p) ?? 0) >= seq) n++
    return n
  }

  /** Resolves the waiter if its quorum is reached. */
  private settle (w: Waiter): boolean {
    const { electorate, needed } = this.electorate()
    if (this.holders(w.seq, electorate) < needed) return false
    w.resolve()
    return true
  }

  /**
   * Sends our unacknowledged entries again to voters that lag, at most every repushMs each, up to
   * the last entry that has waited repushMs. Under a steady write load every voter lags behind
   * the pushes in flight; sending those again too had each voter receive most entries twice.
   */
  private async repush (now: number): Promise<void> {
    const overdue = this.waiters.filter((w) => now - w.since >= this.o.repushMs)
    if (overdue.length === 0) return
    const top = Math.max(...overdue.map((w) => w.seq))
    const lagging = new Set(this.electorate().electorate.filter((p) => p !== this.d.self && (this.acked.get(p) ?? 0) < top))
    for (const peer of lagging) {
      if (now - (this.lastRepushTo.get(peer) ?? -Infinity) < this.o.repushMs) continue
      this.lastRepushTo.set(peer, now)
      const from = (this.acked.get(peer) ?? 0) + 1
      const entries = await this.sealedRange(this.d.self, from, top)
      if (entries.length > 0 && !this.stopped) this.d.transport.send(peer, { kind: 'entries', entries, more: false })
    }
  }

  /**
   * Held entries of `origin` from `fromSeq`, cut after the last seal at or before `toSeq` (or
   * the first seal after it, when none is): only whole groups travel. At most `batch` entries
   * are read; groups are smaller than half of that (seal.ts), so a seal is always among them.
   */
  private async sealedRange (origin: string, fromSeq: number, toSeq: number): Promise<AuditEntry[]> {
    const read = await this.d.store.range(origin, fromSeq, Number.MAX_SAFE_INTEGER, this.o.batch)
    const upTo = sealedPrefix(read.filter((e) => e.seq <= toSeq))
    return upTo.length > 0 ? upTo : sealedPrefix(read).slice(0, read.findIndex((e) => e.sig !== undefined) + 1)
  }

  private jitter (): number {
    return this.o.syncIntervalMs * (0.5 + this.d.random())
  }
}

function originOf (e: unknown): unknown {
  return typeof e === 'object' && e !== null ? (e as { origin?: unknown }).origin : undefined
}
