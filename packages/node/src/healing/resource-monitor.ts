/**
 * The resource monitor (issue 6): the I/O shell around the service mode. Every
 * `resources.sampleIntervalMs` it reads the samplers (resource-samplers.ts), smooths the CPU
 * figures, feeds the pure cores (ServiceModeMachine, SaturationAlerts, machineBusy) and reports
 * their changes through callbacks. `snapshot()` is the latest reading for /v1/node, /v1/health
 * and the heartbeat, and `shedding()` is what the load-shedding hook (api/load-shedding.ts) asks
 * on each request.
 *
 * Only resource pressure is judged here; the node combines this mode with its other reasons to
 * run degraded (no coordinator, audit storage failing) by taking the worst.
 *
 * The clock, the timer and the samplers are injected: tests script pressure and drive samples by
 * hand, and nothing here reads the wall clock.
 */
import type { Clock } from '@kos/detect'
import type { HealingConfig } from '../config/schema.js'
import { alphaForHalfLife, ewma } from '@kos/core'
import type { ResourceSamplers } from './resource-samplers.js'
import { machineBusy, ownCpuPercent } from '@kos/core'
import { SaturationAlerts, type SaturationAlert } from '@kos/core'
import { SERVICE_MODE_THRESHOLDS, ServiceModeMachine, type ModeChange, type ResourceName, type ResourceThresholds, type ServiceMode } from '@kos/core'

export type ResourcesConfig = HealingConfig['resources']

/** The timer seam: run `fn` every `ms` until the returned function is called. */
export interface IntervalTimer {
  every (ms: number, fn: () => void): () => void
}

/** setInterval, unref'd: the monitor never keeps a stopping process alive. */
export const realIntervalTimer: IntervalTimer = {
  every (ms, fn) {
    const t = setInterval(fn, ms)
    t.unref()
    return () => { clearInterval(t) }
  }
}

export interface ResourceMonitorComponents {
  /** Monotonic ms: CPU smoothing, the network rate, tick lateness and the mode's calm period. */
  clock: Clock
  samplers: ResourceSamplers
  /** @default realIntervalTimer */
  timer?: IntervalTimer
}

/**
 * Callbacks; each must return quickly and not throw (one that throws is reported to `onError`
 * and the sample goes on). They run on the sampling path, so heavy work belongs in a queue.
 */
export interface ResourceMonitorCallbacks {
  /** The resource mode changed (worsened at once, or relaxed one step after the calm period). */
  onModeChange?: (change: ModeChange) => void
  /** A resource crossed its degraded enter level (`raised`) or came back past its exit (`cleared`). */
  onSaturation?: (alert: SaturationAlert) => void
  /** A sampler failed (reported once until it reads again) or a callback threw; the sample went on without it. */
  onError?: (err: Error) => void
}

/**
 * What the monitor reads besides the mode drivers: the machine's CPU (smoothed like the node's),
 * the two raw readings the node's own CPU is the lesser of, and the network.
 */
export type ResourceDetail = 'machineCpuPercent' | 'loopUtilizationPercent' | 'processCpuPercent' | 'networkBytesPerSec'

export interface ResourceSnapshot {
  /** Clock time of the latest sample (monotonic ms), null before the first. */
  sampledAtMs: number | null
  /** The mode from resource pressure alone. */
  mode: ServiceMode
  /** The level the latest values ask for; below `mode`, the node is only waiting out its calm period. */
  pressure: ServiceMode
  /** Calm so far towards the next relaxing step, and what it needs; null when not calm. */
  recovery: { calmMs: number, needMs: number } | null
  /** The latest values, rounded to 0.1; a resource whose sampler failed is absent. */
  values: Partial<Record<ResourceName | ResourceDetail, number>>
  /** Each resource's level against the current mode, with hysteresis. */
  levels: Partial<Record<ResourceName, ServiceMode>>
  /** The raised saturation alerts. */
  alerts: SaturationAlert[]
  /** The machine's CPU is past `resources.machineCpuBusyPercent` (a warning; never the mode). */
  machineBusy: boolean
}

/** The config's bands with each resource's direction: the core's threshold table. Pure. */
export function resourceThresholds (config: ResourcesConfig): Record<ResourceName, ResourceThresholds> {
  const names = Object.keys(SERVICE_MODE_THRESHOLDS) as ResourceName[]
  return Object.fromEntries(names.map((n) => {
    const bands = config[n]
    return [n, bands === null ? SERVICE_MODE_THRESHOLDS[n] : { worse: SERVICE_MODE_THRESHOLDS[n].worse, degraded: { ...bands.degraded }, minimal: { ...bands.minimal } }]
  })) as Record<ResourceName, ResourceThresholds>
}

/**
 * How late a periodic tick ran, in ms: the event-loop delay of a loop so blocked that the delay
 * histogram recorded nothing (its own timer never ran). 0 for the first tick. Pure.
 */
export function tickLatenessMs (previousAtMs: number | null, nowMs: number, intervalMs: number): number {
  return previousAtMs === null ? 0 : Math.max(0, nowMs - previousAtMs - intervalMs)
}

