/**
 * A membership core's member slots in insertion order (the order of its snapshots, ticks and
 * probe helpers), 4 bytes a member: a node holds one per member, the simulator one per node and
 * member. A removal (a reap, a day after a death) shifts the slots after it.
 */
export class SlotOrder {
  private slots = new Int32Array(16)
  private count = 0

  get length (): number { return this.count }

  /** The i-th slot inserted (0 <= i < length). */
  at (i: number): number { return this.slots[i]! }

  push (slot: number): void {
    if (this.count === this.slots.length) {
      const grown = new Int32Array(this.slots.length * 2)
      grown.set(this.slots)
      this.slots = grown
    }
    this.slots[this.count++] = slot
  }

  /** Takes `slot` out, keeping the order of the others; nothing if absent. */
  remove (slot: number): void {
    const i = this.slots.subarray(0, this.count).indexOf(slot)
    if (i < 0) return
    this.slots.copyWithin(i, i + 1, this.count)
    this.count--
  }
}
