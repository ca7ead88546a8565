/**
 * The operating-system readers behind the resource monitor (issue 6): the I/O edge. Each reader
 * returns the value since its previous call, or undefined when the platform has no such counter;
 * a reader that throws is reported by the monitor and counts as missing for that sample.
 *
 * What is measured, and why:
 * - CPU: three readings. The node's own share of a core, twice: its event loop's utilisation
 *   (`performance.eventLoopUtilization()`: the main thread's busy share of wall time, which also
 *   counts the time the thread was runnable but descheduled, so it reads high when other
 *   processes keep the cores busy) and the process's CPU time (`process.cpuUsage()`: what it
 *   really ran, GC helpers and the libuv pool included). The monitor takes the lesser: the share
 *   of a core the node's own work took. And the machine's busy share over all cores
 *   (`os.cpus()` deltas), which is reported and warned about but never drives the mode: a
 *   machine kept busy by other processes is not this node's overload. `os.loadavg()` is not used:
 *   it is a 1-minute average of runnable (and on Linux, disk-blocked) tasks, not a share.
 * - Memory: the fullest of the machine (`os.freemem()`, which is MemAvailable on Linux), the
 *   cgroup limit when one binds (`process.constrainedMemory()`/`availableMemory()`: in a
 *   container the cgroup's OOM killer strikes long before the host is full), and the V8 heap
 *   against its own limit (past it the process dies with "heap out of memory", however much the
 *   machine has free).
 * - Event-loop delay: p99 of `monitorEventLoopDelay` over the sample, in ms. A loop blocked for
 *   the whole sample records nothing; the monitor adds its own tick's lateness for that case.
 * - Disk: free share of the file system holding the data directory (`statfs`, blocks available
 *   to an unprivileged user), where the audit log and the state store grow.
 * - Network: reported, never a mode driver. libp2p 2.x keeps no byte counters on a connection
 *   unless one of its metrics implementations is configured, and adding one
 *   just for this costs a stream wrapper per connection; so the cumulative bytes come from
 *   /proc/net/dev, received plus sent over every interface, loopback included (a cluster on one
 *   host talks over `lo`). It is the machine's traffic, not only the node's. Off Linux: none.
 */
import { readFileSync } from 'node:fs'
import { readFile, statfs } from 'node:fs/promises'
import { cpus, freemem, totalmem } from 'node:os'
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'

type Maybe<T> = T | undefined | Promise<T | undefined>

export interface CpuReading {
  /** Busy share of all cores since the previous reading, in %. */
  machinePercent: number
  /** Share of the time the node's event loop was busy since the previous reading, in %. */
  loopUtilizationPercent: number
  /** CPU time the node's process ran since the previous reading, in % of one core (may exceed 100). */
  processPercent: number
}

/** The monitor's samplers; tests pass their own to induce pressure without burning CPU. */
export interface ResourceSamplers {
  cpu (): Maybe<CpuReading>
  /** Memory in use, in % of the binding limit (machine, cgroup or V8 heap, the fullest). */
  memoryPercent (): Maybe<number>
  /** p99 event-loop delay since the previous call, in ms. */
  eventLoopDelayMs (): Maybe<number>
  /** Free space of the data directory's file system, in %. */
  diskFreePercent (): Maybe<number>
  /** Cumulative network bytes (received + sent); the monitor turns it into a rate. */
  networkBytes (): Maybe<number>
  /**
   * Cumulative ms the node's main thread ran or waited in a run queue (Linux
   * `/proc/self/schedstat`), read at each tick: time in neither while a tick was late means the
   * process was suspended (resource-monitor.ts, suspendedMs). Undefined where unreadable.
   */
  scheduledMs? (): number | undefined
  /** Releases what the samplers hold (the delay histogram). Idempotent. */
  stop? (): void
}

export interface SystemSamplersInit {
  /** The node's data directory: its file system is the one whose free space counts. */
  dataDir: string
  /**
   * Resolution of the event-loop delay histogram, in ms: its timer wakes the process this often.
   * 50, not 10: 100 wakeups a second were most of an idle lone node's CPU (~0.6 % of a core of
   * its 1 %), and the modes' delay thresholds (100 ms and up) need no finer grain. @default 50
   */
  delayResolutionMs?: number
  /** Where the network counters are read. @default '/proc/net/dev' */
  netDevPath?: string
}

/** What `loopDelayOfHistogram` reads of a delay histogram (node:perf_hooks' IntervalHistogram). */
export interface DelayHistogram { count: number, percentile: (p: number) => number }

