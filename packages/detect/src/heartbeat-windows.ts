/**
 * The sample windows of many φ accrual detectors, in typed arrays: each window's header (count,
 * sums) in a slab of per-slot numbers, its samples in a ring.
 *
 * A detector estimates the distribution of heartbeat inter-arrival times from a sliding window
 * of the most recent samples. Each window keeps running sums (interval sum, squared interval sum),
 * so that adding a sample and reading mean/variance are O(1), and holds at most maxSampleSize
 * samples (the oldest one is dropped).
 *
 * Why a table of windows rather than one object each: a simulation holds one window per node
 * and member it watches. As objects (window, array, boxed sums) a heartbeat would touch half a
 * dozen scattered heap cells; here it touches one header and one ring cell, at addresses the caller chooses through the slot numbers (the simulator numbers them so
 * that one gossip fan-out walks memory in order).
 *
 * Samples may be fractional (performance.now()). Adding and later subtracting fractional values
 * leaves rounding residue in a running sum, so each time a ring wraps around both sums are
 * recomputed from the window: O(maxSampleSize) once every maxSampleSize adds, O(1) amortised,
 * and the drift never outlives one window. While every sample is a whole number small enough
 * that the squared sum stays below 2^53 (a simulated clock's, say), the running sums are exact
 * and equal what a recomputation would give, so the window is not read again.
 *
 * Layout: with `group` G, slot g·G + i keeps its k-th sample at ((g·K) + k)·G + i, so the
 * windows of G consecutive slots interleave and slots that add their k-th sample one after the
 * other (the simulator's fan-out) write neighbouring cells. G = 1 is one window after the other.
 */

import { SlotSlab, type SlabFields } from './slot-slab.js'

/**
 * Per slot: the samples added since the window was cleared, n (the window holds min(n, K), the
 * next goes to position n mod K), stored as -(n + 1) while a sum may be inexact; the interval
 * sum; the squared interval sum. Three numbers, so that a member's whole slab entry (see
 * member-table.ts in the node) fills one 64-byte cache line.
 */
const ADDED = 0
const SUM = 1
const SQUARED_SUM = 2

export class HeartbeatWindows {
  /** Numbers per slot in the slab (the header of its window). */
  static readonly FIELDS = 3
  /** Samples kept per window (an integer >= 1). */
  readonly maxSampleSize: number
  /** Slots whose windows interleave (see the layout). */
  readonly group: number
  /** The largest sample whose square, times maxSampleSize, stays an exact double. */
  readonly #exactBelow: number
  #capacity: number
  readonly #slab: SlotSlab
  readonly #offset: number
  /** Per slot, maxSampleSize intervals in ms: filled in order, then overwritten oldest first. */
  #ring: Float64Array

  /**
   * @param maxSampleSize intervals kept per window; @param capacity windows (slots 0..capacity-1)
   * @param group slots whose windows interleave (capacity a multiple of it)
   * @param fields where the headers go: a share of a slab the caller owns (and grows), else one of their own
   */
  constructor (maxSampleSize: number, capacity: number, group = 1, fields?: SlabFields) {
    if (!Number.isInteger(maxSampleSize) || maxSampleSize < 1) {
      throw new RangeError(`HeartbeatHistory maxSampleSize must be an integer >= 1, got ${maxSampleSize}`)
    }
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`HeartbeatWindows capacity must be an integer >= 0, got ${capacity}`)
    if (!Number.isInteger(group) || group < 1 || capacity % group !== 0) throw new RangeError(`HeartbeatWindows group must be an integer >= 1 dividing the capacity ${capacity}, got ${group}`)
    this.maxSampleSize = maxSampleSize
    this.group = group
    this.#exactBelow = Math.floor(Math.sqrt(Number.MAX_SAFE_INTEGER / maxSampleSize))
    this.#capacity = capacity
    this.#slab = fields?.slab ?? new SlotSlab(HeartbeatWindows.FIELDS, capacity)
    this.#offset = fields?.offset ?? 0
    if (this.#slab.capacity < capacity) throw new RangeError(`HeartbeatWindows: the slab holds ${this.#slab.capacity} slots, not ${capacity}`)
    this.#ring = new Float64Array(capacity * maxSampleSize)
  }

