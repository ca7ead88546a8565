/**
 * The transport seam (@kos/core's transport/transport.ts) on the simulated network: what the
 * node's libp2p transport does with gossipsub, streams and pings, done with `NodeHost`'s
 * messages, delays and faults on the virtual clock. Messages travel as values (no codec runs:
 * the simulator checks protocols, not encodings) and are charged the bytes `sizeOf` gives them.
 *
 * A shell's topics, channels and protocols all travel under its core's name; the envelope says
 * which one a message is for. A topic's `check` runs on the receiver, as gossipsub's validator
 * does, and a message it refuses is dropped.
 */
import type { Cancel, Channel, Protocol, RequestOptions, Timers, Topic, Transport } from '@kos/core'
import type { CoreAdapter, NodeHost } from './core-adapter.js'

/** What travels on the simulated network for a shell. */
export type SimEnvelope =
  | { ch: string, m: unknown }
  | { ch: string, req: number, m: unknown }
  | { ch: string, res: number, m: unknown, error?: string }

type Handler = (from: string, message: unknown) => void
type Server = (from: string, message: unknown, reply: (answer: unknown) => void, fail: (error: Error) => void) => void

/** Bytes a message of a topic, channel or protocol (by name) occupies on the wire. */
export type SizeOf = (name: string, message: unknown) => number

export class SimTransport implements Transport {
  readonly selfId: string
  private readonly host: NodeHost
  private readonly core: string
  private readonly sizeOf: SizeOf
  private readonly handlers = new Map<string, Handler>()
  private readonly servers = new Map<string, Server>()
  private readonly calls = new Map<number, (answer: unknown, error?: Error) => void>()
  private readonly lost: Array<(peer: string) => void> = []
  private nextCall = 1

  constructor (host: NodeHost, core: string, sizeOf: SizeOf) {
    this.host = host
    this.core = core
    this.sizeOf = sizeOf
    this.selfId = host.id
  }

  publish<T>(topic: Topic<T>, message: T): void {
    this.host.broadcast(this.core, { ch: topic.name, m: message } satisfies SimEnvelope, this.sizeOf(topic.name, message))
  }

  subscribe<T>(topic: Topic<T>, onMessage: (from: string, message: T) => void): Cancel {
    const check = topic.check
    return this.on(topic.name, check === undefined
      ? onMessage as Handler
      : (from, m) => { if (check(from, m as T) === undefined) onMessage(from, m as T) })
  }

  send<T>(channel: Channel<T>, to: string, message: T): void {
    this.host.send(to, this.core, { ch: channel.name, m: message } satisfies SimEnvelope, this.sizeOf(channel.name, message))
  }

  listen<T>(channel: Channel<T>, onMessage: (from: string, message: T) => void): Cancel {
    return this.on(channel.name, onMessage as Handler)
  }

  /** A simulated link has no stream to reset. */
  resetChannels (): void {}

  request<Q, A>(protocol: Protocol<Q, A>, to: string, message: Q, options: RequestOptions, done: (answer: A | undefined, error?: Error) => void): void {
    const id = this.nextCall++
    let settled = false
    const finish = (answer: unknown, error?: Error): void => {
      if (settled) return
      settled = true
      this.calls.delete(id)
      done(answer as A | undefined, error)
    }
    this.calls.set(id, finish)
    this.host.after(options.timeoutMs, () => { finish(undefined, new Error(`${protocol.name} timed out after ${options.timeoutMs} ms`)) })
    this.host.send(to, this.core, { ch: protocol.name, req: id, m: message } satisfies SimEnvelope, this.sizeOf(protocol.name, message))
  }

  serve<Q, A>(protocol: Protocol<Q, A>, handler: (from: string, message: Q, reply: (answer: A) => void, fail: (error: Error) => void) => void): Cancel {
    this.servers.set(protocol.name, handler as Server)
    return () => { this.servers.delete(protocol.name) }
  }

  ping (peer: string, timeoutMs: number, done: (reachable: boolean) => void): void {
    this.host.probe(peer, [], timeoutMs, done)
  }

  isConnected (): boolean { return true }

  onPeerLost (listener: (peer: string) => void): Cancel {
    this.lost.push(listener)
    return () => { const i = this.lost.indexOf(listener); if (i >= 0) this.lost.splice(i, 1) }
  }

  /** A message for this shell from the network. */
  receive (from: string, message: unknown): void {
    const env = message as SimEnvelope
    if ('req' in env) {
      const server = this.servers.get(env.ch)
      if (server === undefined) return
      const answer = (m: unknown, error?: string): void => {
        const res: SimEnvelope = error === undefined ? { ch: env.ch, res: env.req, m } : { ch: env.ch, res: env.req, m, error }
        this.host.send(from, this.core, res, this.sizeOf(env.ch, m))
      }
      server(from, env.m, (a) => { answer(a) }, (err) => { answer(undefined, err.message) })
    } else if ('res' in env) {
      this.calls.get(env.res)?.(env.m, env.error === undefined ? undefined : new Error(env.error))
    } else {
      this.handlers.get(env.ch)?.(from, env.m)
    }
  }

  /** The link to `peer` closed. */
  peerLost (peer: string): void {
    for (let i = 0; i < this.lost.length; i++) this.lost[i]!(peer)
  }

  private on (name: string, handler: Handler): Cancel {
    this.handlers.set(name, handler)
    return () => { if (this.handlers.get(name) === handler) this.handlers.delete(name) }
  }
}

/** The simulator's timers for a shell: periodic timers start at a random phase, as independent processes' would. */
export function simTimers (host: NodeHost): Timers {
  return {
    clock: host.clock,
    every: (ms, fn) => {
      let on = true
      host.every(ms, Math.floor(host.random() * ms) + 1, () => { if (on) fn() })
      return () => { on = false }
    },
    after: (ms, fn) => {
      let on = true
      host.after(ms, () => { if (on) fn() })
      return () => { on = false }
    },
    soon: (fn) => { host.after(0, fn) }
  }
}

/** A shell's place in a simulated process: the network's deliveries go to its transport. */
export class ShellAdapter implements CoreAdapter {
  readonly name: string
  readonly transport: SimTransport
  private readonly onStart: () => void

  constructor (name: string, transport: SimTransport, onStart: () => void) {
    this.name = name
    this.transport = transport
    this.onStart = onStart
  }

  start (): void { this.onStart() }
  receive (from: string, message: unknown): void { this.transport.receive(from, message) }
  peerLost (peer: string): void { this.transport.peerLost(peer) }
}
