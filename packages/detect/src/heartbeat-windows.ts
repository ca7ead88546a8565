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
 * and the drift never outlives one window. While every sample is a whole number small enough
 * that the squared sum stays below 2^53 (a simulated clock's, say), the running sums are exact
 * and equal what a recomputation would give, so the window is not read again.
 *
 * Layout: with `group` G, slot g·G + i keeps its k-th sample at ((g·K) + k)·G + i, so the
 * windows of G consecutive slots interleave and slots that add their k-th sample one after the
 * other (the simulator's fan-out) write neighbouring cells. G = 1 is one window after the other.
 */

/** Per slot: sample count, index of the oldest sample, interval sum, squared interval sum, 1 if a sum may be inexact. */
const HEADER = 5
const COUNT = 0
const OLDEST = 1
const SUM = 2
const SQUARED_SUM = 3
const INEXACT = 4

export class HeartbeatWindows {
  /** Samples kept per window (an integer >= 1). */
  readonly maxSampleSize: number
  /** Slots whose windows interleave (see the layout). */
  readonly group: number
  /** The largest sample whose square, times maxSampleSize, stays an exact double. */
  readonly #exactBelow: number
  #capacity: number
  #header: Float64Array
  /** Per slot, maxSampleSize intervals in ms: filled in order, then overwritten oldest first. */
  #ring: Float64Array

  /**
   * @param maxSampleSize intervals kept per window; @param capacity windows (slots 0..capacity-1)
   * @param group slots whose windows interleave (capacity a multiple of it)
   */
  constructor (maxSampleSize: number, capacity: number, group = 1) {
    if (!Number.isInteger(maxSampleSize) || maxSampleSize < 1) {
      throw new RangeError(`HeartbeatHistory maxSampleSize must be an integer >= 1, got ${maxSampleSize}`)
    }
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`HeartbeatWindows capacity must be an integer >= 0, got ${capacity}`)
    if (!Number.isInteger(group) || group < 1 || capacity % group !== 0) throw new RangeError(`HeartbeatWindows group must be an integer >= 1 dividing the capacity ${capacity}, got ${group}`)
    this.maxSampleSize = maxSampleSize
    this.group = group
    this.#exactBelow = Math.floor(Math.sqrt(Number.MAX_SAFE_INTEGER / maxSampleSize))
    this.#capacity = capacity
    this.#header = new Float64Array(capacity * HEADER)
    this.#ring = new Float64Array(capacity * maxSampleSize)
  }

  get capacity (): number { return this.#capacity }

  /** Makes room for `capacity` windows, keeping the ones held. */
  grow (capacity: number): void {
    if (capacity <= this.#capacity) return
    if (this.group !== 1) throw new RangeError('HeartbeatWindows: only windows of group 1 grow')
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
    this.#header[h + INEXACT] = 0
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
    const header = this.#header
    const h = slot * HEADER
    const max = this.maxSampleSize
    if (!Number.isInteger(intervalMs) || intervalMs >= this.#exactBelow) header[h + INEXACT] = 1
    const count = header[h + COUNT]!
    if (count < max) {
      this.#ring[this.#cell(slot, count)] = intervalMs
      header[h + COUNT] = count + 1
      header[h + SUM]! += intervalMs
      header[h + SQUARED_SUM]! += intervalMs * intervalMs
      return
    }
    const oldest = header[h + OLDEST]!
    const cell = this.#cell(slot, oldest)
    const dropped = this.#ring[cell]!
    this.#ring[cell] = intervalMs
    const next = (oldest + 1) % max
    header[h + OLDEST] = next
    if (next === 0 && header[h + INEXACT] === 1) {
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

  /** Recomputes the sums from the window; they are exact again once it holds whole, small samples only. */
  #resum (slot: number): void {
    let sum = 0
    let squaredSum = 0
    let inexact = 0
    for (let k = 0; k < this.maxSampleSize; k++) {
      const interval = this.#ring[this.#cell(slot, k)]!
      sum += interval
      squaredSum += interval * interval
      if (!Number.isInteger(interval) || interval >= this.#exactBelow) inexact = 1
    }
    const h = slot * HEADER
    this.#header[h + SUM] = sum
    this.#header[h + SQUARED_SUM] = squaredSum
    this.#header[h + INEXACT] = inexact
  }
}

function empty (stat: string): RangeError {
  return new RangeError(`HeartbeatHistory.${stat} is undefined for an empty history`)
}
