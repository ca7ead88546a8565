/**
 * Error-rate spike detection for one agent (issue 6). Errors (exits, matching stderr lines,
 * reports through the API) are counted in fixed buckets; each closed bucket's rate feeds an EWMA
 * baseline, and a spike is a rate above `max(minRatePerMin, factor × baseline)` for `sustainMs`.
 *
 * Why these defaults:
 * - bucket 10 s: short enough to react within half a minute, long enough that one burst of a
 *   few stderr lines is one sample rather than a spike of its own.
 * - baseline half-life 5 min: the baseline follows a slowly changing normal (an agent that always
 *   logs some errors) but not a spike, which is over in minutes.
 * - factor 3: a rate three times the usual is well outside the noise of a Poisson-like count at
 *   these rates, and it is what operators call "a spike" on a dashboard.
 * - floor 6/min (one error every 10 s): with a near-zero baseline any error would be "3× the
 *   baseline"; the floor keeps a quiet agent's rare error from alarming, and covers the cold start
 *   (the baseline starts at 0).
 * - sustain 30 s (three buckets): one bad bucket is noise; three in a row is a trend. The same
 *   time below the threshold ends the spike, so the state does not flap at the edge.
 * - warm-up 60 s: the baseline starts unknown, and an agent whose normal rate is above the floor
 *   would otherwise "spike" on its first buckets and, with the baseline frozen, never recover. The
 *   first buckets only teach the baseline (a crash loop at start is the restart policy's business).
 * While spiking, buckets are not folded into the baseline: otherwise a long spike would become
 * the new normal and clear itself. The early samples are averaged (weight 1/n until that is below
 * the EWMA's alpha), so the baseline is not biased toward its starting 0.
 */
import type { Clock } from '@kos/detect'

export interface SpikeRule {
  /** @default 3 */
  factor: number
  /** Errors per minute below which nothing is a spike. @default 6 */
  minRatePerMin: number
}

export interface ErrorSpikeInit extends Partial<SpikeRule> {
  /** @default 10000 */
  bucketMs?: number
  /** @default 300000 */
  baselineHalfLifeMs?: number
  /** @default 30000 */
  sustainMs?: number
  /** @default 60000 */
  warmupMs?: number
}

export const ERROR_SPIKE_DEFAULTS: Required<ErrorSpikeInit> = Object.freeze({
  factor: 3, minRatePerMin: 6, bucketMs: 10_000, baselineHalfLifeMs: 300_000, sustainMs: 30_000, warmupMs: 60_000
})

export type ErrorSpikeChange =
  | { type: 'spike', ratePerMin: number, baselinePerMin: number }
  | { type: 'recovered', ratePerMin: number, baselinePerMin: number }

/** The rate a bucket must exceed to count toward a spike. Pure. */
export function spikeThreshold (baselinePerMin: number, rule: SpikeRule): number {
  return Math.max(rule.minRatePerMin, rule.factor * baselinePerMin)
}

/** Is this rate over the spike threshold for this baseline? Pure. */
export function isSpikeRate (ratePerMin: number, baselinePerMin: number, rule: SpikeRule): boolean {
  return ratePerMin > spikeThreshold(baselinePerMin, rule)
}

/** EWMA smoothing factor for a step, from a half-life: after `halfLifeMs` an old sample weighs half. */
export function alphaForHalfLife (stepMs: number, halfLifeMs: number): number {
  return 1 - Math.pow(2, -stepMs / halfLifeMs)
}

/** One EWMA step. Pure. */
export function ewma (previous: number, sample: number, alpha: number): number {
  return previous + alpha * (sample - previous)
}

export class ErrorSpikeDetector {
  private readonly init: Required<ErrorSpikeInit>
  private readonly alpha: number
  private readonly sustainBuckets: number
  private readonly warmupBuckets: number
  /** Buckets folded into the baseline so far (for the 1/n average of the early samples). */
  private folded = 0
  private bucketStart: number
  private count = 0
  private _baseline = 0
  private _lastRate = 0
  private _spiking = false
  /** Consecutive closed buckets that disagree with the current state (over while calm, under while spiking). */
  private streak = 0
  private pending: ErrorSpikeChange | null = null

  constructor (private readonly clock: Clock, init: ErrorSpikeInit = {}) {
    this.init = { ...ERROR_SPIKE_DEFAULTS, ...init }
    this.alpha = alphaForHalfLife(this.init.bucketMs, this.init.baselineHalfLifeMs)
    this.sustainBuckets = Math.max(1, Math.ceil(this.init.sustainMs / this.init.bucketMs))
    this.warmupBuckets = Math.ceil(this.init.warmupMs / this.init.bucketMs)
    this.bucketStart = clock.now()
  }

  get spiking (): boolean { return this._spiking }
  get baselinePerMin (): number { return this._baseline }
  /** The rate of the last closed bucket. */
  get lastRatePerMin (): number { return this._lastRate }

  /** Counts errors now (closing any buckets that have ended first). */
  record (count = 1): void {
    this.advance()
    this.count += count
  }

  /** Closes ended buckets and returns the state change they caused, if any (the latest one). */
  poll (): ErrorSpikeChange | null {
    this.advance()
    const change = this.pending
    this.pending = null
    return change
  }

  private advance (): void {
    const now = this.clock.now()
    let ended = Math.floor((now - this.bucketStart) / this.init.bucketMs)
    if (ended <= 0) return
    this.bucketStart += ended * this.init.bucketMs
    this.close(this.count)
    this.count = 0
    // After a long quiet gap, the empty buckets beyond what can still change the state are
    // folded in one step: they are all rate 0, so only the baseline's decay matters.
    ended--
    const replay = Math.min(ended, this.sustainBuckets)
    for (let i = 0; i < replay; i++) this.close(0)
    const rest = ended - replay
    if (rest > 0 && !this._spiking) {
      this._baseline *= Math.pow(1 - this.alpha, rest)
      this.folded += rest
    }
  }

  private close (count: number): void {
    const rate = count * 60_000 / this.init.bucketMs
    this._lastRate = rate
    if (this.folded < this.warmupBuckets) {
      this.fold(rate)
      return
    }
    const over = isSpikeRate(rate, this._baseline, this.init)
    if (!this._spiking && !over) this.fold(rate)
    this.streak = over !== this._spiking ? this.streak + 1 : 0
    if (this.streak < this.sustainBuckets) return
    this._spiking = over
    this.streak = 0
    this.pending = { type: over ? 'spike' : 'recovered', ratePerMin: rate, baselinePerMin: this._baseline }
  }

  private fold (rate: number): void {
    this.folded++
    this._baseline = ewma(this._baseline, rate, Math.max(this.alpha, 1 / this.folded))
  }
}
