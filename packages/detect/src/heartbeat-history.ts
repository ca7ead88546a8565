/**
 * The sample window behind the φ accrual failure detector.
 *
 * Hayashibara et al. (2004), §3.2: the detector estimates the distribution of heartbeat
 * inter-arrival times from a sliding window of the most recent samples. As Akka/Pekko's
 * `HeartbeatHistory`, we keep running sums (intervalSum, squaredIntervalSum) so that adding a
 * sample and reading mean/variance are O(1), and the window is capped at maxSampleSize samples
 * (the oldest one is dropped).
 *
 * Unlike Pekko's integer milliseconds, our samples may be fractional (performance.now()). Adding
 * and later subtracting fractional values leaves rounding residue in a running sum, so each time
 * the ring buffer wraps around we recompute both sums from the window: O(maxSampleSize) once every
 * maxSampleSize adds, still O(1) amortised, and the drift never outlives one window.
 */
export class HeartbeatHistory {
  readonly #maxSampleSize: number
  /** Ring buffer of intervals in ms; grows up to maxSampleSize, then is overwritten in place. */
  readonly #intervals: number[] = []
  /** Index of the oldest sample once the window is full (the next one to overwrite). */
  #oldest = 0
  /** Sum of the intervals in the window, ms. */
  #intervalSum = 0
  /** Sum of the squared intervals in the window, ms². */
  #squaredIntervalSum = 0

  /** @param maxSampleSize number of most recent intervals kept (an integer >= 1) */
  constructor (maxSampleSize: number) {
    if (!Number.isInteger(maxSampleSize) || maxSampleSize < 1) {
      throw new RangeError(`HeartbeatHistory maxSampleSize must be an integer >= 1, got ${maxSampleSize}`)
    }
    this.#maxSampleSize = maxSampleSize
  }

  /** Adds one inter-arrival interval (ms, finite, >= 0), dropping the oldest when the window is full. */
  add (intervalMs: number): void {
    if (!Number.isFinite(intervalMs) || intervalMs < 0) {
      throw new RangeError(`HeartbeatHistory.add(intervalMs) needs a finite interval >= 0 ms, got ${intervalMs}`)
    }
    if (this.#intervals.length < this.#maxSampleSize) {
      this.#intervals.push(intervalMs)
      this.#intervalSum += intervalMs
      this.#squaredIntervalSum += intervalMs * intervalMs
      return
    }
    const dropped = this.#intervals[this.#oldest] ?? 0
    this.#intervals[this.#oldest] = intervalMs
    this.#oldest = (this.#oldest + 1) % this.#maxSampleSize
    if (this.#oldest === 0) {
      this.#resum()
    } else {
      this.#intervalSum += intervalMs - dropped
      this.#squaredIntervalSum += intervalMs * intervalMs - dropped * dropped
    }
  }

  /** Number of intervals in the window (<= maxSampleSize). */
  get size (): number {
    return this.#intervals.length
  }

  /** Mean interval, ms. Throws RangeError on an empty history, where it is undefined. */
  get mean (): number {
    this.#assertNonEmpty('mean')
    return this.#intervalSum / this.#intervals.length
  }

  /**
   * Population variance of the intervals, ms² (E[x²] - E[x]², as Pekko). Clamped at 0: rounding can
   * make the difference a hair negative for near-constant samples, and sqrt of that would be NaN.
   * Throws RangeError on an empty history.
   */
  get variance (): number {
    this.#assertNonEmpty('variance')
    const mean = this.mean
    return Math.max(0, this.#squaredIntervalSum / this.#intervals.length - mean * mean)
  }

  /** Standard deviation of the intervals, ms. Throws RangeError on an empty history. */
  get stdDeviation (): number {
    return Math.sqrt(this.variance)
  }

  #assertNonEmpty (stat: string): void {
    if (this.#intervals.length === 0) {
      throw new RangeError(`HeartbeatHistory.${stat} is undefined for an empty history`)
    }
  }

  #resum (): void {
    let sum = 0
    let squaredSum = 0
    for (const interval of this.#intervals) {
      sum += interval
      squaredSum += interval * interval
    }
    this.#intervalSum = sum
    this.#squaredIntervalSum = squaredSum
  }
}
