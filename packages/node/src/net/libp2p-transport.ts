/**
 * The transport seam (@kos/core's transport/transport.ts) on libp2p: gossip topics on
 * gossipsub, message channels on one long-lived length-prefixed stream per peer
 * (channel.ts), request/response on a stream each (streams.ts), pings on libp2p's ping
 * service, each call to a peer through that peer's breaker (peer-breakers.ts), and link losses
 * from libp2p's `peer:disconnect`.
 *
 * Messages are encoded, bounded and decoded here, at the edge: a topic's message is decoded and
 * checked inside gossipsub's validator, so an invalid one is neither delivered nor forwarded
 * and gossipsub's peer scoring punishes its sender; a channel's or protocol's message that does
 * not decode is dropped (or its exchange aborted). Each refusal is reported through `onInvalid`.
 */
import { TopicValidatorResult, type Message, type PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from 'pino'
import { MessageDecodeError, type Cancel, type Channel, type Protocol, type RejectReason, type RequestOptions, type Topic, type Transport } from '@kos/core'
import { MessageChannel } from './channel.js'
import type { DropReason } from './drop-report.js'
import type { KosLibp2p } from './host.js'
import type { PeerBreakers } from './peer-breakers.js'
import { handle, request } from './streams.js'

export interface Libp2pTransportInit {
  libp2p: KosLibp2p
  breakers: PeerBreakers
  log: Logger
  /** The deadline of a dial, and of serving one request. */
  dialTimeoutMs: number
  /** A channel's stream to a peer idle this long is closed (channel.ts); 0: never. */
  channelIdleCloseMs?: number
  /** A message refused before any shell saw it: the topic's or channel's name, and why. */
  onInvalid: (name: string, reason: RejectReason) => void
  /** Messages a channel lost (the `kos_channel_dropped_total` metric). */
  onChannelDrop?: (channel: string, reason: DropReason, n: number) => void
}

/** Messages queued per peer on a channel: a few seconds of the coordinator's heartbeats. */
const MAX_QUEUED_PER_PEER = 64

function rejectReason (err: unknown): RejectReason {
  return err instanceof MessageDecodeError ? err.reason : 'malformed'
}

export class Libp2pTransport implements Transport {
  readonly selfId: string
  private readonly o: Libp2pTransportInit
  private readonly channels = new Map<string, MessageChannel>()
  private readonly peerIds = new Map<string, PeerId>()
  /** Registrations with libp2p still under way (`settled` waits for them). */
  private readonly pending = new Set<Promise<unknown>>()
  private readonly publishing = new Set<Promise<void>>()

  constructor (init: Libp2pTransportInit) {
    this.o = init
    this.selfId = init.libp2p.peerId.toString()
  }

  /** Resolves once every handler registered so far is installed in libp2p. */
  async settled (): Promise<void> {
    await Promise.all([...this.pending])
  }

  publish<T>(topic: Topic<T>, message: T): void {
    const p: Promise<void> = this.o.libp2p.services.pubsub.publish(topic.name, topic.codec.encode(message))
      .then(() => {}, (err: Error) => { this.o.log.debug({ err, topic: topic.name }, 'gossip not published') })
      .finally(() => { this.publishing.delete(p) })
    this.publishing.add(p)
  }

  /** Resolves once every message published so far has left (or failed): a leave's notice. */
  async flushed (): Promise<void> {
    await Promise.all([...this.publishing])
  }

  subscribe<T>(topic: Topic<T>, onMessage: (from: string, message: T) => void): Cancel {
    const pubsub = this.o.libp2p.services.pubsub
    const decoded = new WeakMap<Message, T>()
    pubsub.topicValidators.set(topic.name, (_source: PeerId, msg: Message): TopicValidatorResult => {
      // StrictSign already refused unsigned messages; this guards the type for the code below.
      if (msg.type !== 'signed') { this.o.onInvalid(topic.name, 'unsigned'); return TopicValidatorResult.Reject }
      let body: T
      try {
        body = topic.codec.decode(msg.data)
      } catch (err) {
        this.o.onInvalid(topic.name, rejectReason(err))
        return TopicValidatorResult.Reject
      }
      const reason = topic.check?.(msg.from.toString(), body)
      if (reason !== undefined) { this.o.onInvalid(topic.name, reason); return TopicValidatorResult.Reject }
      decoded.set(msg, body)
      return TopicValidatorResult.Accept
    })
    const listener = (evt: CustomEvent<Message>): void => {
      const msg = evt.detail
      if (msg.topic !== topic.name || msg.type !== 'signed') return
      const body = decoded.get(msg)
      if (body !== undefined) onMessage(msg.from.toString(), body)
    }
    pubsub.addEventListener('message', listener)
    pubsub.subscribe(topic.name)
    return () => {
      pubsub.removeEventListener('message', listener)
      try { pubsub.unsubscribe(topic.name) } catch {}
      pubsub.topicValidators.delete(topic.name)
    }
  }

  send<T>(channel: Channel<T>, to: string, message: T): void {
    this.channelFor(channel).send(to, channel.codec.encode(message))
  }

  listen<T>(channel: Channel<T>, onMessage: (from: string, message: T) => void): Cancel {
    const ch = this.channelFor(channel, (from, bytes) => {
      let body: T
      try {
        body = channel.codec.decode(bytes)
      } catch (err) {
        this.o.onInvalid(channel.name, rejectReason(err))
        return
      }
      onMessage(from, body)
    })
    this.track(ch.start())
    return () => { this.track(ch.stop()); this.channels.delete(channel.name) }
  }

  resetChannels (peer: string): void {
    for (const ch of this.channels.values()) ch.reset(peer)
  }

  request<Q, A>(protocol: Protocol<Q, A>, to: string, message: Q, options: RequestOptions, done: (answer: A | undefined, error?: Error) => void): void {
    let peer: PeerId
    try { peer = this.peerId(to) } catch (err) { done(undefined, err as Error); return }
    const call = async (): Promise<Uint8Array> => await request(this.o.libp2p, peer, protocol.name, protocol.request.encode(message),
      { timeoutMs: options.timeoutMs, maxResponseBytes: protocol.maxResponseBytes })
    const guarded = options.breaker === undefined ? call() : this.o.breakers.execute(to, options.breaker, call)
    guarded.then((bytes) => {
      let answer: A
      try { answer = protocol.response.decode(bytes) } catch (err) { done(undefined, err as Error); return }
      done(answer)
    }, (err: Error) => { done(undefined, err) })
  }

  serve<Q, A>(protocol: Protocol<Q, A>, handler: (from: string, message: Q, reply: (answer: A) => void, fail: (error: Error) => void) => void): Cancel {
    this.track(handle(this.o.libp2p, protocol.name, async (body, remote) => {
      let req: Q
      try {
        req = protocol.request.decode(body)
      } catch (err) {
        this.o.onInvalid(protocol.name, rejectReason(err))
        throw err
      }
      return await new Promise<Uint8Array>((resolve, reject) => {
        handler(remote.toString(), req, (answer) => { resolve(protocol.response.encode(answer)) }, reject)
      })
    }, { maxRequestBytes: protocol.maxRequestBytes, timeoutMs: this.o.dialTimeoutMs }))
    return () => { this.track(this.o.libp2p.unhandle(protocol.name)) }
  }

  ping (peer: string, timeoutMs: number, done: (reachable: boolean) => void): void {
    let id: PeerId
    try { id = this.peerId(peer) } catch { done(false); return }
    this.o.breakers.execute(peer, 'probe', async () => await this.o.libp2p.services.ping.ping(id, { signal: AbortSignal.timeout(timeoutMs) }))
      .then(() => { done(true) }, () => { done(false) })
  }

  isConnected (peer: string): boolean {
    try { return this.o.libp2p.getConnections(this.peerId(peer)).length > 0 } catch { return false }
  }

  onPeerLost (listener: (peer: string) => void): Cancel {
    const onDisconnect = (evt: CustomEvent<PeerId>): void => { listener(evt.detail.toString()) }
    this.o.libp2p.addEventListener('peer:disconnect', onDisconnect)
    return () => { this.o.libp2p.removeEventListener('peer:disconnect', onDisconnect) }
  }

  /** Stops every channel (their streams end; queued messages are dropped). */
  async stop (): Promise<void> {
    await Promise.allSettled([...this.channels.values()].map(async (ch) => { await ch.stop() }))
    this.channels.clear()
    await this.settled()
  }

  private channelFor<T> (channel: Channel<T>, onMessage?: (from: string, bytes: Uint8Array) => void): MessageChannel {
    let ch = this.channels.get(channel.name)
    if (ch !== undefined && onMessage === undefined) return ch
    if (ch !== undefined) throw new Error(`${channel.name} is listened to twice`)
    const name = channel.name.split('/').at(-2) ?? channel.name
    ch = new MessageChannel(this.o.libp2p, {
      protocol: channel.name,
      maxMessageBytes: channel.maxBytes,
      maxQueuedPerPeer: MAX_QUEUED_PER_PEER,
      dialTimeoutMs: this.o.dialTimeoutMs,
      ...(this.o.channelIdleCloseMs === undefined || this.o.channelIdleCloseMs === 0 ? {} : { idleCloseMs: this.o.channelIdleCloseMs }),
      onMessage: onMessage ?? (() => {}),
      ...(channel.breaker === undefined ? {} : { guard: this.o.breakers.guard(channel.breaker) }),
      name,
      onDrop: (_peer, reason, n) => { this.o.onChannelDrop?.(name, reason, n) }
    }, this.o.log)
    this.channels.set(channel.name, ch)
    return ch
  }

  private track (p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => { this.o.log.warn({ err }, 'transport registration failed') })
      .finally(() => { this.pending.delete(tracked) })
    this.pending.add(tracked)
  }

  private peerId (id: string): PeerId {
    let p = this.peerIds.get(id)
    if (p === undefined) {
      p = peerIdFromString(id)
      if (this.peerIds.size >= 4096) this.peerIds.clear()
      this.peerIds.set(id, p)
    }
    return p
  }
}
