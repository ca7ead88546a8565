/**
 * The sample windows of many φ accrual detectors, kept in two typed arrays.
 *
 * Hayashibara et al. (2004), §3.2: a detector estimates the distribution of heartbeat
 * inter-arrival times from a sliding window of the most recent samples. As Akka/Pekko's
 * `HeartbeatHistory`, each window keeps running sums (interval sum, squared interval sum), so
 * that adding a sample and reading mean/variance are O(1), and holds at most maxSampleSize
 * samples (the oldest one is dropped).
 *
 * Why a table of windows rather than one object each: a node watches every peer, and the
 * 1,000-node simulation holds a million windows. As objects (window, array, boxed sums) a
 * heartbeat touched half a dozen scattered heap cells; here it touches one header and one ring
 * cell, at addresses the caller chooses through the slot numbers (the simulator numbers them so
 * that one gossip fan-out walks memory in order).
 *
 * Samples may be fractional (performance.now()). Adding and later subtracting fractional values
 * leaves rounding residue in a running sum, so each time a ring wraps around both sums are
 * recomputed from the window: O(maxSampleSize) once every maxSampleSize adds, O(1) amortised,
 * and the drift never outlives one window.
 */

/** Per slot: sample count, index of the oldest sample, interval sum, squared interval sum. */
const HEADER = 4
const COUNT = 0
const OLDEST = 1
const SUM = 2
const SQUARED_SUM = 3

export class HeartbeatWindows {
  /** Samples kept per window (an integer >= 1). */
  readonly maxSampleSize: number
  #capacity: number
  #header: Float64Array
  /** Per slot, maxSampleSize intervals in ms: filled in order, then overwritten oldest first. */
  #ring: Float64Array

  /** @param maxSampleSize intervals kept per window; @param capacity windows (slots 0..capacity-1) */
  constructor (maxSampleSize: number, capacity: number) {
    if (!Number.isInteger(maxSampleSize) || maxSampleSize < 1) {
      throw new RangeError(`HeartbeatHistory maxSampleSize must be an integer >= 1, got ${maxSampleSize}`)
    }
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`HeartbeatWindows capacity must be an integer >= 0, got ${capacity}`)
    this.maxSampleSize = maxSampleSize
    this.#capacity = capacity
    this.#header = new Float64Array(capacity * HEADER)
    this.#ring = new Float64Array(capacity * maxSampleSize)
  }

  get capacity (): number { return this.#capacity }

  /** Makes room for `capacity` windows, keeping the ones held. */
  grow (capacity: number): void {
    if (capacity <= this.#capacity) return
    const header = new Float64Array(capacity * HEADER)
    header.set(this.#header)
    const ring = new Float64Array(capacity * this.maxSampleSize)
    ring.set(this.#ring)
    this.#header = header
    this.#ring = ring
    this.#capacity = capacity
  }

  /** Empties a window. */
  clear (slot: number): void {
    const h = slot * HEADER
    this.#header[h + COUNT] = 0
    this.#header[h + OLDEST] = 0
    this.#header[h + SUM] = 0
    this.#header[h + SQUARED_SUM] = 0
  }

  /** Adds one inter-arrival interval (ms, finite, >= 0), dropping the oldest when the window is full. */
  add (slot: number, intervalMs: number): void {
    if (!Number.isFinite(intervalMs) || intervalMs < 0) {
      throw new RangeError(`HeartbeatHistory.add(intervalMs) needs a finite interval >= 0 ms, got ${intervalMs}`)
    }
    const header = this.#header
    const h = slot * HEADER
    const max = this.maxSampleSize
    const base = slot * max
    const count = header[h + COUNT]!
    if (count < max) {
      this.#ring[base + count] = intervalMs
      header[h + COUNT] = count + 1
      header[h + SUM]! += intervalMs
      header[h + SQUARED_SUM]! += intervalMs * intervalMs
      return
    }
    const oldest = header[h + OLDEST]!
    const dropped = this.#ring[base + oldest]!
    this.#ring[base + oldest] = intervalMs
    const next = (oldest + 1) % max
    header[h + OLDEST] = next
    if (next === 0) {
      this.#resum(slot)
    } else {
      header[h + SUM]! += intervalMs - dropped
      header[h + SQUARED_SUM]! += intervalMs * intervalMs - dropped * dropped
    }
  }

  /** Number of intervals in the window (<= maxSampleSize). */
  size (slot: number): number {
    return this.#header[slot * HEADER + COUNT]!
  }

  /** Mean interval, ms. Throws RangeError on an empty window, where it is undefined. */
  mean (slot: number): number {
    const h = slot * HEADER
    const count = this.#header[h + COUNT]!
    if (count === 0) throw empty('mean')
    return this.#header[h + SUM]! / count
  }

  /**
   * Population variance of the intervals, ms² (E[x²] - E[x]², as Pekko). Clamped at 0: rounding
   * can make the difference a hair negative for near-constant samples, and sqrt of that would be
   * NaN. Throws RangeError on an empty window.
   */
  variance (slot: number): number {
    const h = slot * HEADER
    const count = this.#header[h + COUNT]!
    if (count === 0) throw empty('variance')
    const mean = this.#header[h + SUM]! / count
    return Math.max(0, this.#header[h + SQUARED_SUM]! / count - mean * mean)
  }

  #resum (slot: number): void {
    let sum = 0
    let squaredSum = 0
    const base = slot * this.maxSampleSize
    for (let i = 0; i < this.maxSampleSize; i++) {
      const interval = this.#ring[base + i]!
      sum += interval
      squaredSum += interval * interval
    }
    this.#header[slot * HEADER + SUM] = sum
    this.#header[slot * HEADER + SQUARED_SUM] = squaredSum
  }
}

function empty (stat: string): RangeError {
  return new RangeError(`HeartbeatHistory.${stat} is undefined for an empty history`)
}
