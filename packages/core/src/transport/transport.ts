/**
 * The transport seam (docs/design/overview.md): everything a shell asks of the network, and
 * nothing of libp2p. The node implements it on libp2p (gossipsub topics, length-prefixed
 * streams, per-peer breakers: packages/node/src/net/libp2p-transport.ts); the simulator on its
 * simulated network and virtual clock. The shells in this package run unchanged on both.
 *
 * Messages cross it as typed values. Each kind of message names its codec, so the libp2p
 * transport encodes, bounds and decodes it at the edge (a message that fails to decode never
 * reaches a shell; the transport counts it), while the simulator passes the value itself and
 * charges its size.
 *
 * Every call is callback-based, never a Promise: the simulator runs a whole cluster in one
 * synchronous event loop, where a promise's continuation would run only after the run ended.
 * Callbacks must not throw; a shell's callback that does is the shell's bug.
 */
import type { Clock } from '@kos/detect'

/** Bytes and back; `decode` throws (MessageDecodeError) on anything it would not accept. */
export interface Codec<T> {
  encode: (message: T) => Uint8Array
  decode: (bytes: Uint8Array) => T
}

/** Why a transport refused a message before any shell saw it (a metrics label). */
export type RejectReason = 'oversized' | 'malformed' | 'schema' | 'version' | 'unsigned' | 'forged'

/**
 * A gossip topic: reaches every member, signed by its sender, never delivered twice. `check`
 * runs before delivery and forwarding: a message it refuses is dropped and its forwarder scored
 * down (gossipsub's peer scoring).
 */
export interface Topic<T> {
  /** The topic's name on the wire, namespaced by cluster: `kos/<cluster>/heartbeat/1`. */
  readonly name: string
  readonly codec: Codec<T>
  readonly check?: (from: string, message: T) => RejectReason | undefined
}

/**
 * A point-to-point message channel: best-effort, in order per peer, with a bounded queue per
 * peer; a message queued while the link breaks is lost, and the protocol above retries.
 */
export interface Channel<T> {
  /** The protocol id: `/kos/<cluster>/election/1.0.0`. */
  readonly name: string
  readonly codec: Codec<T>
  /** The largest message the channel carries, in bytes (the codec refuses larger ones too). */
  readonly maxBytes: number
  /** Which breaker of the peer opening the channel runs through. */
  readonly breaker?: BreakerName
}

/** One request, one response, with a deadline and size limits on both sides. */
export interface Protocol<Q, A> {
  readonly name: string
  readonly request: Codec<Q>
  readonly response: Codec<A>
  readonly maxRequestBytes: number
  readonly maxResponseBytes: number
}

/** The per-peer circuit breakers a call may run through (the node's net/peer-breakers.ts). */
export type BreakerName = 'probe' | 'sync' | 'election' | 'audit' | 'escalation'

export interface RequestOptions {
  timeoutMs: number
  /** The peer's breaker the call runs through; none: unguarded (a join over a fresh link). */
  breaker?: BreakerName
}

/** Undoes a registration or a timer. Idempotent. */
export type Cancel = () => void

export interface Transport {
  /** This node's peer id. */
  readonly selfId: string
  publish: <T>(topic: Topic<T>, message: T) => void
  subscribe: <T>(topic: Topic<T>, onMessage: (from: string, message: T) => void) => Cancel
  send: <T>(channel: Channel<T>, to: string, message: T) => void
  listen: <T>(channel: Channel<T>, onMessage: (from: string, message: T) => void) => Cancel
  /** Forgets the channels' state for `peer` (its link closed): the next send opens afresh. */
  resetChannels: (peer: string) => void
  /** `done(answer)` on success, `done(undefined, error)` on refusal, timeout or an open breaker. */
  request: <Q, A>(protocol: Protocol<Q, A>, to: string, message: Q, options: RequestOptions, done: (answer: A | undefined, error?: Error) => void) => void
  /** Serves a protocol; the handler answers through `reply`, or `fail` to abort the exchange. */
  serve: <Q, A>(protocol: Protocol<Q, A>, handler: (from: string, message: Q, reply: (answer: A) => void, fail: (error: Error) => void) => void) => Cancel
  /** A round trip to `peer` within `timeoutMs`, through its `probe` breaker. */
  ping: (peer: string, timeoutMs: number, done: (reachable: boolean) => void) => void
  /** Whether a link to the peer is open now. */
  isConnected: (peer: string) => boolean
  /** The link to a peer closed (it crashed, left, or the path broke). */
  onPeerLost: (listener: (peer: string) => void) => Cancel
}

/**
 * The shells' timers, injected like the clock: the node's are setInterval and setTimeout; the
 * simulator's run on its virtual clock (and start each periodic timer at its own random phase,
 * as independent processes would).
 */
export interface Timers {
  readonly clock: Clock
  /** `fn` every `ms`, the first in about `ms`. */
  every: (ms: number, fn: () => void) => Cancel
  after: (ms: number, fn: () => void) => Cancel
  /** `fn` after the input already queued (setImmediate): a late tick runs behind it. */
  soon: (fn: () => void) => void
}

/** What a shell logs: a structured object and a message (pino's signature). */
export interface ShellLog {
  debug: (obj: object, msg: string) => void
  info: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

/** A log that drops everything (the simulator's). */
export const SILENT_LOG: ShellLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
