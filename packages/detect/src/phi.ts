/**
 * The suspicion level φ of the accrual failure detector.
 *
 *   φ(t) = -log10(1 - F(t))
 * where t is the time since the last heartbeat and F is the CDF of the normal distribution fitted
 * to the recent inter-arrival times. φ = 1 means a 10 % chance that a heartbeat this late is still
 * coming, φ = 8 a chance of 1 in 10^8.
 *
 * F is a logistic approximation of the normal CDF (error 0.00014 at y = ±3.16), cheaper than
 * the error function and close enough for a threshold decision:
 *   y = (t - mean) / std,  e = exp(-y·(1.5976 + 0.070566·y²)),  F(y) = 1 / (1 + e)
 * which gives φ = -log10(e / (1 + e)) when t > mean, and -log10(1 - 1/(1 + e)) otherwise.
 *
 * Both branches equal log10(1 + exp(z)) with z = y·(1.5976 + 0.070566·y²), so we evaluate that
 * "softplus" in its overflow-safe form: for large y, exp(-z) underflows to 0 and the two-branch
 * expression becomes -log10(0) = Infinity, whereas z/ln10 stays finite and exact; for very negative
 * y it gives +0 (never -0). The values are otherwise those of the two-branch expression to
 * floating-point precision.
 */

/** Pure: phi for a heartbeat elapsedMs late given the distribution; the logistic approximation of the normal CDF:
    y = (elapsed - mean)/std; e = exp(-y*(1.5976 + 0.070566*y*y)); elapsed > mean ? -log10(e/(1+e)) : -log10(1 - 1/(1+e))
    @param elapsedMs time since the last heartbeat, ms
    @param meanMs mean of the expected inter-arrival time, ms (the detector adds the acceptable pause to it)
    @param stdDevMs standard deviation of the inter-arrival time, ms; must be > 0
    @returns phi >= 0, increasing in elapsedMs */
export function phi (elapsedMs: number, meanMs: number, stdDevMs: number): number {
  if (!(stdDevMs > 0)) {
    throw new RangeError(`phi: stdDevMs must be > 0, got ${stdDevMs}`)
  }
  if (Number.isNaN(elapsedMs) || Number.isNaN(meanMs)) {
    throw new RangeError(`phi: elapsedMs and meanMs must be numbers, got ${elapsedMs} and ${meanMs}`)
  }
  const y = (elapsedMs - meanMs) / stdDevMs
  const z = y * (1.5976 + 0.070566 * y * y)
  // log(1 + exp(z)) without overflow: for z > 0 factor out exp(z).
  const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))
  return softplus / Math.LN10
}
