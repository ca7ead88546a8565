/**
 * The sample window behind one φ accrual failure detector: one window of `HeartbeatWindows`
 * (see there for the running sums and the window), as an object of its own for callers that
 * watch a single resource (tests, timing tables, benchmarks).
 */
import { HeartbeatWindows } from './heartbeat-windows.js'

export class HeartbeatHistory {
  readonly #window: HeartbeatWindows

  /** @param maxSampleSize number of most recent intervals kept (an integer >= 1) */
  constructor (maxSampleSize: number) {
    this.#window = new HeartbeatWindows(maxSampleSize, 1)
  }

  /** Adds one inter-arrival interval (ms, finite, >= 0), dropping the oldest when the window is full. */
  add (intervalMs: number): void { this.#window.add(0, intervalMs) }

  /** Number of intervals in the window (<= maxSampleSize). */
  get size (): number { return this.#window.size(0) }

  /** Mean interval, ms. Throws RangeError on an empty history, where it is undefined. */
  get mean (): number { return this.#window.mean(0) }

  /** Population variance of the intervals, ms², clamped at 0. Throws RangeError on an empty history. */
  get variance (): number { return this.#window.variance(0) }

  /** Standard deviation of the intervals, ms. Throws RangeError on an empty history. */
  get stdDeviation (): number { return Math.sqrt(this.variance) }
}
