/**
 * A message channel over libp2p: one long-lived outbound stream per peer for a protocol, with
 * length-prefixed messages, so frequent small messages (the coordinator's heartbeats, ten a
 * second to every voter) do not each pay for a new stream and its protocol negotiation.
 * Delivery is best-effort and in order per peer: a message queued while the stream breaks is
 * lost, and the protocol above (election timers) retries. Each peer's queue is bounded.
 *
 * With a `guard` (the peer's breaker for this protocol, net/peer-breakers.ts), opening the stream
 * is the guarded call: a failed dial counts, and while the breaker is open a send fails at once
 * instead of dialling a peer that refused the last ones. A stream that breaks after it opened
 * does not count: the dial is what an unreachable peer fails, and a disconnect resets the channel.
 *
 * A stream nothing was sent on for `idleCloseMs` is closed (the next send opens a new one), and
 * a receiver closes its end once the sender ended: a peer talked to now and then (an audit ack,
 * an anti-entropy round) then leaves no stream behind, and its connection can be closed
 * (connection-trim.ts). Streams to peers talked to every second (monitors, voters) stay open.
 *
 * Lost messages are counted (`onDrop`, the node's `kos_channel_dropped_total`) and reported at
 * warn level, at most once per peer every `reportEveryMs` (drop-report.ts): a peer that stops
 * getting a protocol's messages must show in the logs, not only at debug level.
 */
