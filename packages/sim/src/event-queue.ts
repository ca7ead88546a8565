/**
 * The discrete event queue: a binary min-heap keyed by (time, sequence number). The sequence
 * number is assigned at push, so events due at the same virtual millisecond run in the order
 * they were scheduled: ties never depend on heap layout, and one seed gives one order.
 *
 * Entries are kept in parallel arrays (times, seqs, payloads) rather than one object per entry:
 * the 1,000-node run pushes tens of thousands of events per simulated second.
 */

export class EventQueue<T> {
  private times: number[] = []
  private seqs: number[] = []
  private items: T[] = []
  private nextSeq = 0

  get size (): number { return this.items.length }

  /** The time of the earliest event, or Infinity when empty. */
  peekTime (): number { return this.items.length === 0 ? Infinity : this.times[0]! }

  push (time: number, item: T): void {
    if (!Number.isFinite(time)) throw new RangeError(`event time must be finite, got ${time}`)
    const seq = this.nextSeq++
    let i = this.items.length
    this.times.push(time); this.seqs.push(seq); this.items.push(item)
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(time, seq, this.times[p]!, this.seqs[p]!)) break
      this.move(p, i)
      i = p
    }
    this.set(i, time, seq, item)
  }

  /** Removes and returns the earliest event; undefined when empty. */
  pop (): { time: number, item: T } | undefined {
    const n = this.items.length
    if (n === 0) return undefined
    const time = this.times[0]!; const item = this.items[0]!
    const lastT = this.times.pop()!; const lastS = this.seqs.pop()!; const lastI = this.items.pop()!
    if (n > 1) {
      // Sift the last entry down from the root.
      const size = n - 1
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= size) break
        const r = l + 1
        const c = r < size && this.less(this.times[r]!, this.seqs[r]!, this.times[l]!, this.seqs[l]!) ? r : l
        if (!this.less(this.times[c]!, this.seqs[c]!, lastT, lastS)) break
        this.move(c, i)
        i = c
      }
      this.set(i, lastT, lastS, lastI)
    }
    return { time, item }
  }

  private less (t1: number, s1: number, t2: number, s2: number): boolean {
    return t1 < t2 || (t1 === t2 && s1 < s2)
  }

  private move (from: number, to: number): void {
    this.times[to] = this.times[from]!; this.seqs[to] = this.seqs[from]!; this.items[to] = this.items[from]!
  }

  private set (i: number, t: number, s: number, item: T): void {
    this.times[i] = t; this.seqs[i] = s; this.items[i] = item
  }
}
