/**
 * A steady write load on the audit log for the propagation benchmark (bench-audit.ts):
 * `perSecond` appends with ack=local, round-robin over the nodes, paced by the clock in 20 ms
 * slots so the rate holds whatever one request takes. At most `maxInFlight` are outstanding; a
 * slot's share beyond that is skipped and counted, so a cluster that falls behind shows as a
 * lower achieved rate instead of a growing queue in the client.
 */
import type { Appended } from './audit-client.js'

const SLOT_MS = 20

export interface LoadReport {
  /** Appends per second asked for, and acknowledged over the run. */
  offeredPerSecond: number
  achievedPerSecond: number
  acked: number
  errors: number
  /** Appends not sent because `maxInFlight` were outstanding. */
  skipped: number
}

export class SteadyLoad {
  private readonly posters: ReadonlyArray<(i: number) => Promise<Appended>>
  private readonly perSecond: number
  private readonly maxInFlight: number
  private readonly inFlight = new Set<Promise<void>>()
  private timer: NodeJS.Timeout | undefined
  private startedAt = 0
  private sent = 0
  private acked = 0
  private errors = 0
  private skipped = 0

  constructor (posters: ReadonlyArray<(i: number) => Promise<Appended>>, perSecond: number, maxInFlight = 64) {
    this.posters = posters
    this.perSecond = perSecond
    this.maxInFlight = maxInFlight
  }

  start (): void {
    this.startedAt = performance.now()
    this.timer = setInterval(() => { this.slot() }, SLOT_MS)
  }

  /** Stops sending, waits for the appends in flight, and reports. */
  async stop (): Promise<LoadReport> {
    clearInterval(this.timer)
    const elapsedS = (performance.now() - this.startedAt) / 1000
    await Promise.all(this.inFlight)
    return { offeredPerSecond: this.perSecond, achievedPerSecond: Math.round(this.acked / elapsedS), acked: this.acked, errors: this.errors, skipped: this.skipped }
  }

  private slot (): void {
    const due = Math.floor((performance.now() - this.startedAt) * this.perSecond / 1000) - this.sent - this.skipped
    for (let k = 0; k < due; k++) {
      if (this.inFlight.size >= this.maxInFlight) { this.skipped++; continue }
      const i = this.sent++
      const p: Promise<void> = this.posters[i % this.posters.length]!(i)
        .then(() => { this.acked++ }, () => { this.errors++ })
        .finally(() => { this.inFlight.delete(p) })
      this.inFlight.add(p)
    }
  }
}
