/**
 * Which members may need the tick's attention, earliest first: a binary min-heap of lower bounds
 * ("nothing can be due for this member before t"), so that a tick looks at the few members whose
 * bound has passed instead of evaluating every detector (1,000 peers, ten ticks a second).
 *
 * Entries are lazy, as in a timer wheel with cancellation by generation: each item carries the
 * key of its live entry (`queuedAtMs`); scheduling earlier pushes a new entry and leaves the old
 * one stale, scheduling later does nothing (the popped item is rescheduled by its owner then).
 * A bound that is too early costs one look; a bound that is too late would miss a deadline, so
 * the owner must call `schedule` whenever an item's bound may have moved earlier.
 */

export interface Queued {
  /** Key of the item's live entry, Infinity when it has none (new, or popped). */
  queuedAtMs: number
}

export class DueQueue<T extends Queued> {
  private keys: number[] = []
  private items: T[] = []

  /** Entries held, stale ones included (for tests and metrics). */
  get entries (): number { return this.items.length }

  /** Nothing can be due for `item` before `atMs`: make sure it is looked at then. */
  schedule (item: T, atMs: number): void {
    if (!(atMs < item.queuedAtMs)) return // already queued no later (or never: NaN, Infinity)
    item.queuedAtMs = atMs
    let i = this.items.length
    this.keys.push(atMs); this.items.push(item)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (this.keys[p]! <= atMs) break
      this.keys[i] = this.keys[p]!; this.items[i] = this.items[p]!
      i = p
    }
    this.keys[i] = atMs; this.items[i] = item
  }

  /** Removes every item whose live entry is due at `nowMs` (in no particular order) into `out`. */
  popDue (nowMs: number, out: T[]): void {
    while (this.items.length > 0 && this.keys[0]! <= nowMs) {
      const key = this.keys[0]!; const item = this.items[0]!
      this.removeRoot()
      if (item.queuedAtMs !== key) continue // stale: rescheduled earlier, or already popped
      item.queuedAtMs = Infinity
      out.push(item)
    }
  }

  private removeRoot (): void {
    const lastKey = this.keys.pop()!; const lastItem = this.items.pop()!
    const size = this.items.length
    if (size === 0) return
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= size) break
      const r = l + 1
      const c = r < size && this.keys[r]! < this.keys[l]! ? r : l
      if (this.keys[c]! >= lastKey) break
      this.keys[i] = this.keys[c]!; this.items[i] = this.items[c]!
      i = c
    }
    this.keys[i] = lastKey; this.items[i] = lastItem
  }
}
