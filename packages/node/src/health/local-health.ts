/**
 * Samples this process's own health for the heartbeat's summary: CPU % over the last interval,
 * memory, and the p99 event-loop delay. I/O edge: it reads process counters.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'

type IntervalHistogram = ReturnType<typeof monitorEventLoopDelay>

export interface ProcessHealthSample {
  cpuPercent: number
  rssBytes: number
  heapUsedBytes: number
  eventLoopDelayP99Ms: number
}

export class ProcessHealthSampler {
  private readonly histogram: IntervalHistogram
  private lastCpu = process.cpuUsage()
  private lastAt = process.hrtime.bigint()

  constructor () {
    this.histogram = monitorEventLoopDelay({ resolution: 50 })
    this.histogram.enable()
  }

  /** Values since the previous call; resets the window. */
  sample (): ProcessHealthSample {
    const now = process.hrtime.bigint()
    const cpu = process.cpuUsage(this.lastCpu)
    const elapsedUs = Number(now - this.lastAt) / 1000
    this.lastCpu = process.cpuUsage()
    this.lastAt = now
    const mem = process.memoryUsage()
    const p99Ns = this.histogram.count > 0 ? this.histogram.percentile(99) : 0
    this.histogram.reset()
    return {
      cpuPercent: elapsedUs > 0 ? round1(((cpu.user + cpu.system) / elapsedUs) * 100) : 0,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      eventLoopDelayP99Ms: round1(p99Ns / 1e6)
    }
  }

  stop (): void {
    this.histogram.disable()
  }
}

function round1 (x: number): number {
  return Math.round(x * 10) / 10
}
