/**
 * φ accrual failure detectors for many monitored resources (peers), one per slot, in typed
 * arrays.
 *
 * Instead of a boolean, a detector outputs a suspicion level φ that grows with the silence since
 * the last heartbeat, scaled by the observed distribution of inter-arrival times; the caller
 * compares it with a threshold. The rules:
 *
 * - The history is bootstrapped from `firstHeartbeatEstimateMs` (two intervals, estimate ± std
 *   with std = estimate/4), so a peer that sends one heartbeat and goes silent is still detected.
 * - The first heartbeat only starts monitoring; each later one adds the interval since the
 *   previous one, except the heartbeat that ends a silence during which the peer was unavailable
 *   (φ >= threshold at arrival): that interval is left out because one long pause would skew
 *   the mean and std for the next maxSampleSize heartbeats.
 * - φ uses mean + acceptableHeartbeatPauseMs and max(std, minStdDeviationMs).
 *
 * A non-positive interval (the clock did not advance, or a clock broke the
 * monotonic contract) is ignored rather than added, since a zero interval is not a real arrival
 * gap and would drag the mean down; and no "interval growing too large" warning is published,
 * because this core does no I/O (the caller can watch `phi()`).
 *
 * For a caller watching many peers, `earliestThresholdAtMs()` says until when φ cannot have
 * reached the threshold (φ grows with the silence alone while the history stands still): it
 * can skip evaluating φ before then. It is kept with the history, so reading it costs nothing.
 *
 * Why a table: see `HeartbeatWindows`. The slots are the caller's numbering (a dense index of
 * its peers); `PhiAccrualDetector` is a table of one. Each method reads the clock at most once,
 * so φ and the availability decision inside `heartbeat()` refer to the same instant.
 */
import type { Clock } from './clock.js'
import { HeartbeatWindows } from './heartbeat-windows.js'
import { phi } from './phi.js'
import { validatePhiAccrualOptions } from './phi-accrual-options.js'
import type { PhiAccrualOptions } from './phi-accrual-options.js'
import { silenceToPhi, standardScoreForPhi } from './phi-inverse.js'
import { SlotSlab, type SlabFields } from './slot-slab.js'

/** Per slot in the slab: the last accepted heartbeat (NaN until the first), the silence to the threshold; then the window's header. */
const LAST = 0
const SILENCE = 1
const OWN_FIELDS = 2

/**
 * How much earlier than the computed crossing `earliestThresholdAtMs()` answers, ms. φ is
 * evaluated in floating point from (silence - mean) / std, and the crossing from mean + y·std:
 * the two roundings differ by a few ulps of the magnitudes (< 1e-6 ms for any time below 10^9 ms),
 * so a thousandth of a millisecond keeps the answer a true lower bound.
 */
const THRESHOLD_SLACK_MS = 1e-3

export class PhiAccrualTable {
  /** Numbers per slot in the slab (its own and its window's). */
  static readonly FIELDS = OWN_FIELDS + HeartbeatWindows.FIELDS
  readonly options: Readonly<PhiAccrualOptions>
  readonly #clock: Clock
  readonly #windows: HeartbeatWindows
  /**
   * Per slot: clock.now() at the last accepted heartbeat, ms, NaN until the first one; and the
   * silence after which φ may reach the threshold with the current history, ms (slack taken off).
   */
  readonly #slab: SlotSlab
  readonly #offset: number
  /** The standard score at which φ reaches the threshold (a function of the threshold alone). */
  readonly #thresholdScore: number

  /**
   * Throws RangeError naming the option when an option is out of range. Slots start unused:
   * `reset` one first. `group`: slots whose sample windows interleave (see HeartbeatWindows).
   * `fields`: where its FIELDS numbers per slot go, a share of a slab the caller owns and grows
   * (see SlotSlab); else a slab of its own.
   */
  constructor (options: PhiAccrualOptions, clock: Clock, capacity: number, group = 1, fields?: SlabFields) {
    this.options = validatePhiAccrualOptions(options)
    this.#clock = clock
    this.#thresholdScore = standardScoreForPhi(this.options.threshold)
    this.#slab = fields?.slab ?? new SlotSlab(PhiAccrualTable.FIELDS, capacity)
    this.#offset = fields?.offset ?? 0
    this.#windows = new HeartbeatWindows(this.options.maxSampleSize, capacity, group, { slab: this.#slab, offset: this.#offset + OWN_FIELDS })
  }

