/**
 * The φ accrual detectors of a member table, held only for the members being monitored.
 *
 * A detector (a sample window of `phiMaxSampleSize` intervals, 1.6 KB at 200) runs exactly while
 * its member is monitored (`MemberRecord.monitored`: alive or suspect, and watched by this node).
 * With bounded monitors (monitor-ring.ts) a node watches k members, not N, so the detectors live
 * in a dense table of their own, taken on `reset` (which every start of monitoring calls) and
 * given back on `release`; each member slot names its detector, if it has one. Nothing reads a
 * detector of a member that is not monitored (φ is null and the crossing Infinity for it), so a
 * slot without one answers as an idle detector would: no crossing, φ 0, a heartbeat that moves
 * nothing.
 *
 * Slots belong to owners, in runs of `ownerSlots` (owner = ⌊slot / ownerSlots⌋): one owner for a
 * node's own table (`ownerSlots` 0), the simulated node for the simulator's world table (slots
 * r·N to r·N + N − 1 are node r's), so that each owner's crossing scan looks at its own detectors
 * only.
 */
import { PhiAccrualTable, type Clock, type PhiAccrualOptions } from '@kos/detect'

export class MemberDetectors {
  readonly #table: PhiAccrualTable
  /** Per member slot: its detector + 1, 0 for none. */
  #detectorOf: Int32Array
  /** Per detector: its member slot, -1 when free. */
  #slotOf: Int32Array
  readonly #free: number[] = []
  #used = 0
  readonly #ownerSlots: number
  /** Per owner: its detectors (in no order). */
  readonly #byOwner: number[][]

  /** @param capacity member slots @param ownerSlots slots per owner (0: one owner of them all) */
  constructor (phi: PhiAccrualOptions, clock: Clock, capacity: number, ownerSlots = 0) {
    this.#table = new PhiAccrualTable(phi, clock, 16)
    this.#detectorOf = new Int32Array(capacity)
    this.#slotOf = new Int32Array(16).fill(-1)
    this.#ownerSlots = ownerSlots
    this.#byOwner = Array.from({ length: ownerSlots === 0 ? 1 : Math.ceil(capacity / ownerSlots) }, () => [])
  }

  /** Detectors held (members monitored). */
  get size (): number { return this.#used - this.#free.length }

  /** Makes room for `capacity` member slots. */
  grow (capacity: number): void {
    if (capacity <= this.#detectorOf.length) return
    const next = new Int32Array(capacity)
    next.set(this.#detectorOf)
    this.#detectorOf = next
  }

  /** A new detector for the member in `slot` (its bootstrap history; see PhiAccrualTable.reset), taken if it had none. */
  reset (slot: number): void {
    let d = this.#detectorOf[slot]! - 1
    if (d < 0) {
      d = this.#free.pop() ?? this.#used++
      if (d >= this.#table.capacity) {
        const capacity = Math.max(16, this.#table.capacity * 2)
        this.#table.grow(capacity)
        const slots = new Int32Array(capacity).fill(-1)
        slots.set(this.#slotOf)
        this.#slotOf = slots
      }
      this.#detectorOf[slot] = d + 1
      this.#slotOf[d] = slot
      this.#byOwner[this.ownerOf(slot)]!.push(d)
    }
    this.#table.reset(d)
  }

  /** The member in `slot` is no longer monitored: its detector is given back (none: nothing). */
  release (slot: number): void {
    const d = this.#detectorOf[slot]! - 1
    if (d < 0) return
    this.#detectorOf[slot] = 0
    this.#slotOf[d] = -1
    this.#free.push(d)
    const list = this.#byOwner[this.ownerOf(slot)]!
    const i = list.indexOf(d)
    list[i] = list[list.length - 1]!
    list.pop()
  }

  private ownerOf (slot: number): number {
    return this.#ownerSlots === 0 ? 0 : Math.floor(slot / this.#ownerSlots)
  }

  has (slot: number): boolean { return this.#detectorOf[slot]! > 0 }

  /** A heartbeat arrived (see PhiAccrualTable.heartbeat); false without a detector. */
  heartbeat (slot: number): boolean {
    const d = this.#detectorOf[slot]! - 1
    return d >= 0 && this.#table.heartbeat(d)
  }

  /** φ now; 0 without a detector. */
  phi (slot: number): number {
    const d = this.#detectorOf[slot]! - 1
    return d < 0 ? 0 : this.#table.phi(d)
  }

  /** See PhiAccrualTable.earliestThresholdAtMs; Infinity without a detector. */
  earliestThresholdAtMs (slot: number): number {
    const d = this.#detectorOf[slot]! - 1
    return d < 0 ? Infinity : this.#table.earliestThresholdAtMs(d)
  }

  /** See PhiAccrualTable.lastHeartbeatAt; undefined without a detector. */
  lastHeartbeatAt (slot: number): number | undefined {
    const d = this.#detectorOf[slot]! - 1
    return d < 0 ? undefined : this.#table.lastHeartbeatAt(d)
  }

  /**
   * Appends to `out` the slots of `owner` for which `include` holds and whose crossing may come
   * before `horizonMs`, in slot order: the crossing scan's question, asked of the owner's
   * detectors alone.
   */
  crossingsBefore (owner: number, horizonMs: number, include: (slot: number) => boolean, out: number[]): void {
    const from = out.length
    for (const d of this.#byOwner[owner]!) {
      const slot = this.#slotOf[d]!
      if (this.#table.earliestThresholdAtMs(d) <= horizonMs && include(slot)) out.push(slot)
    }
    if (out.length - from > 1) {
      const found = out.splice(from).sort((a, b) => a - b)
      for (const s of found) out.push(s)
    }
  }
}
