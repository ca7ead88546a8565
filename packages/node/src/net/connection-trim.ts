/**
 * Which connections a node closes: those to peers outside the set it keeps (kept-peers.ts: its
 * monitors and the members it monitors, the voters if it votes), once they have carried
 * nothing for a while. Protocols that talk to a peer only now and then (push/pull, audit
 * anti-entropy and acks, probes, a join's sync, escalation) dial on demand and would otherwise
 * leave a connection open forever: over time, one to every member.
 *
 * libp2p's own pruner cannot do it: it acts only above `maxConnections`, refuses inbound
 * connections at the cap, and never closes a connection with a stream open other than
 * identify's, while gossipsub keeps one open to every connected peer. So connections are judged
 * here by their streams: gossipsub's and identify's do not count as use; any other (a message
 * channel, a request in flight, one still negotiating) does. The decision is a pure function of
 * the connections, the kept set and the time; `ConnectionTrimmer` runs it on a timer.
 */
import type { Connection } from '@libp2p/interface'
import type { Logger } from 'pino'

/** Streams that are open on every connection and say nothing of its use. */
export const IDLE_PROTOCOLS: ReadonlySet<string> = new Set([
  '/meshsub/1.0.0', '/meshsub/1.1.0', '/meshsub/1.2.0', '/floodsub/1.0.0',
  '/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0'
])

/** What the decision needs of one connection. */
export interface ConnectionFacts {
  id: string
  peer: string
  /** Monotonic ms since when it has been unused (`inUse` false), as far as anyone looked; now if in use. */
  idleSinceMs: number
  /** The protocols of its open streams (undefined: still negotiating). */
  streams: ReadonlyArray<string | undefined>
}

/** True if a stream other than gossipsub's or identify's is open on it. */
export function inUse (c: ConnectionFacts): boolean {
  return c.streams.some((p) => p === undefined || !IDLE_PROTOCOLS.has(p))
}

/**
 * The connections to close at `nowMs`: those unused for `idleMs` at least (a new connection
 * counts as unused from when it was first seen, so a dial whose stream is not open yet is not
 * closed under it). A peer outside `keep` loses all its connections once every one has been
 * unused that long: one in use protects all of them, as closing a connection gossipsub writes on
 * while another remains would leave gossipsub with a dead stream. A kept peer with more than
 * one connection (both sides dialled at once) loses those that carried no stream at all that long.
 */
export function connectionsToClose (conns: readonly ConnectionFacts[], keep: ReadonlySet<string>, nowMs: number, idleMs: number): string[] {
  const byPeer = new Map<string, ConnectionFacts[]>()
  for (const c of conns) {
    const list = byPeer.get(c.peer)
    if (list === undefined) byPeer.set(c.peer, [c]); else list.push(c)
  }
  const out: string[] = []
  for (const [peer, list] of byPeer) {
    const old = list.filter((c) => !inUse(c) && nowMs - c.idleSinceMs >= idleMs)
    if (!keep.has(peer)) {
      if (old.length === list.length) out.push(...list.map((c) => c.id))
      continue
    }
    const empty = old.filter((c) => c.streams.length === 0)
    // At least one connection to a kept peer stays: the busiest (an empty one only if all are).
    const spare = list.length - empty.length > 0 ? empty : empty.slice(1)
    out.push(...spare.map((c) => c.id))
  }
  return out
}

export interface ConnectionTrimmerInit {
  /** Every open connection (libp2p's getConnections()). */
  connections: () => Connection[]
  /** The peers whose connections are kept; null: keep every connection (no bounded ring yet). */
  keep: () => ReadonlySet<string> | null
  /** A connection outside the kept set is closed once it carried nothing for this long. */
  idleMs: number
  /** Monotonic ms. */
  now: () => number
  log: Logger
}

/**
 * Runs `connectionsToClose` every `idleMs / 2`. A connection's idle time is measured from the
 * first pass that saw it unused, so one used a moment ago gets `idleMs` more: it is closed
 * between `idleMs` and 1.5 × `idleMs` after the pass that first found it unused.
 */
export class ConnectionTrimmer {
  private readonly o: ConnectionTrimmerInit
  private timer: NodeJS.Timeout | undefined
  /** Per connection id: when a pass first saw it unused (monotonic ms); a use forgets it. */
  private readonly idleSince = new Map<string, number>()
  private closedCount = 0

  constructor (init: ConnectionTrimmerInit) { this.o = init }

  /** Connections closed so far (the `kos_connections_trimmed_total` metric). */
  get closed (): number { return this.closedCount }

  start (): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => { this.pass() }, Math.max(100, Math.round(this.o.idleMs / 2)))
    this.timer.unref()
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    this.idleSince.clear()
  }

  /** One pass: closes the idle connections outside the kept set. */
  pass (): void {
    const keep = this.o.keep()
    if (keep === null) return
    const now = this.o.now()
    const conns = this.o.connections().filter((c) => c.status === 'open')
    const seen = new Set<string>()
    const facts: ConnectionFacts[] = conns.map((c) => {
      const streams = c.streams.map((s) => s.protocol)
      const f: ConnectionFacts = { id: c.id, peer: c.remotePeer.toString(), idleSinceMs: now, streams }
      seen.add(c.id)
      if (inUse(f)) this.idleSince.delete(c.id)
      else {
        const since = this.idleSince.get(c.id)
        if (since === undefined) this.idleSince.set(c.id, now); else f.idleSinceMs = since
      }
      return f
    })
    for (const id of this.idleSince.keys()) if (!seen.has(id)) this.idleSince.delete(id)
    const close = new Set(connectionsToClose(facts, keep, now, this.o.idleMs))
    if (close.size === 0) return
    for (const c of conns) {
      if (!close.has(c.id)) continue
      this.idleSince.delete(c.id)
      this.closedCount++
      c.close().catch((err: Error) => { c.abort(err) })
    }
    this.o.log.debug({ closed: close.size, open: conns.length - close.size }, 'idle connections outside the kept set closed')
  }
}