  get capacity (): number { return this.#windows.capacity }

  /** Makes room for `capacity` slots, keeping the detectors held. */
  grow (capacity: number): void {
    const before = this.capacity
    if (capacity <= before) return
    this.#slab.grow(capacity)
    this.#windows.grow(capacity)
  }

  /** A new detector in `slot`: the bootstrap history, not monitoring until its first heartbeat. */
  reset (slot: number): void {
    // Two samples estimate ± estimate/4 have mean = estimate and std = estimate/4: a rather wide
    // distribution, since nothing is known about the peer yet.
    const meanMs = this.options.firstHeartbeatEstimateMs
    const stdDevMs = meanMs / 4
    this.#windows.clear(slot)
    this.#windows.add(slot, meanMs - stdDevMs)
    this.#windows.add(slot, meanMs + stdDevMs)
    const t = this.#at(slot)
    this.#slab.data[t + LAST] = NaN
    this.#updateSilenceToThreshold(slot)
  }

  /** Where the numbers of `slot` start in the slab. */
  #at (slot: number): number {
    return slot * this.#slab.stride + this.#offset
  }

  /**
   * Records a heartbeat arrival at clock.now(). The first call only starts monitoring (there
   * is no interval yet); later ones add the interval since the previous heartbeat to the history,
   * unless φ had already reached the threshold (the peer was unavailable) or the interval is
   * <= 0 ms. Returns true when that brought `earliestThresholdAtMs` forward (a burst shrinks the mean),
   * which a caller holding the old value as a bound must hear of.
   */
  heartbeat (slot: number): boolean {
    const now = this.#clock.now()
    const times = this.#slab.data
    const t = this.#at(slot)
    const last = times[t + LAST]!
    if (Number.isNaN(last)) {
      // The history is still the bootstrap: nothing is added before monitoring starts.
      times[t + LAST] = now
      return true // from Infinity
    }
    const intervalMs = now - last
    if (!(intervalMs > 0)) return false
    const before = last + times[t + SILENCE]!
    // Before the crossing, φ is below the threshold for sure: no need to evaluate it.
    if (intervalMs < times[t + SILENCE]! || this.#phiAt(slot, now) < this.options.threshold) {
      this.#windows.add(slot, intervalMs)
      this.#updateSilenceToThreshold(slot)
    }
    times[t + LAST] = now
    return now + times[t + SILENCE]! < before
  }

  /** Current suspicion level; 0 before the first heartbeat (an unmonitored resource counts as healthy). */
  phi (slot: number): number {
    return this.#phiAt(slot, this.#clock.now())
  }

  /** phi() < threshold. */
  isAvailable (slot: number): boolean {
    return this.phi(slot) < this.options.threshold
  }

  /** clock.now() of the last accepted heartbeat, ms; undefined before the first. */
  lastHeartbeatAt (slot: number): number | undefined {
    const last = this.#slab.data[this.#at(slot) + LAST]!
    return Number.isNaN(last) ? undefined : last
  }

  /**
   * Milliseconds of silence after which phi reaches the threshold with the current history (pure
   * inversion by bisection, bounded iterations). Before the first heartbeat this is the value for
   * the bootstrap history, i.e. what applies once monitoring starts (phi() itself stays 0 until then).
   */
  silenceToThresholdMs (slot: number): number {
    return silenceToPhi(this.options.threshold, this.#effectiveMeanMs(slot), this.#effectiveStdDevMs(slot))
  }

  /**
   * The earliest clock time at which φ may reach the threshold if no heartbeat arrives before:
   * a lower bound (early by at most a microsecond), so that φ is surely below the threshold
   * before it; Infinity before the first heartbeat (φ stays 0). Once it has passed, ask
   * `isAvailable()`: the decision is φ's, this only says when asking is pointless. Reads no clock.
   */
  earliestThresholdAtMs (slot: number): number {
    const t = this.#at(slot)
    const last = this.#slab.data[t + LAST]!
    return Number.isNaN(last) ? Infinity : last + this.#slab.data[t + SILENCE]!
  }

  /**
   * Stores the slot's silence to the threshold for its current history. It stores rather than
   * returns: a float returned from a call the compiler does not inline is boxed, and this runs
   * on every heartbeat.
   */
  #updateSilenceToThreshold (slot: number): void {
    this.#slab.data[this.#at(slot) + SILENCE] = this.#effectiveMeanMs(slot) + this.#thresholdScore * this.#effectiveStdDevMs(slot) - THRESHOLD_SLACK_MS
  }

  #phiAt (slot: number, nowMs: number): number {
    const last = this.#slab.data[this.#at(slot) + LAST]!
    if (Number.isNaN(last)) return 0
    return phi(nowMs - last, this.#effectiveMeanMs(slot), this.#effectiveStdDevMs(slot))
  }

  /** Mean interval plus the pause we tolerate on top of it, ms. */
  #effectiveMeanMs (slot: number): number {
    return this.#windows.mean(slot) + this.options.acceptableHeartbeatPauseMs
  }

  /** Observed std floored so regular heartbeats do not make φ hypersensitive, ms. */
  #effectiveStdDevMs (slot: number): number {
    return Math.max(Math.sqrt(this.#windows.variance(slot)), this.options.minStdDeviationMs)
  }
}
