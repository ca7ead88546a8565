/**
 * A logical clock, one per node: a counter that every local event raises and that every event
 * received pushes past the time it carries. Every audit entry carries such a time (`lamport`)
 * beside its wall-clock `ts`, so entries of different origins order causally even when wall clocks
 * disagree.
 *
 * Rules: `tick()` before a local append (the new entry's time); `observe(t)` for every verified
 * entry received, so the next local tick exceeds everything seen. A restarted node observes the
 * largest time in its store first (`AuditStore.maxLamport()`). Pure: no time, no I/O.
 */

export class LamportClock {
  private time: number

  /** `initial` is the last time used or seen (0 for a new log); the first tick returns initial + 1. */
  constructor (initial = 0) {
    if (!Number.isSafeInteger(initial) || initial < 0) throw new RangeError(`Lamport time must be a non-negative safe integer, got ${initial}`)
    this.time = initial
  }

  /** The last time used or seen. */
  now (): number {
    return this.time
  }

  /** Advances the clock for a local event and returns that event's time. */
  tick (): number {
    if (this.time >= Number.MAX_SAFE_INTEGER) throw new RangeError('Lamport clock exhausted')
    this.time += 1
    return this.time
  }

  /**
   * Takes in a time seen on a received entry. Invalid values (not a safe non-negative integer)
   * are ignored: they come from outside and must not poison the clock.
   */
  observe (time: number): void {
    if (Number.isSafeInteger(time) && time > this.time) this.time = time
  }
}