  get capacity (): number { return this.#capacity }

  /** Makes room for `capacity` windows, keeping the ones held. */
  grow (capacity: number): void {
    if (capacity <= this.#capacity) return
    if (this.group !== 1) throw new RangeError('HeartbeatWindows: only windows of group 1 grow')
    this.#slab.grow(capacity)
    const ring = new Float64Array(capacity * this.maxSampleSize)
    ring.set(this.#ring)
    this.#ring = ring
    this.#capacity = capacity
  }

  /** Empties a window. */
  clear (slot: number): void {
    const header = this.#slab.data
    const h = this.#at(slot)
    header[h + ADDED] = 0
    header[h + SUM] = 0
    header[h + SQUARED_SUM] = 0
  }

  /** Where the header of `slot` starts in the slab. */
  #at (slot: number): number {
    return slot * this.#slab.stride + this.#offset
  }

  /** Where the window of `slot` keeps its k-th sample. */
  #cell (slot: number, k: number): number {
    const g = this.group
    if (g === 1) return slot * this.maxSampleSize + k
    const i = slot % g
    return ((slot - i) * this.maxSampleSize + k * g) + i
  }

  /** Adds one inter-arrival interval (ms, finite, >= 0), dropping the oldest when the window is full. */
  add (slot: number, intervalMs: number): void {
    if (!Number.isFinite(intervalMs) || intervalMs < 0) {
      throw new RangeError(`HeartbeatHistory.add(intervalMs) needs a finite interval >= 0 ms, got ${intervalMs}`)
    }
    const header = this.#slab.data
    const h = this.#at(slot)
    const max = this.maxSampleSize
    const raw = header[h + ADDED]!
    const n = raw >= 0 ? raw : -raw - 1
    let inexact = raw < 0 || !Number.isInteger(intervalMs) || intervalMs >= this.#exactBelow
    if (n < max) {
      this.#ring[this.#cell(slot, n)] = intervalMs
      header[h + SUM]! += intervalMs
      header[h + SQUARED_SUM]! += intervalMs * intervalMs
    } else {
      // Full: the oldest sample sits where this one goes.
      const cell = this.#cell(slot, n % max)
      const dropped = this.#ring[cell]!
      this.#ring[cell] = intervalMs
      if ((n + 1) % max === 0 && inexact) {
        inexact = this.#resum(slot)
      } else {
        header[h + SUM]! += intervalMs - dropped
        header[h + SQUARED_SUM]! += intervalMs * intervalMs - dropped * dropped
      }
    }
    header[h + ADDED] = inexact ? -(n + 1) - 1 : n + 1
  }

  /** Samples added since the window was cleared. */
  #added (slot: number): number {
    const raw = this.#slab.data[this.#at(slot) + ADDED]!
    return raw >= 0 ? raw : -raw - 1
  }

  /** Number of intervals in the window (<= maxSampleSize). */
  size (slot: number): number {
    return Math.min(this.#added(slot), this.maxSampleSize)
  }

  /** Mean interval, ms. Throws RangeError on an empty window, where it is undefined. */
  mean (slot: number): number {
    const count = this.size(slot)
    if (count === 0) throw empty('mean')
    return this.#slab.data[this.#at(slot) + SUM]! / count
  }

  /**
   * Population variance of the intervals, ms² (E[x²] - E[x]², from the running sums). Clamped at 0:
   * rounding can make the difference a hair negative for near-constant samples, and sqrt of that
   * would be NaN. Throws RangeError on an empty window.
   */
  variance (slot: number): number {
    const count = this.size(slot)
    if (count === 0) throw empty('variance')
    const header = this.#slab.data
    const h = this.#at(slot)
    const mean = header[h + SUM]! / count
    return Math.max(0, header[h + SQUARED_SUM]! / count - mean * mean)
  }

  /**
   * Recomputes the sums from the (full) window; they are exact again once it holds whole, small
   * samples only. Returns whether they may still be inexact.
   */
  #resum (slot: number): boolean {
    let sum = 0
    let squaredSum = 0
    let inexact = false
    for (let k = 0; k < this.maxSampleSize; k++) {
      const interval = this.#ring[this.#cell(slot, k)]!
      sum += interval
      squaredSum += interval * interval
      if (!Number.isInteger(interval) || interval >= this.#exactBelow) inexact = true
    }
    const header = this.#slab.data
    const h = this.#at(slot)
    header[h + SUM] = sum
    header[h + SQUARED_SUM] = squaredSum
    return inexact
  }
}

function empty (stat: string): RangeError {
  return new RangeError(`HeartbeatHistory.${stat} is undefined for an empty history`)
}