import type { PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import { pushable, type Pushable } from 'it-pushable'
import type { Logger } from 'pino'
import type { KosLibp2p } from './host.js'
import { lengthPrefixed } from './length-prefixed.js'
import { DropReport, type DropReason } from './drop-report.js'
import { BrokenCircuitError, type PeerGuard } from './peer-breakers.js'

export interface ChannelOptions {
  protocol: string
  maxMessageBytes: number
  /** Messages queued per peer beyond this are dropped (the peer is slow or gone). */
  maxQueuedPerPeer: number
  dialTimeoutMs: number
  /** Called for every inbound message, with the authenticated sender. Must not block. */
  onMessage: (from: string, bytes: Uint8Array) => void
  /** Runs each stream opening through the peer's breaker; none: dials are unguarded. */
  guard?: PeerGuard
  /** A short name for logs and metrics (`election`, `audit`). @default the protocol */
  name?: string
  /** Called with every loss of `n` messages to `peer` (for a metric). Must not throw. */
  onDrop?: (peer: string, reason: DropReason, n: number) => void
  /** Losses to one peer are logged at warn level at most this often, with the counts since. @default 10000 */
  reportEveryMs?: number
  /** Monotonic milliseconds, for the report's rate limit and idle streams. @default performance.now */
  now?: () => number
  /** A peer's stream nothing was sent on for this long is closed. @default never */
  idleCloseMs?: number
}

interface Outbound { queue: Pushable<Uint8Array>, queued: number, lastSendMs: number }

export class MessageChannel {
  private readonly libp2p: KosLibp2p
  private readonly opts: ChannelOptions
  private readonly log: Logger
  private readonly outbound = new Map<string, Outbound>()
  private readonly drops: DropReport
  private readonly now: () => number
  private running = false
  private idleTimer: NodeJS.Timeout | undefined

  constructor (libp2p: KosLibp2p, opts: ChannelOptions, log: Logger) {
    this.libp2p = libp2p
    this.opts = opts
    this.log = log
    this.drops = new DropReport(opts.reportEveryMs ?? 10_000)
    this.now = opts.now ?? (() => performance.now())
  }

  async start (): Promise<void> {
    this.running = true
    await this.libp2p.handle(this.opts.protocol, ({ stream, connection }) => {
      const from = connection.remotePeer.toString()
      pipe(stream.source, (source) => lp.decode(source, { maxDataLength: this.opts.maxMessageBytes }), async (source) => {
        for await (const msg of source) if (this.running) this.opts.onMessage(from, msg.subarray())
      }).then(async () => { await stream.close() }).catch((err: Error) => { stream.abort(err) })
    }, { maxInboundStreams: 4, runOnLimitedConnection: false })
    const idle = this.opts.idleCloseMs
    if (idle !== undefined && this.idleTimer === undefined) {
      this.idleTimer = setInterval(() => { this.closeIdle() }, Math.max(100, Math.round(idle / 2)))
      this.idleTimer.unref()
    }
  }

  /** Ends the streams nothing was sent on for `idleCloseMs` and nothing waits on (what is queued is still written). */
  closeIdle (): void {
    const idle = this.opts.idleCloseMs
    if (idle === undefined) return
    const now = this.now()
    for (const [peer, out] of this.outbound) {
      if (out.queued > 0 || now - out.lastSendMs < idle) continue
      this.outbound.delete(peer)
      out.queue.end()
    }
  }

  /** Queues one message for the peer, opening the stream if needed. Never throws. */
  send (to: string, bytes: Uint8Array): void {
    if (!this.running) return
    let out = this.outbound.get(to)
    if (out === undefined) {
      out = this.open(to)
      if (out === undefined) return
    }
    if (out.queued >= this.opts.maxQueuedPerPeer) { this.dropped(to, 'queue-full', 1); return }
    out.lastSendMs = this.now()
    out.queued++
    out.queue.push(bytes)
  }

  /** Drops the peer's stream (its connection closed); the next send opens a new one. */
  reset (peerId: string): void {
    this.outbound.get(peerId)?.queue.end()
    this.outbound.delete(peerId)
  }

  async stop (): Promise<void> {
    this.running = false
    if (this.idleTimer !== undefined) clearInterval(this.idleTimer)
    this.idleTimer = undefined
    for (const out of this.outbound.values()) out.queue.end()
    this.outbound.clear()
    this.drops.clear()
    await this.libp2p.unhandle(this.opts.protocol)
  }

  private dropped (peer: string, reason: DropReason, n: number): void {
    this.opts.onDrop?.(peer, reason, n)
    const lost = this.drops.add(peer, reason, n, this.now())
    if (lost !== null) this.log.warn({ peer, protocol: this.opts.protocol, lost }, `${this.opts.name ?? this.opts.protocol} messages to a peer lost (reported at most every ${this.opts.reportEveryMs ?? 10_000} ms per peer)`)
  }

  private open (to: string): Outbound | undefined {
    let peer: PeerId
    try { peer = peerIdFromString(to) } catch { return undefined }
    const out: Outbound = { queue: pushable<Uint8Array>(), queued: 0, lastSendMs: this.now() }
    this.outbound.set(to, out)
    const counted = async function * (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
      for await (const bytes of source) { out.queued--; yield bytes }
    }
    void (async () => {
      let stream: Stream | undefined
      try {
        const dial = async (): Promise<Stream> => await this.libp2p.dialProtocol(peer, this.opts.protocol, { signal: AbortSignal.timeout(this.opts.dialTimeoutMs) })
        stream = this.opts.guard === undefined ? await dial() : await this.opts.guard(to, dial)
        await pipe(out.queue, counted, lengthPrefixed, stream.sink)
        // Ended (idle, reset or stopped): the receiver closes its end, and the stream is gone.
        await stream.close({ signal: AbortSignal.timeout(this.opts.dialTimeoutMs) })
      } catch (err) {
        this.log.debug({ err, peer: to, protocol: this.opts.protocol }, 'channel stream closed')
        stream?.abort(err as Error)
        // What was queued and not yet written is lost (the count is decremented as messages are written).
        if (out.queued > 0 && this.running) this.dropped(to, err instanceof BrokenCircuitError ? 'breaker-open' : 'stream-failed', out.queued)
      } finally {
        if (this.outbound.get(to) === out) this.outbound.delete(to)
      }
    })()
    return out
  }
}
