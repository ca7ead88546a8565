/**
 * Per-slot numbers of several tables in one typed array: field f of slot s at
 * `data[s * stride + offset + f]`, each table owning a range of offsets.
 *
 * Why share: what one heartbeat updates (the member's state and incarnation, the detector's last
 * arrival and threshold, its window's count and sums) then sits in one or two cache lines per
 * member instead of one line in each of seven arrays, and memory traffic, not arithmetic, is what
 * a heartbeat costs.
 */
export class SlotSlab {
  data: Float64Array
  readonly stride: number

  constructor (stride: number, capacity: number) {
    if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`SlotSlab stride must be an integer >= 1, got ${stride}`)
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`SlotSlab capacity must be an integer >= 0, got ${capacity}`)
    this.stride = stride
    this.data = new Float64Array(stride * capacity)
  }

  get capacity (): number { return this.data.length / this.stride }

  /** Makes room for `capacity` slots, keeping their numbers (a no-op if there is room already). */
  grow (capacity: number): void {
    if (capacity <= this.capacity) return
    const data = new Float64Array(this.stride * capacity)
    data.set(this.data)
    this.data = data
  }
}

/** A table's share of a slab: its fields start at `offset` in each slot's stride. */
export interface SlabFields { slab: SlotSlab, offset: number }
