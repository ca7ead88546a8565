/**
 * What the benchmark scripts share: order statistics and the machine's facts, printed with
 * every result so a number is never read without the machine it was measured on.
 */
import { cpus, release, totalmem } from 'node:os'

export interface Stats { min: number, median: number, max: number, n: number }

export function stats (xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
  return { min: s[0] ?? NaN, median: mid, max: s.length === 0 ? NaN : s[s.length - 1]!, n: s.length }
}

export interface MachineFacts { cpu: string, cores: number, memGiB: number, kernel: string, node: string, date: string }

export function machineFacts (): MachineFacts {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    date: new Date().toISOString()
  }
}

export function describeMachine (m: MachineFacts): string {
  return `Machine: ${m.cores} × ${m.cpu}, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node}, ${m.date}`
}

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile (xs: number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))]!
}
