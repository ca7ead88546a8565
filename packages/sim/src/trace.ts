/**
 * The run's trace: every relevant event (faults, member state changes, elections; not routine
 * heartbeats) as one line, kept in a ring of the last `keep` lines for a violation's report, and
 * folded into a SHA-256 so two runs of one seed can be compared by a single hash.
 */
import { createHash, type Hash } from 'node:crypto'

export class Trace {
  private readonly ring: string[] = []
  private next = 0
  private readonly hash: Hash = createHash('sha256')
  private count = 0
  private readonly keep: number
  /** Sees every line as it is added (the checkers keep a longer ring to search). */
  tap: ((entry: string) => void) | null = null

  constructor (keep = 60) { this.keep = keep }

  get lines (): number { return this.count }

  add (atMs: number, line: string): void {
    const entry = `${(atMs / 1000).toFixed(3).padStart(9)}s ${line}`
    this.hash.update(entry).update('\n')
    this.count++
    this.tap?.(entry)
    if (this.ring.length < this.keep) this.ring.push(entry)
    else { this.ring[this.next] = entry; this.next = (this.next + 1) % this.keep }
  }

  /** The last `keep` lines, oldest first. */
  recent (): string[] {
    return this.ring.length < this.keep ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)]
  }

  /** The hash of every line so far (a copy: the trace keeps running). */
  digest (): string { return this.hash.copy().digest('hex') }
}
