/**
 * Group commit: many callers
 * each need a synced write, and one fsync costs about as much as one per caller. So submissions
 * queue while a write is in flight and the next write takes them all, up to `maxBatch`. Issue #4:
 * "an append is acknowledged only after a synced write, with writes grouped in batches".
 *
 * - `submit` resolves only after the batch holding the item was flushed, with that item's result.
 * - A flush starts on the next microtask, so a synchronous burst lands in one batch; while it
 *   runs, new items wait for the next one. No timers: the promise chain is the scheduler.
 * - The queue is bounded: past `maxQueue` waiting items, `submit` rejects with the error from
 *   `onFull` at once, so overload is visible and never buffers without limit.
 * - If `flush` throws, every item of that batch rejects with the error; later batches still run.
 */

export interface GroupCommitOptions<I = unknown> {
  /** Items per flush, counted by `weight`; an item heavier than this is flushed alone. */
  maxBatch: number
  /** Items waiting (not yet in a flush), counted by `weight`, before `submit` refuses. */
  maxQueue: number
  /** What an item counts for (a group of entries: its length). @default 1 */
  weight?: (item: I) => number
  /** The error a refused submission rejects with. */
  onFull: (queued: number) => Error
}

interface Waiter<I, R> { item: I, resolve: (r: R) => void, reject: (err: unknown) => void }

export class GroupCommit<I, R> {
  private readonly flushBatch: (items: I[]) => Promise<R[]>
  private readonly opts: GroupCommitOptions<I>
  private readonly weight: (item: I) => number
  private queue: Array<Waiter<I, R>> = []
  private queuedWeight = 0
  private running: Promise<void> | null = null
  private flushes = 0

  /** `flush` writes the batch and returns one result per item, in order. */
  constructor (flush: (items: I[]) => Promise<R[]>, opts: GroupCommitOptions<I>) {
    for (const k of ['maxBatch', 'maxQueue'] as const) {
      if (!Number.isSafeInteger(opts[k]) || opts[k] < 1) throw new RangeError(`${k} must be a positive integer, got ${opts[k]}`)
    }
    this.flushBatch = flush
    this.opts = opts
    this.weight = opts.weight ?? (() => 1)
  }

  submit (item: I): Promise<R> {
    const w = this.weight(item)
    if (this.queuedWeight > 0 && this.queuedWeight + w > this.opts.maxQueue) return Promise.reject(this.opts.onFull(this.queuedWeight))
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      this.queuedWeight += w
      if (this.running === null) this.running = Promise.resolve().then(async () => { await this.run() })
    })
  }

  /** Items waiting for a flush (not counting the one in flight), counted by weight. */
  get queued (): number {
    return this.queuedWeight
  }

  /** Flushes started so far. */
  get batches (): number {
    return this.flushes
  }

  /** Resolves once nothing is queued or in flight. */
  async drain (): Promise<void> {
    while (this.running !== null) await this.running
  }

  private async run (): Promise<void> {
    try {
      while (this.queue.length > 0) {
        let n = 0
        let w = 0
        while (n < this.queue.length && (n === 0 || w + this.weight((this.queue[n] as Waiter<I, R>).item) <= this.opts.maxBatch)) {
          w += this.weight((this.queue[n] as Waiter<I, R>).item)
          n++
        }
        const batch = this.queue.splice(0, n)
        this.queuedWeight -= w
        this.flushes++
        try {
          const results = await this.flushBatch(batch.map((w) => w.item))
          if (results.length !== batch.length) throw new Error(`flush returned ${results.length} results for ${batch.length} items`)
          batch.forEach((w, i) => { w.resolve(results[i] as R) })
        } catch (err) {
          for (const w of batch) w.reject(err)
        }
      }
    } finally {
      this.running = null
    }
  }
}
