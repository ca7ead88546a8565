/**
 * Inverse of φ: how long a silence makes φ reach a given level.
 *
 * φ (with its logistic CDF, see phi.ts) depends on the silence t
 * only through y = (t - mean) / std, and is strictly increasing in y. So we solve φ(y) = level once
 * in standard units by bisection and scale back: t = mean + y·std. Pure. The detector uses it to
 * know until when φ cannot have reached its threshold, so that a caller watching a thousand peers
 * evaluates φ only for those whose silence may be long enough (the decision itself is still φ).
 */
import { phi } from './phi.js'

/** Bisection steps at most; 200 halvings exceed double precision for any bracket we build. */
const MAX_BISECTION_STEPS = 200
/** Bracket doublings at most: φ(±2^k) reaches any finite level, or 0, long before k = 1100. */
const MAX_BRACKET_DOUBLINGS = 1100

/**
 * The silence in ms after which φ(silence, meanMs, stdDevMs) first reaches `level`.
 * @param level φ to reach (finite, > 0)
 * @param meanMs mean interval plus acceptable pause, ms
 * @param stdDevMs std deviation used by φ (already floored), ms (> 0)
 * @returns ms >= 0 (0 when φ is already at `level` with no silence)
 * @internal
 */
export function silenceToPhi (level: number, meanMs: number, stdDevMs: number): number {
  if (!(level > 0) || !Number.isFinite(level)) throw new RangeError(`silenceToPhi: level must be finite and > 0, got ${level}`)
  if (!(stdDevMs > 0)) throw new RangeError(`silenceToPhi: stdDevMs must be > 0, got ${stdDevMs}`)
  const y = standardScoreForPhi(level)
  return Math.max(0, meanMs + y * stdDevMs)
}

/**
 * Standard scores already found, by level: a node builds a detector per peer, all with the same
 * threshold, and the bisection costs a few hundred φ evaluations. Pure, so caching is safe; the
 * levels in use are a handful of configured thresholds.
 */
const standardScores = new Map<number, number>()
const MAX_CACHED_LEVELS = 64

/** Smallest y (in floating point) with φ(y, 0, 1) >= level (memoised). @internal */
export function standardScoreForPhi (level: number): number {
  let y = standardScores.get(level)
  if (y === undefined) {
    y = bisectStandardScore(level)
    if (standardScores.size >= MAX_CACHED_LEVELS) standardScores.clear()
    standardScores.set(level, y)
  }
  return y
}

/** Smallest y (in floating point) with φ(y, 0, 1) >= level, found by bisection. */
function bisectStandardScore (level: number): number {
  const reached = (y: number): boolean => phi(y, 0, 1) >= level
  // Invariant: !reached(lo) && reached(hi). φ(0) = log10 2 ≈ 0.301, so start from ±1 and widen.
  let lo = -1
  let hi = 1
  for (let i = 0; i < MAX_BRACKET_DOUBLINGS && !reached(hi); i++) { lo = hi; hi *= 2 }
  for (let i = 0; i < MAX_BRACKET_DOUBLINGS && reached(lo); i++) { hi = lo; lo *= 2 }
  for (let i = 0; i < MAX_BISECTION_STEPS; i++) {
    const mid = lo + (hi - lo) / 2
    if (mid <= lo || mid >= hi) break // no double left between them
    if (reached(mid)) hi = mid
    else lo = mid
  }
  return hi
}
