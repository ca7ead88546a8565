/** Distribution summaries for the report (nearest-rank percentiles, in the input's unit). */

export interface Distribution { count: number, median: number | null, p99: number | null, max: number | null }

export function percentile (sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil(p / 100 * sorted.length))
  return sorted[rank - 1]!
}

export function distribution (values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b)
  return { count: sorted.length, median: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length === 0 ? null : sorted[sorted.length - 1]! }
}