/**
 * How long the node was suspended before a tick (SIGSTOP, a frozen VM, a host asleep) rather
 * than busy or starved: the time since the previous tick in which its main thread neither ran
 * nor waited for a CPU, beyond the one interval an idle loop may sleep between ticks. A loop
 * blocked by its own work runs, and one starved by other processes waits in the run queue, so
 * both still count as delay; a suspended one does neither, and is not saturated when it wakes:
 * taking its pause for saturation put a node paused 2 s in `minimal`, which stopped its agents
 * (service instances with them) for the ~6 s of the calm periods after. 0 without a reading
 * (`scheduledMs` undefined). Pure.
 */
export function suspendedMs (sinceTickMs: number, intervalMs: number, scheduledMs: number | undefined): number {
  return scheduledMs === undefined ? 0 : Math.max(0, sinceTickMs - intervalMs - scheduledMs)
}

/** A suspension shorter than this, or under half the tick's lateness, leaves the reading as it is. */
const SUSPENSION_MIN_MS = 100

export class ResourceMonitor {
  private readonly c: Required<ResourceMonitorComponents>
  private readonly config: ResourcesConfig
  private readonly callbacks: ResourceMonitorCallbacks
  private readonly thresholds: Record<ResourceName, ResourceThresholds>
  private readonly modes: ServiceModeMachine
  private readonly alerts: SaturationAlerts
  private cancelTimer: (() => void) | null = null
  private inFlight: Promise<ResourceSnapshot> | null = null
  private stopped = false
  private lastAtMs: number | null = null
  /** Clock time of the previous timer tick: only ticks have a schedule to be late against. */
  private lastTickAtMs: number | null = null
  /** The main thread's run and run-queue time at the previous tick (samplers.scheduledMs). */
  private lastScheduledMs: number | undefined
  /** Samplers failing now: each failure is reported once, not every sample. */
  private readonly failing = new Set<string>()
  private smoothedOwnCpu = 0
  private smoothedMachineCpu = 0
  private machineIsBusy = false
  private lastNet: { bytes: number, atMs: number } | null = null
  private values: ResourceSnapshot['values'] = {}

  constructor (components: ResourceMonitorComponents, config: ResourcesConfig, callbacks: ResourceMonitorCallbacks = {}) {
    this.c = { timer: realIntervalTimer, ...components }
    this.config = config
    this.callbacks = callbacks
    this.thresholds = resourceThresholds(config)
    this.modes = new ServiceModeMachine(components.clock, { thresholds: this.thresholds, recoverAfterMs: config.recoverAfterMs })
    this.alerts = new SaturationAlerts(this.thresholds)
  }

  get mode (): ServiceMode { return this.modes.mode }

  /** Starts sampling every `sampleIntervalMs`; the first sample is one interval away. */
  start (): void {
    if (this.cancelTimer !== null || this.stopped) return
    this.cancelTimer = this.c.timer.every(this.config.sampleIntervalMs, () => {
      const now = this.c.clock.now()
      const lateMs = tickLatenessMs(this.lastTickAtMs, now, this.config.sampleIntervalMs)
      const scheduled = this.readScheduled()
      const ranMs = scheduled === undefined || this.lastScheduledMs === undefined ? undefined : scheduled - this.lastScheduledMs
      const suspended = this.lastTickAtMs === null ? 0 : suspendedMs(now - this.lastTickAtMs, this.config.sampleIntervalMs, ranMs)
      this.lastTickAtMs = now
      this.lastScheduledMs = scheduled
      void this.run(lateMs, suspended)
    })
  }

  /** Stops sampling and releases the samplers. Idempotent. */
  stop (): void {
    this.stopped = true
    this.cancelTimer?.()
    this.cancelTimer = null
    this.c.samplers.stop?.()
  }

  /**
   * Takes one sample now and applies it. A sample still in flight (a slow statfs) is joined, not
   * doubled, so a stalled disk cannot pile up reads.
   */
  async sampleNow (): Promise<ResourceSnapshot> {
    return await this.run(0, 0)
  }

  snapshot (): ResourceSnapshot {
    return {
      sampledAtMs: this.lastAtMs,
      mode: this.modes.mode,
      pressure: this.modes.pressure,
      recovery: this.modes.recovery,
      values: { ...this.values },
      levels: this.modes.resourceLevels,
      alerts: this.alerts.active.map((a) => ({ ...a, value: round1(a.value) })),
      machineBusy: this.machineIsBusy
    }
  }

  /**
   * Whether non-essential work is shed now, and why: while a resource is still at or past its
   * exit level of a degraded or minimal mode. A node that is only waiting out its calm period
   * serves again at once: nothing is overloaded any more, and its mode alone (agents held back)
   * damps the return of the rest.
   */
  shedding (): { active: boolean, reason: string } {
    const mode = this.modes.mode
    if (mode === 'normal') return { active: false, reason: 'normal' }
    if (this.modes.pressure === 'normal') return { active: false, reason: `${mode}, recovering: every resource below its exit level` }
    const over = (Object.entries(this.modes.resourceLevels) as Array<[ResourceName, ServiceMode]>).filter(([, level]) => level !== 'normal')
    return { active: true, reason: `service mode ${mode} (${over.map(([n]) => `${n} ${String(this.values[n] ?? '?')}`).join(', ')})` }
  }