/**
 * The event-loop delay of one sample window, in ms, from a `monitorEventLoopDelay` histogram
 * whose timer fires every `resolutionMs`. Pure.
 *
 * - Each recorded value is the whole interval between two firings (an idle loop records the
 *   resolution itself), so the resolution is subtracted: what is left is how late the timer ran.
 *   Unsubtracted, an idle node read 50 ms, half of the `degraded` mode's 100 ms exit level.
 * - The figure is the second worst lateness of the window, not the worst: the modes worsen at
 *   once on one sample, and one late timer in a second (a GC, a moment without a core on a busy
 *   machine) is not saturation. At 20 firings a second the 95th percentile is the second worst,
 *   as the 99th was of the 100 a second of a 10 ms timer, which the thresholds were set with;
 *   the 99th of 20 is the worst, and kept nodes of a loaded machine `degraded` for good.
 */
export function loopDelayOfHistogram (histogram: DelayHistogram, resolutionMs: number): number {
  if (histogram.count === 0) return 0
  // (n - 1) of n samples at or below: the second worst (the only one of a lone sample).
  const n = Math.max(2, histogram.count)
  const secondWorst = Math.min(99, (100 * (n - 1)) / n)
  return Math.max(0, histogram.percentile(secondWorst) / 1e6 - resolutionMs)
}

/** The real samplers of this process and host. */
export function systemSamplers (init: SystemSamplersInit): ResourceSamplers {
  const resolutionMs = init.delayResolutionMs ?? 50
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs })
  histogram.enable()
  let lastTimes = cpuTimes()
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization()
  let lastUsage = process.cpuUsage()
  let lastAtNs = process.hrtime.bigint()
  const netDevPath = init.netDevPath ?? '/proc/net/dev'
  let stopped = false
  return {
    cpu () {
      const times = cpuTimes()
      const elu = performance.eventLoopUtilization()
      const usage = process.cpuUsage()
      const atNs = process.hrtime.bigint()
      const total = times.total - lastTimes.total
      const machinePercent = total > 0 ? (100 * (times.busy - lastTimes.busy)) / total : 0
      const loopUtilizationPercent = 100 * performance.eventLoopUtilization(elu, lastElu).utilization
      const elapsedUs = Number(atNs - lastAtNs) / 1000
      const ranUs = usage.user - lastUsage.user + usage.system - lastUsage.system
      const processPercent = elapsedUs > 0 ? (100 * ranUs) / elapsedUs : 0
      lastTimes = times
      lastElu = elu
      lastUsage = usage
      lastAtNs = atNs
      return { machinePercent, loopUtilizationPercent, processPercent }
    },
    memoryPercent () {
      const total = totalmem()
      const machine = 100 * (1 - freemem() / total)
      const heap = getHeapStatistics()
      const ownHeap = heap.heap_size_limit > 0 ? (100 * heap.used_heap_size) / heap.heap_size_limit : 0
      const limit = process.constrainedMemory()
      // No cgroup limit reads as 0 or as a huge number (cgroup v1 "unlimited").
      if (!(limit > 0 && limit < total)) return Math.max(machine, ownHeap)
      return Math.max(machine, ownHeap, 100 * (1 - process.availableMemory() / limit))
    },
    scheduledMs () {
      try {
        const [ranNs, waitedNs] = readFileSync('/proc/self/schedstat', 'utf8').split(' ').map(Number)
        return ranNs === undefined || waitedNs === undefined || !Number.isFinite(ranNs + waitedNs) ? undefined : (ranNs + waitedNs) / 1e6
      } catch {
        return undefined
      }
    },
    eventLoopDelayMs () {
      const ms = loopDelayOfHistogram(histogram, resolutionMs)
      histogram.reset()
      return ms
    },
    async diskFreePercent () {
      const s = await statfs(init.dataDir)
      return s.blocks > 0 ? (100 * s.bavail) / s.blocks : undefined
    },
    async networkBytes () {
      if (process.platform !== 'linux') return undefined
      return sumNetDev(await readFile(netDevPath, 'utf8'))
    },
    stop () {
      if (stopped) return
      stopped = true
      histogram.disable()
    }
  }
}

function cpuTimes (): { busy: number, total: number } {
  let busy = 0
  let total = 0
  for (const { times } of cpus()) {
    const b = times.user + times.nice + times.sys + times.irq
    busy += b
    total += b + times.idle
  }
  return { busy, total }
}

/** Received + sent bytes over every interface of a /proc/net/dev text. Pure. */
export function sumNetDev (text: string): number {
  let bytes = 0
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number)
    // 8 receive columns (bytes first), then 8 transmit columns (bytes first).
    if (fields.length < 16 || !Number.isFinite(fields[0]) || !Number.isFinite(fields[8])) continue
    bytes += fields[0]! + fields[8]!
  }
  return bytes
}
