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
 * simulation). Only the buckets' indices are kept in order, in a small heap.
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

export class DueQueue<T extends Queued> {
  private readonly bucketMs: number
  private readonly buckets = new Map<number, Bucket<T>>()
  /** Indices of the buckets held (floor(key / bucketMs)), a binary min-heap. */
  private readonly order: number[] = []
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
    const index = Math.floor(atMs / this.bucketMs)
    let bucket = this.buckets.get(index)
    if (bucket === undefined) {
      bucket = this.spare.pop() ?? { keys: [], items: [], size: 0 }
      this.buckets.set(index, bucket)
      pushIndex(this.order, index)
    }
    const i = bucket.size++
    if (i < bucket.keys.length) {
      bucket.keys[i] = atMs
      bucket.items[i] = item
    } else {
      bucket.keys.push(atMs)
      bucket.items.push(item)
    }
    this.count++
  }

  /** Removes every item whose live entry is due at `nowMs` (in no particular order) into `out`. */
  popDue (nowMs: number, out: T[]): void {
    while (this.order.length > 0) {
      const index = this.order[0]!
      if (index * this.bucketMs > nowMs) return
      const bucket = this.buckets.get(index)!
      const { keys, items, size } = bucket
      let kept = 0
      for (let i = 0; i < size; i++) {
        const key = keys[i]!; const item = items[i]!
        items[i] = undefined // no reference kept to an item that left
        if (key > nowMs) { keys[kept] = key; items[kept] = item; kept++; continue }
        this.count--
        if (item.queuedAtMs !== key) continue // stale: rescheduled earlier, or already popped
        item.queuedAtMs = Infinity
        out.push(item)
      }
      bucket.size = kept
      // Entries left: this bucket holds nowMs, and every later one starts after it.
      if (kept > 0) return
      this.buckets.delete(index)
      popIndex(this.order)
      if (this.spare.length < MAX_SPARE_BUCKETS && bucket.keys.length <= MAX_SPARE_ENTRIES) this.spare.push(bucket)
    }
  }
}

function pushIndex (heap: number[], index: number): void {
  let i = heap.length
  heap.push(index)
  while (i > 0) {
    const p = (i - 1) >> 1
    if (heap[p]! <= index) break
    heap[i] = heap[p]!
    i = p
  }
  heap[i] = index
}

function popIndex (heap: number[]): void {
  const last = heap.pop()!
  const size = heap.length
  if (size === 0) return
  let i = 0
  for (;;) {
    const l = 2 * i + 1
    if (l >= size) break
    const r = l + 1
    const c = r < size && heap[r]! < heap[l]! ? r : l
    if (heap[c]! >= last) break
    heap[i] = heap[c]!
    i = c
  }
  heap[i] = last
}
