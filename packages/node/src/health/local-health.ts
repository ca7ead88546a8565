/**
 * Samples this process's own health for the heartbeat's summary: CPU % over the last interval,
 * memory, and the p99 event-loop delay. I/O edge: it reads process counters.
 *
 * The delay is the resource monitor's (healing/resource-monitor.ts: the p99 over its last
 * sample, or its tick's own lateness), read through `loopDelayMs`: a second histogram here
 * woke the process 20 times a second for the same figure. Without a reading (the monitor not
 * started yet) the summary says 0.
 */

export interface ProcessHealthSample {
  cpuPercent: number
  rssBytes: number
  heapUsedBytes: number
  eventLoopDelayP99Ms: number
}

export class ProcessHealthSampler {
  private readonly loopDelayMs: () => number | undefined
  private lastCpu = process.cpuUsage()
  private lastAt = process.hrtime.bigint()

  /** `loopDelayMs`: the event-loop delay (p99 over the last resource sample), in ms, if known. */
  constructor (loopDelayMs: () => number | undefined) {
    this.loopDelayMs = loopDelayMs
  }

  /** Values since the previous call; resets the window. */
  sample (): ProcessHealthSample {
    const now = process.hrtime.bigint()
    const cpu = process.cpuUsage(this.lastCpu)
    const elapsedUs = Number(now - this.lastAt) / 1000
    this.lastCpu = process.cpuUsage()
    this.lastAt = now
    const mem = process.memoryUsage()
    return {
      cpuPercent: elapsedUs > 0 ? round1(((cpu.user + cpu.system) / elapsedUs) * 100) : 0,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      eventLoopDelayP99Ms: round1(this.loopDelayMs() ?? 0)
    }
  }
}

function round1 (x: number): number {
  return Math.round(x * 10) / 10
}
