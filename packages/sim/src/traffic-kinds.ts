/**
 * Wire bytes and messages by kind of message, for the report's breakdown of where a node's
 * traffic goes. A kind is the channel, topic or protocol a message travels on (with `request` or
 * `response` for a protocol's two halves), or `ping` for the probes' pings: what the simulated
 * transport puts in its envelope (sim-transport.ts), read without knowing any core.
 */
export interface KindTotals { sentMsgs: number, sentBytes: number, receivedMsgs: number, receivedBytes: number }

export interface TrafficByKind {
  /** Per kind: per node per second, like the summary's totals. */
  [kind: string]: { sentBytesPerNodePerSec: number, receivedBytesPerNodePerSec: number, receivedMsgsPerNodePerSec: number }
}

export class TrafficKinds {
  private readonly totals = new Map<string, KindTotals>()
  /** Per kind: bytes each node sent, to say what the busiest sender sends. */
  private readonly sentByNode = new Map<string, Float64Array>()
  private readonly nodes: number

  constructor (nodes: number) { this.nodes = nodes }

  /** The kind of a core's message: its envelope's channel, and which half of a request it is. */
  static kindOf (core: string, message: unknown): string {
    const env = message as { ch?: unknown, req?: unknown, res?: unknown } | null
    if (env === null || typeof env !== 'object' || typeof env.ch !== 'string') return core
    return env.req !== undefined ? `${env.ch} request` : env.res !== undefined ? `${env.ch} response` : env.ch
  }

  /** `node` sent them (its index). */
  sent (kind: string, node: number, msgs: number, bytes: number): void {
    this.sentTotals(kind, msgs, bytes)
    this.sentPerNode(kind)[node]! += bytes
  }

  /** Sent bytes of `kind` without the node: the caller adds each node's to `sentPerNode(kind)` (a fan-out's loop). */
  sentTotals (kind: string, msgs: number, bytes: number): void {
    const t = this.of(kind)
    t.sentMsgs += msgs
    t.sentBytes += bytes
  }

  sentPerNode (kind: string): Float64Array {
    let perNode = this.sentByNode.get(kind)
    if (perNode === undefined) { perNode = new Float64Array(this.nodes); this.sentByNode.set(kind, perNode) }
    return perNode
  }

  /** What node `node` sent, per second by kind, largest first. */
  sentBy (node: number, seconds: number): Record<string, number> {
    const out: Record<string, number> = {}
    const kinds = [...this.sentByNode.entries()].filter(([, b]) => b[node]! > 0).sort((a, b) => b[1][node]! - a[1][node]!)
    for (const [kind, b] of kinds) out[kind] = Math.round(b[node]! / seconds)
    return out
  }

  received (kind: string, msgs: number, bytes: number): void {
    const t = this.of(kind)
    t.receivedMsgs += msgs
    t.receivedBytes += bytes
  }

  /** Per node per second, the kinds by received bytes, largest first. */
  summary (nodes: number, seconds: number): TrafficByKind {
    const per = (x: number): number => Math.round(x / nodes / seconds * 10) / 10
    const out: TrafficByKind = {}
    const kinds = [...this.totals.entries()].sort((a, b) => b[1].receivedBytes - a[1].receivedBytes)
    for (const [kind, t] of kinds) {
      out[kind] = { sentBytesPerNodePerSec: per(t.sentBytes), receivedBytesPerNodePerSec: per(t.receivedBytes), receivedMsgsPerNodePerSec: per(t.receivedMsgs) }
    }
    return out
  }

  private of (kind: string): KindTotals {
    let t = this.totals.get(kind)
    if (t === undefined) { t = { sentMsgs: 0, sentBytes: 0, receivedMsgs: 0, receivedBytes: 0 }; this.totals.set(kind, t) }
    return t
  }
}
