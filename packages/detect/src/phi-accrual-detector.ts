/**
 * The φ accrual failure detector for one monitored resource (one peer).
 *
 * Hayashibara, Défago, Yared, Katayama (2004), "The φ accrual failure detector": instead of a
 * boolean, the detector outputs a suspicion level φ that grows with the silence since the last
 * heartbeat, scaled by the observed distribution of inter-arrival times; the caller compares it
 * with a threshold. The behaviour follows Akka/Pekko's `PhiAccrualFailureDetector`
 * (org.apache.pekko.remote), re-written here, not translated:
 *
 * - The history is bootstrapped from `firstHeartbeatEstimateMs` (two intervals, estimate ± std
 *   with std = estimate/4), so a peer that sends one heartbeat and goes silent is still detected.
 * - The first heartbeat only starts monitoring; each later one adds the interval since the
 *   previous one, except the heartbeat that ends a silence during which the peer was unavailable
 *   (φ >= threshold at arrival): Pekko leaves that interval out because one long pause would skew
 *   the mean and std for the next maxSampleSize heartbeats.
 * - φ uses mean + acceptableHeartbeatPauseMs and max(std, minStdDeviationMs).
 *
 * Departures from Pekko: a non-positive interval (the clock did not advance, or a clock broke the
 * monotonic contract) is ignored rather than added, since a zero interval is not a real arrival
 * gap and would drag the mean down; and no "interval growing too large" warning is published,
 * because this core does no I/O (the caller can watch `phi()`).
 *
 * For a caller watching many peers, `earliestThresholdAtMs()` says until when φ cannot have
 * reached the threshold (φ grows with the silence alone while the history stands still): it
 * can skip evaluating φ before then. It is kept with the history, so reading it costs nothing.
 *
 * Each public method reads the clock at most once, so φ and the availability decision inside
 * `heartbeat()` refer to the same instant. Single-threaded JS needs no Pekko-style CAS loop.
 */
import type { Clock } from './clock.js'
import { HeartbeatHistory } from './heartbeat-history.js'
import { phi } from './phi.js'
import { validatePhiAccrualOptions } from './phi-accrual-options.js'
import type { PhiAccrualOptions } from './phi-accrual-options.js'
import { silenceToPhi, standardScoreForPhi } from './phi-inverse.js'

/**
 * How much earlier than the computed crossing `earliestThresholdAtMs()` answers, ms. φ is
 * evaluated in floating point from (silence - mean) / std, and the crossing from mean + y·std:
 * the two roundings differ by a few ulps of the magnitudes (< 1e-6 ms for any time below 10^9 ms),
 * so a thousandth of a millisecond keeps the answer a true lower bound.
 */
const THRESHOLD_SLACK_MS = 1e-3

export class PhiAccrualDetector {
  readonly #options: Readonly<PhiAccrualOptions>
  readonly #clock: Clock
  #history: HeartbeatHistory
  /** clock.now() at the last accepted heartbeat, ms; undefined until the first one. */
  #lastHeartbeatAt: number | undefined
  /** Silence after which φ may reach the threshold with the current history, ms (slack taken off). */
  #silenceToThresholdMs = 0
  /** The standard score at which φ reaches the threshold (a function of the threshold alone). */
  readonly #thresholdScore: number

  /** Throws RangeError naming the option when an option is out of range. */
  constructor (options: PhiAccrualOptions, clock: Clock) {
    this.#options = validatePhiAccrualOptions(options)
    this.#clock = clock
    this.#thresholdScore = standardScoreForPhi(this.#options.threshold)
    this.#history = this.#bootstrapHistory()
    this.#silenceToThresholdMs = this.#computeSilenceToThreshold()
  }

  /**
   * Records a heartbeat arrival at clock.now(). The first call only starts monitoring (Akka
   * semantics); later ones add the interval since the previous heartbeat to the history, unless
   * φ had already reached the threshold (the peer was unavailable) or the interval is <= 0 ms.
   */
  heartbeat (): void {
    const now = this.#clock.now()
    const last = this.#lastHeartbeatAt
    if (last === undefined) {
      // The history is still the constructor's bootstrap: nothing is added before monitoring starts.
      this.#lastHeartbeatAt = now
      return
    }
    const intervalMs = now - last
    if (!(intervalMs > 0)) return
    // Before the crossing, φ is below the threshold for sure: no need to evaluate it.
    if (intervalMs < this.#silenceToThresholdMs || this.#phiAt(now) < this.#options.threshold) {
      this.#history.add(intervalMs)
      this.#silenceToThresholdMs = this.#computeSilenceToThreshold()
    }
    this.#lastHeartbeatAt = now
  }

  /** Current suspicion level; 0 before the first heartbeat (an unmonitored resource counts as healthy). */
  phi (): number {
    return this.#phiAt(this.#clock.now())
  }

  /** phi() < threshold. */
  isAvailable (): boolean {
    return this.phi() < this.#options.threshold
  }

  /** True once the first heartbeat has arrived. */
  get isMonitoring (): boolean {
    return this.#lastHeartbeatAt !== undefined
  }

  /** clock.now() of the last accepted heartbeat, ms; undefined before the first. */
  get lastHeartbeatAt (): number | undefined {
    return this.#lastHeartbeatAt
  }

  /**
   * Milliseconds of silence after which phi reaches the threshold with the current history (pure inversion by
   * bisection, bounded iterations). Useful for docs and benchmarks. Before the first heartbeat this is the value
   * for the bootstrap history, i.e. what applies once monitoring starts (phi() itself stays 0 until then).
   */
  silenceToThresholdMs (): number {
    return silenceToPhi(this.#options.threshold, this.#effectiveMeanMs(), this.#effectiveStdDevMs())
  }

  /**
   * The earliest clock time at which φ may reach the threshold if no heartbeat arrives before:
   * a lower bound (early by at most a microsecond), so that φ is surely below the threshold
   * before it; Infinity before the first heartbeat (φ stays 0). Once it has passed, ask
   * `isAvailable()`: the decision is φ's, this only says when asking is pointless. Reads no clock.
   */
  earliestThresholdAtMs (): number {
    const last = this.#lastHeartbeatAt
    return last === undefined ? Infinity : last + this.#silenceToThresholdMs
  }

  #computeSilenceToThreshold (): number {
    return this.#effectiveMeanMs() + this.#thresholdScore * this.#effectiveStdDevMs() - THRESHOLD_SLACK_MS
  }

  #phiAt (nowMs: number): number {
    const last = this.#lastHeartbeatAt
    if (last === undefined) return 0
    return phi(nowMs - last, this.#effectiveMeanMs(), this.#effectiveStdDevMs())
  }

  /** Mean interval plus the pause we tolerate on top of it, ms. */
  #effectiveMeanMs (): number {
    return this.#history.mean + this.#options.acceptableHeartbeatPauseMs
  }

  /** Observed std floored so regular heartbeats do not make φ hypersensitive, ms. */
  #effectiveStdDevMs (): number {
    return Math.max(this.#history.stdDeviation, this.#options.minStdDeviationMs)
  }

  #bootstrapHistory (): HeartbeatHistory {
    // Two samples estimate ± estimate/4 have mean = estimate and std = estimate/4: a rather wide
    // distribution, since nothing is known about the peer yet.
    const meanMs = this.#options.firstHeartbeatEstimateMs
    const stdDevMs = meanMs / 4
    const history = new HeartbeatHistory(this.#options.maxSampleSize)
    history.add(meanMs - stdDevMs)
    history.add(meanMs + stdDevMs)
    return history
  }
}
