/**
 * Which members may need the tick's attention: lower bounds ("nothing can be due for this member
 * before t"), so that a tick looks at the few members whose bound has passed instead of
 * evaluating every detector (1,000 peers, ten ticks a second).
 *
 * Entries are lazy, as in a timer wheel with cancellation by generation: each item carries the
 * key of its live entry (`queuedAtMs`); scheduling earlier adds a new entry and leaves the old
 * one stale, scheduling later does nothing (the popped item is rescheduled by its owner then).
 * A bound that is too early costs one look; a bound that is too late would miss a deadline, so
 * the owner must call `schedule` whenever an item's bound may have moved earlier.
 *
 * Entries sit in buckets of `bucketMs` (a calendar queue), not in one binary heap: a tick takes
 * the bucket that came due and appends the items it puts back to a few later buckets, touching a
 * handful of cache lines, where a heap of a thousand entries sifts through most of its own (a
 * node's whole heap came in from memory at each of its ticks, a cost that ran the 1,000-node
 * simulation). Only the buckets' indices are kept in order, in a small heap. Keys further ahead
 * than FAR_MS (a dead member's reap, a day away) go to a heap of their own instead: one bucket
 * for each would pile up with every death.
 */

export interface Queued {
  /** Key of the item's live entry, Infinity when it has none (new, or popped). */
  queuedAtMs: number
}

/** Entries 0..size-1 of `keys` and `items` (the arrays keep their length: reused, not regrown). */
interface Bucket<T> { keys: number[], items: Array<T | undefined>, size: number }

/** Enough for every bucket a few seconds of bounds fill, at 100 ms a bucket. */
const MAX_SPARE_BUCKETS = 32
/**
 * A bucket that held more entries is not kept: one burst (a thousand members learnt at once on
 * a join) would otherwise pin its large arrays for good, in every node.
 */
const MAX_SPARE_ENTRIES = 128

/** How far past the last tick a key goes to the far heap rather than a bucket. */
const FAR_MS = 60_000

export class DueQueue<T extends Queued> {
  private readonly bucketMs: number
  private readonly buckets = new Map<number, Bucket<T>>()
  /** Indices of the buckets held (floor(key / bucketMs)). */
  private readonly order = new MinHeap<number>()
  private readonly far = new MinHeap<T>()
  /** The last `popDue`'s time: keys FAR_MS past it are far. */
  private lastPopMs = -Infinity
  /**
   * Emptied buckets, kept for reuse: a bucket lives a few seconds, long enough for the garbage
   * collector to copy it to the old generation each time; reused, it stays put.
   */
  private readonly spare: Array<Bucket<T>> = []
  private count = 0

  /** @param bucketMs the width of a bucket: about the tick's interval */
  constructor (bucketMs = 100) {
    if (!(bucketMs > 0)) throw new RangeError(`DueQueue bucketMs must be > 0, got ${bucketMs}`)
    this.bucketMs = bucketMs
  }

  /** Entries held, stale ones included (for tests and metrics). */
  get entries (): number { return this.count }

  /** Nothing can be due for `item` before `atMs`: make sure it is looked at then. */
  schedule (item: T, atMs: number): void {
    if (!(atMs < item.queuedAtMs)) return // already queued no later (or never: NaN, Infinity)
    item.queuedAtMs = atMs
    this.count++
    if (atMs - this.lastPopMs > FAR_MS) {
      this.far.push(atMs, item)
      return
    }
    const index = Math.floor(atMs / this.bucketMs)
    let bucket = this.buckets.get(index)
    if (bucket === undefined) {
      bucket = this.spare.pop() ?? { keys: [], items: [], size: 0 }
      this.buckets.set(index, bucket)
      this.order.push(index, index)
    }
    const i = bucket.size++
    if (i < bucket.keys.length) {
      bucket.keys[i] = atMs
      bucket.items[i] = item
    } else {
      bucket.keys.push(atMs)
      bucket.items.push(item)
    }
  }

  /** Removes every item whose live entry is due at `nowMs` (in no particular order) into `out`. */
  popDue (nowMs: number, out: T[]): void {
    this.lastPopMs = nowMs
    while (this.far.size > 0 && this.far.minKey <= nowMs) {
      const key = this.far.minKey
      this.take(key, this.far.pop(), out)
    }
    while (this.order.size > 0) {
      const index = this.order.minKey
      if (index * this.bucketMs > nowMs) return
      const bucket = this.buckets.get(index)!
      const { keys, items, size } = bucket
      let kept = 0
      for (let i = 0; i < size; i++) {
        const key = keys[i]!; const item = items[i]!
        items[i] = undefined // no reference kept to an item that left
        if (key > nowMs) { keys[kept] = key; items[kept] = item; kept++; continue }
        this.take(key, item, out)
      }
      bucket.size = kept
      // Entries left: this bucket holds nowMs, and every later one starts after it.
      if (kept > 0) return
      this.buckets.delete(index)
      this.order.pop()
      if (this.spare.length < MAX_SPARE_BUCKETS && bucket.keys.length <= MAX_SPARE_ENTRIES) this.spare.push(bucket)
    }
  }

  /** An entry that came due leaves the queue; its item goes out if it was the live one. */
  private take (key: number, item: T, out: T[]): void {
    this.count--
    if (item.queuedAtMs !== key) return // stale: rescheduled earlier, or already popped
    item.queuedAtMs = Infinity
    out.push(item)
  }
}

/** A binary min-heap of (key, item), ties in no particular order. */
class MinHeap<T> {
  private readonly keys: number[] = []
  private readonly items: T[] = []

  get size (): number { return this.keys.length }
  /** The smallest key; only when size > 0. */
  get minKey (): number { return this.keys[0]! }

  push (key: number, item: T): void {
    const { keys, items } = this
    let i = keys.length
    keys.push(key); items.push(item)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (keys[p]! <= key) break
      keys[i] = keys[p]!; items[i] = items[p]!
      i = p
    }
    keys[i] = key; items[i] = item
  }

  /** Removes the entry with the smallest key and returns its item; only when size > 0. */
  pop (): T {
    const { keys, items } = this
    const top = items[0]!
    const lastKey = keys.pop()!; const lastItem = items.pop()!
    const size = keys.length
    if (size === 0) return top
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= size) break
      const r = l + 1
      const c = r < size && keys[r]! < keys[l]! ? r : l
      if (keys[c]! >= lastKey) break
      keys[i] = keys[c]!; items[i] = items[c]!
      i = c
    }
    keys[i] = lastKey; items[i] = lastItem
    return top
  }
}
