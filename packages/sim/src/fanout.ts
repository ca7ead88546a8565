/**
 * The receivers of gossip fan-outs, grouped by delay, in reused buffers.
 *
 * Every node's heartbeat reaches every other node each second: at 1,000 nodes, a thousand
 * fan-outs a simulated second, each split into a dozen or two delays. Held in fresh arrays, the
 * receiver lists were the largest source of garbage, and, alive while in flight, they were
 * copied by the young-generation collector and often promoted, which made its pauses long. Here
 * one fan-out's receivers go into one pooled buffer, sorted by delay (a counting sort, stable: in
 * index order within a delay, as they were drawn), and each delay's event holds a range of it.
 * The buffer goes back to the pool once all its events have been delivered.
 */
export class FanoutBuffers {
  private readonly n: number
  /** Per receiver: its delay in the fan-out being drawn, -1 if it gets nothing. */
  private readonly delayOf: Int32Array
  /** Per delay: receivers drawn with it, then where its range starts. */
  private counts = new Int32Array(64)
  /** The delays of the fan-out being drawn, in the order first drawn. */
  readonly delays: number[] = []
  /** After `finish`: where each delay's range of receivers ends in the buffer. */
  readonly ends: number[] = []
  /** After `finish`: the buffer its receivers went into. */
  buffer = -1
  private used = 0
  private readonly buffers: Int32Array[] = []
  /** Per buffer: the events of its fan-out not delivered yet. */
  private readonly pending: number[] = []
  private readonly free: number[] = []

  constructor (n: number) {
    this.n = n
    this.delayOf = new Int32Array(n).fill(-1)
  }

  /** Receiver `to` gets the fan-out being drawn after `delayMs` (whole ms >= 0); each receiver once. */
  add (to: number, delayMs: number): void {
    if (delayMs >= this.counts.length) {
      const grown = new Int32Array(Math.max(delayMs + 1, this.counts.length * 2))
      grown.set(this.counts)
      this.counts = grown
    }
    if (this.counts[delayMs] === 0) this.delays[this.used++] = delayMs
    this.counts[delayMs]!++
    this.delayOf[to] = delayMs
  }

  /**
   * Ends the fan-out being drawn and returns how many delays it has (0: no receiver). Its
   * receivers are then in buffer `buffer`; delay g (in the order first drawn) is `delays[g]`,
   * its receivers from `ends[g - 1]` (0 for the first) to `ends[g]`. Each delay's event must
   * later call `delivered(buffer)` once.
   */
  finish (): number {
    const groups = this.used
    if (groups === 0) return 0
    const id = this.free.pop() ?? this.newBuffer()
    const buffer = this.buffers[id]!
    const counts = this.counts
    const delays = this.delays
    // Each delay's count becomes where its range starts, then, as receivers go in, where it ends.
    let start = 0
    for (let g = 0; g < groups; g++) {
      const d = delays[g]!
      const c = counts[d]!
      counts[d] = start
      start += c
    }
    const delayOf = this.delayOf
    for (let to = 0; to < this.n; to++) {
      const d = delayOf[to]!
      if (d < 0) continue
      buffer[counts[d]!++] = to
      delayOf[to] = -1
    }
    for (let g = 0; g < groups; g++) {
      const d = delays[g]!
      this.ends[g] = counts[d]!
      counts[d] = 0
    }
    this.pending[id] = groups
    this.buffer = id
    this.used = 0
    return groups
  }

  receivers (buffer: number): Int32Array { return this.buffers[buffer]! }

  /** One event of the buffer's fan-out was delivered; the last one frees the buffer. */
  delivered (buffer: number): void {
    if (--this.pending[buffer]! === 0) this.free.push(buffer)
  }

  private newBuffer (): number {
    this.buffers.push(new Int32Array(this.n))
    this.pending.push(0)
    return this.buffers.length - 1
  }
}
