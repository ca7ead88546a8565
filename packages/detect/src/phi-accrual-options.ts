/**
 * Options of the φ accrual failure detector and their validation.
 *
 * Five knobs: the threshold, how many intervals the history keeps, a floor on the standard
 * deviation, the pause accepted on top of the mean, and the first heartbeat estimate (usually
 * the heartbeat interval); φ is defined in phi.ts. Combined effect: with heartbeats every I ms that
 * arrive regularly (so the std floor S applies) and threshold 8, φ crosses the threshold after
 * about I + acceptableHeartbeatPauseMs + 5.2·S ms of silence (see the README).
 *
 * Defaults are not chosen here: the node's config schema owns them, with their reasons.
 */

export interface PhiAccrualOptions {
  /**
   * φ above which the resource is considered unavailable (> 0). φ = 8 means the silence would be
   * that long only once in 10^8 times if the peer were alive. Low: quick detection, more false
   * suspicions; high: fewer mistakes, slower detection.
   */
  threshold: number
  /** Intervals kept in the window (integer >= 1): the memory of the mean and std estimates. */
  maxSampleSize: number
  /**
   * Floor on the std deviation, ms (> 0), so that very regular heartbeats do not make φ jump on
   * small jitter: with std → 0 any delay would be infinitely improbable.
   */
  minStdDeviationMs: number
  /**
   * Added to the mean, ms (>= 0): pauses (GC, stalls, lost heartbeats) tolerated before φ rises.
   * E.g. 3000 with 1000 ms heartbeats accepts about three lost heartbeats.
   */
  acceptableHeartbeatPauseMs: number
  /**
   * Bootstrap estimate of the interval, ms (> 0), usually the heartbeat interval: the history is
   * seeded with mean = estimate, std = estimate/4 (two intervals estimate ± std), so
   * that a peer that sends one heartbeat and then goes silent still becomes unavailable.
   */
  firstHeartbeatEstimateMs: number
}

/**
 * Checks every option and returns a frozen copy, so later mutation of the caller's object cannot
 * change a running detector (a table of many detectors holds one copy). Throws RangeError naming the
 * option.
 * @internal
 */
export function validatePhiAccrualOptions (options: PhiAccrualOptions): Readonly<PhiAccrualOptions> {
  const { threshold, maxSampleSize, minStdDeviationMs, acceptableHeartbeatPauseMs, firstHeartbeatEstimateMs } = options
  // Written as !(x > 0) so that NaN, which fails every comparison, is rejected too.
  if (!(threshold > 0) || !Number.isFinite(threshold)) {
    throw invalid('threshold', 'a finite number > 0', threshold)
  }
  if (!Number.isInteger(maxSampleSize) || maxSampleSize < 1) {
    throw invalid('maxSampleSize', 'an integer >= 1', maxSampleSize)
  }
  if (!(minStdDeviationMs > 0) || !Number.isFinite(minStdDeviationMs)) {
    throw invalid('minStdDeviationMs', 'a finite number of ms > 0', minStdDeviationMs)
  }
  if (!(acceptableHeartbeatPauseMs >= 0) || !Number.isFinite(acceptableHeartbeatPauseMs)) {
    throw invalid('acceptableHeartbeatPauseMs', 'a finite number of ms >= 0', acceptableHeartbeatPauseMs)
  }
  if (!(firstHeartbeatEstimateMs > 0) || !Number.isFinite(firstHeartbeatEstimateMs)) {
    throw invalid('firstHeartbeatEstimateMs', 'a finite number of ms > 0', firstHeartbeatEstimateMs)
  }
  return Object.freeze({ threshold, maxSampleSize, minStdDeviationMs, acceptableHeartbeatPauseMs, firstHeartbeatEstimateMs })
}

function invalid (option: keyof PhiAccrualOptions, expected: string, got: unknown): RangeError {
  return new RangeError(`PhiAccrualOptions.${option} must be ${expected}, got ${String(got)}`)
}