  private async run (lateMs: number, suspendedForMs = 0): Promise<ResourceSnapshot> {
    this.inFlight ??= this.sample(lateMs, suspendedForMs).finally(() => { this.inFlight = null })
    return await this.inFlight
  }

  private readScheduled (): number | undefined {
    try { return this.c.samplers.scheduledMs?.() } catch { return undefined }
  }

  private async sample (lateMs: number, suspendedForMs: number): Promise<ResourceSnapshot> {
    const s = this.c.samplers
    // The time is taken before the reads, so a slow statfs does not stretch the CPU or network window.
    const now = this.c.clock.now()
    const [cpu, memoryPercent, delayMs, diskFreePercent, netBytes] = await Promise.all([
      this.read('cpu', () => s.cpu()),
      this.read('memoryPercent', () => s.memoryPercent()),
      this.read('eventLoopDelayMs', () => s.eventLoopDelayMs()),
      this.read('diskFreePercent', () => s.diskFreePercent()),
      this.read('networkBytes', () => s.networkBytes())
    ])
    if (this.stopped) return this.snapshot()
    // A sample the node spent mostly suspended says nothing about its loop: the reading is
    // dropped (each resource keeps its last value), neither worse nor calm.
    const suspended = suspendedForMs >= Math.max(SUSPENSION_MIN_MS, lateMs / 2)
    const eventLoopDelayMs = suspended || (delayMs === undefined && lateMs === 0) ? undefined : Math.max(delayMs ?? 0, lateMs)
    const dtMs = this.lastAtMs === null ? this.config.sampleIntervalMs : Math.max(1, now - this.lastAtMs)
    const cpuPercent = cpu === undefined ? undefined : (this.smoothedOwnCpu = this.smooth(this.smoothedOwnCpu, ownCpuPercent(cpu), dtMs))
    const machineCpuPercent = cpu === undefined ? undefined : (this.smoothedMachineCpu = this.smooth(this.smoothedMachineCpu, cpu.machinePercent, dtMs))
    const networkBytesPerSec = this.networkRate(netBytes, now)
    this.lastAtMs = now

    const all = { cpuPercent, memoryPercent, eventLoopDelayMs, diskFreePercent }
    this.values = roundAll({ ...all, machineCpuPercent, loopUtilizationPercent: cpu?.loopUtilizationPercent, processCpuPercent: cpu?.processPercent, networkBytesPerSec })
    const busyBand = this.config.machineCpuBusyPercent
    if (machineCpuPercent !== undefined) this.machineIsBusy = busyBand !== null && machineBusy(machineCpuPercent, busyBand, this.machineIsBusy)
    // Resources configured null are shown but drive neither the mode nor the alerts.
    const sample = Object.fromEntries(Object.entries(all).filter(([name]) => this.config[name as ResourceName] !== null))
    const change = this.modes.update(sample)
    if (change !== null) this.emit(() => this.callbacks.onModeChange?.(change))
    for (const alert of this.alerts.update(sample)) this.emit(() => this.callbacks.onSaturation?.({ ...alert, value: round1(alert.value) }))
    return this.snapshot()
  }

  /**
   * One step of a CPU average with `cpuSmoothingHalfLifeMs`. Both averages start at 0, so the
   * node's own start-up (loading, keys, the join's catch-up), a burst of a second or two, counts
   * like any other short burst: it does not shed.
   */
  private smooth (previous: number, raw: number, dtMs: number): number {
    const half = this.config.cpuSmoothingHalfLifeMs
    return half === 0 ? raw : ewma(previous, raw, alphaForHalfLife(dtMs, half))
  }

  /** Bytes per second since the previous reading; a counter that went back (wrapped, reset) restarts the rate. */
  private networkRate (bytes: number | undefined, now: number): number | undefined {
    if (bytes === undefined) return undefined
    const prev = this.lastNet
    this.lastNet = { bytes, atMs: now }
    if (prev === null || bytes < prev.bytes || now <= prev.atMs) return undefined
    return ((bytes - prev.bytes) * 1000) / (now - prev.atMs)
  }

  private async read<T> (name: string, fn: () => T | undefined | Promise<T | undefined>): Promise<T | undefined> {
    try {
      const value = await fn()
      this.failing.delete(name)
      return value
    } catch (err) {
      if (!this.failing.has(name)) {
        this.failing.add(name)
        this.callbacks.onError?.(new Error(`resource sampler ${name} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }))
      }
      return undefined
    }
  }

  private emit (fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.callbacks.onError?.(new Error('a resource monitor callback threw', { cause: err }))
    }
  }
}

function round1 (x: number): number {
  return Math.round(x * 10) / 10
}

function roundAll<K extends string> (o: Partial<Record<K, number | undefined>>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {}
  for (const [k, v] of Object.entries(o) as Array<[K, number | undefined]>) if (v !== undefined && Number.isFinite(v)) out[k] = round1(v)
  return out
}
