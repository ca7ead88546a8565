/**
 * The simulated network: who reaches whom (the partition), how long a message takes (a per-link
 * base latency plus per-message jitter), and what goes wrong on the way (loss, duplication,
 * reordering). It decides; the simulation schedules. Every draw comes from the network's own
 * seeded stream, in the order the simulation asks, so a seed replays exactly.
 *
 * Gossip (membership heartbeats and notices go over gossipsub in the node) is relayed: a node
 * that reaches neither the sender directly still gets the message through a group both reach,
 * one hop later, as long as that group has a node up to forward it. Point-to-point messages
 * (election streams, probes, state syncs) need a direct link.
 */
import { fullyConnected, type Partition } from './partitions.js'
import type { Rng } from './random.js'

export interface NetworkOptions {
  /** Smallest one-way latency of any link, ms. */
  baseMs: number
  /** Links differ: each pair's base is baseMs + a fixed per-link share of [0, baseSpreadMs), ms. */
  baseSpreadMs: number
  /** Mean of the exponential per-message jitter added to the link's base, ms (capped at 10×). */
  jitterMeanMs: number
  /** Probability that one delivery is lost. */
  loss: number
  /** Probability that one delivery arrives twice (the copy with its own latency). */
  duplicate: number
  /** Probability that one delivery is held back by up to `reorderMaxMs` more, overtaken by later ones. */
  reorder: number
  reorderMaxMs: number
}

export const NETWORK_DEFAULTS: Readonly<NetworkOptions> = Object.freeze({
  baseMs: 1,
  baseSpreadMs: 4,
  jitterMeanMs: 2,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderMaxMs: 50
})

/** A delivery: `lost`, or the delay of the first copy and, when duplicated, of the second (else -1). */
export interface Delivery { lost: boolean, delayMs: number, copyDelayMs: number }

export class Network {
  options: NetworkOptions
  private current: Partition
  private readonly rng: Rng
  private readonly n: number
  /** Per group: how many of its nodes are up and running (not crashed, not paused), to relay gossip. */
  private relays: number[] = [0]
  private readonly upNode: Uint8Array
  /** Gossip hop counts between groups, recomputed when the partition or a group's relays change. */
  private hopsCache: number[][] | null = null
  /**
   * The network's stream, drawn a block at a time (same values, same order): a call per draw
   * would return a boxed number, on the path of every delivery.
   */
  private readonly block = new Float64Array(1024)
  private blockAt = 1024

  constructor (n: number, rng: Rng, options: NetworkOptions = NETWORK_DEFAULTS) {
    this.n = n
    this.rng = rng
    this.options = { ...options }
    this.current = fullyConnected(n)
    this.upNode = new Uint8Array(n)
  }

  get partition (): Partition { return this.current }
  get partitionLabel (): string { return this.current.label }
  get isPartitioned (): boolean { return this.current.linked.length > 1 }

  setPartition (p: Partition): void {
    this.current = p
    this.relays = p.linked.map(() => 0)
    for (let i = 0; i < this.n; i++) if (this.upNode[i] === 1) this.relays[p.groupOf[i]!]!++
    this.hopsCache = null
  }

  /** The simulation reports each node that starts or stops running (crash, pause, restart). */
  setRunning (node: number, running: boolean): void {
    const v = running ? 1 : 0
    if (this.upNode[node] === v) return
    this.upNode[node] = v
    const g = this.current.groupOf[node]!
    const before = this.relays[g]!
    this.relays[g] = before + (running ? 1 : -1)
    if ((before === 0) !== (this.relays[g] === 0)) this.hopsCache = null
  }

  /** A direct link: point-to-point messages need one. */
  linked (a: number, b: number): boolean {
    const g = this.current.groupOf
    return this.current.linked[g[a]!]![g[b]!]!
  }

  /** Gossip hops from a to b: 1 over a direct link, more through relaying groups, Infinity if cut off. */
  gossipHops (a: number, b: number): number {
    const g = this.current.groupOf
    const ga = g[a]!; const gb = g[b]!
    if (this.current.linked[ga]![gb]!) return 1
    this.hopsCache ??= this.computeHops()
    return this.hopsCache[ga]![gb]!
  }

  /** One message from a to b: lost, or its delay (and a duplicate's). Draws from the network's stream. */
  deliver (a: number, b: number, hops = 1): Delivery {
    const o = this.options
    if (o.loss > 0 && this.draw() < o.loss) return { lost: true, delayMs: -1, copyDelayMs: -1 }
    const delayMs = this.delay(a, b, hops)
    const copyDelayMs = o.duplicate > 0 && this.draw() < o.duplicate ? this.delay(a, b, hops) : -1
    return { lost: false, delayMs, copyDelayMs }
  }

  /** The one-way delay of one message over `hops` links, whole ms >= 1. */
  delay (a: number, b: number, hops = 1): number {
    const o = this.options
    // The link's fixed share of the spread (some links are slower than others), per unordered
    // pair; computed here rather than in a function of its own, whose fractional result was boxed.
    let share = 0
    if (o.baseSpreadMs > 0) {
      const lo = a < b ? a : b; const hi = a < b ? b : a
      const h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(hi, 0xc2b2ae35)
      share = ((h >>> 0) % 1000) / 1000 * o.baseSpreadMs
    }
    let ms = 0
    for (let h = 0; h < hops; h++) {
      const jitter = o.jitterMeanMs > 0 ? Math.min(-Math.log(1 - this.draw()) * o.jitterMeanMs, 10 * o.jitterMeanMs) : 0
      ms += o.baseMs + share + jitter
    }
    if (o.reorder > 0 && this.draw() < o.reorder) ms += this.draw() * o.reorderMaxMs
    // A small int (| 0): a float result would be boxed when passed on to a call not inlined.
    return Math.max(1, Math.round(ms)) | 0
  }

  /** The next float of the network's stream (small enough to be inlined: a float returned from a call that is not is boxed). */
  private draw (): number {
    if (this.blockAt === this.block.length) this.refill()
    return this.block[this.blockAt++]!
  }

  private refill (): void {
    this.rng.fill(this.block)
    this.blockAt = 0
  }

  /** BFS over groups: a message crosses a group only if one of its nodes runs to forward it. */
  private computeHops (): number[][] {
    const { linked } = this.partition
    const G = linked.length
    return linked.map((_, src) => {
      const dist = new Array<number>(G).fill(Infinity)
      dist[src] = 0
      const queue = [src]
      while (queue.length > 0) {
        const g = queue.shift()!
        // The source forwards its own message; any other group needs a running node.
        if (g !== src && this.relays[g] === 0) continue
        for (let h = 0; h < G; h++) {
          if (h !== g && linked[g]![h]! && dist[h] === Infinity) { dist[h] = dist[g]! + 1; queue.push(h) }
        }
      }
      for (let h = 0; h < G; h++) if (h !== src && linked[src]![h]!) dist[h] = 1
      dist[src] = 1
      return dist
    })
  }
}
