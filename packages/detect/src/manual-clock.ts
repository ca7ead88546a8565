/**
 * A clock moved by hand, for unit tests and the deterministic simulator.
 *
 * It keeps the `Clock` contract (monotonic) by refusing to go backwards, so a test cannot build a
 * situation the real monotonic clock never produces. A test that wants exact arrival times
 * scripts them instead (test/helpers/scripted-clock.ts).
 */
import type { Clock } from './clock.js'

/** A clock tests and the simulator move by hand. */
export class ManualClock implements Clock {
  #nowMs: number

  /** @param startMs initial reading in ms (default 0): any finite number, the origin is arbitrary */
  constructor (startMs = 0) {
    if (!Number.isFinite(startMs)) {
      throw new RangeError(`ManualClock startMs must be a finite number of ms, got ${startMs}`)
    }
    this.#nowMs = startMs
  }

  now (): number {
    return this.#nowMs
  }

  /** Moves time forward by `ms` milliseconds (>= 0: a monotonic clock never goes back). */
  advance (ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance(ms) needs a finite ms >= 0, got ${ms}`)
    }
    this.#nowMs += ms
  }

  /** Jumps to the absolute reading `ms`; throws RangeError if that is earlier than now(). */
  set (ms: number): void {
    if (!Number.isFinite(ms)) {
      throw new RangeError(`ManualClock.set(ms) needs a finite ms, got ${ms}`)
    }
    if (ms < this.#nowMs) {
      throw new RangeError(`ManualClock.set(ms) cannot go backwards: now ${this.#nowMs} ms, asked ${ms} ms`)
    }
    this.#nowMs = ms
  }
}
