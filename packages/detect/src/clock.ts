/**
 * The time seam of every pure core in kOS mesh.
 *
 * The detectors, membership and election state machines never read `Date.now()`: they take the
 * current time from an injected `Clock`. The daemon
 * passes a monotonic clock (`performance.now()`), the unit tests and the simulator a clock they
 * move by hand, so the same code runs in all three without sleeping.
 */

/** A monotonic time source in milliseconds. Injected everywhere; pure code never reads Date.now(). */
export interface Clock {
  /**
   * Current time in milliseconds. Contract: never decreases between calls (monotonic), and is only
   * meaningful as a difference between two readings (the origin is arbitrary, not the Unix epoch).
   */
  now(): number
}
