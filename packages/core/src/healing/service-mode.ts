/**
 * The node's service mode, `normal -> degraded -> minimal`, from the node's own resource
 * pressure (issue 6; recovery reworked in issue 15).
 *
 * Each resource has an enter and an exit level per mode; the exit level is on the safe side of the
 * enter level, so a value hovering at a threshold does not flap the mode (hysteresis). A resource
 * counts at a mode's level once it reaches that mode's enter level, and keeps counting at the
 * node's current mode until it is back past that mode's exit level. The worst resource is the
 * `pressure`:
 * - above the mode, the mode worsens at once (protect the node first);
 * - below the mode (every resource past its exit level), the node is calm: after
 *   `recoverAfterMs` of unbroken calm it relaxes one step, and the next step waits its own calm
 *   period, so the work a mode held back comes back in two waves, not all at once. Any sample at
 *   or past an exit level restarts the wait of the step it concerns. With the 5 s default a node
 *   is normal again about 10 s after every signal went calm, even from minimal.
 *
 * Pure: samples come from the shell (resource-monitor.ts), the time from the clock.
 */
import type { Clock } from '@kos/detect'
import type { ServiceMode } from '../vocabulary/health.js'

export type { ServiceMode }
export type ResourceName = 'cpuPercent' | 'memoryPercent' | 'eventLoopDelayMs' | 'diskFreePercent'

/** One sample; a missing value (the sampler failed) keeps that resource's previous value. */
export type ResourceSample = Partial<Record<ResourceName, number>>

/** Enter when the value crosses `enter`, leave when it is back past `exit`. */
export interface Band { enter: number, exit: number }

export interface ResourceThresholds {
  /** `above`: higher is worse (CPU); `below`: lower is worse (disk free). */
  worse: 'above' | 'below'
  degraded: Band
  minimal: Band
}

/** How long each relaxing step waits for calm, by default (the config's `resources.recoverAfterMs`). */
export const DEFAULT_RECOVER_AFTER_MS = 5000

export interface ServiceModeInit {
  thresholds?: Partial<Record<ResourceName, ResourceThresholds>>
  /** Unbroken calm needed before each relaxing step. @default DEFAULT_RECOVER_AFTER_MS */
  recoverAfterMs?: number
}

export interface ModeChange {
  from: ServiceMode
  to: ServiceMode
  /** The resources at the new mode's level or worse (empty on a relaxing step once none is). */
  causes: ResourceName[]
}

/**
 * Defaults. CPU (the node's own share of a core) and memory: degraded at 85 % leaves room to shed
 * before the node's thread or the machine's memory runs out; minimal at 95 % is the last stop
 * before a starved loop or an OOM kill. Event-loop delay: at 200 ms p99 our heartbeats and probes
 * (1 s) start to be late; at 1 s they are missed, and peers would suspect us. Disk free: below
 * 10 % the audit log has little room to grow, below 3 % LevelDB compactions can fail. The exit
 * levels sit 10-15 points (or half) on the safe side.
 */
export const SERVICE_MODE_THRESHOLDS: Record<ResourceName, ResourceThresholds> = Object.freeze({
  cpuPercent: { worse: 'above', degraded: { enter: 85, exit: 70 }, minimal: { enter: 95, exit: 85 } },
  memoryPercent: { worse: 'above', degraded: { enter: 85, exit: 75 }, minimal: { enter: 95, exit: 88 } },
  eventLoopDelayMs: { worse: 'above', degraded: { enter: 200, exit: 100 }, minimal: { enter: 1000, exit: 400 } },
  diskFreePercent: { worse: 'below', degraded: { enter: 10, exit: 15 }, minimal: { enter: 3, exit: 5 } }
})

const RANK: Record<ServiceMode, number> = { normal: 0, degraded: 1, minimal: 2 }
const BY_RANK: ServiceMode[] = ['normal', 'degraded', 'minimal']

/** The worse of two modes: the node combines the resource mode with its other reasons to degrade. Pure. */
export function worseMode (a: ServiceMode, b: ServiceMode): ServiceMode {
  return RANK[a] >= RANK[b] ? a : b
}

/**
 * One resource's level while the node is in mode `current`: the enter levels move it up; it stays
 * at `current`'s level (or the one below) until it is back past that level's exit. Pure.
 */
export function resourceLevel (value: number, t: ResourceThresholds, current: ServiceMode): ServiceMode {
  const past = (x: number): boolean => t.worse === 'above' ? value >= x : value <= x
  const back = (x: number): boolean => t.worse === 'above' ? value < x : value > x
  if (past(t.minimal.enter)) return 'minimal'
  if (current === 'minimal' && !back(t.minimal.exit)) return 'minimal'
  if (past(t.degraded.enter)) return 'degraded'
  if (current !== 'normal' && !back(t.degraded.exit)) return 'degraded'
  return 'normal'
}

export class ServiceModeMachine {
  private readonly thresholds: Record<ResourceName, ResourceThresholds>
  private readonly recoverAfterMs: number
  /** Each resource's latest value: a sample that lacks one keeps the one before. */
  private readonly values = new Map<ResourceName, number>()
  private _mode: ServiceMode = 'normal'
  private _pressure: ServiceMode = 'normal'
  /** Since when every resource has been below the current mode (null: not calm). */
  private calmSince: number | null = null

  constructor (private readonly clock: Clock, init: ServiceModeInit = {}) {
    this.thresholds = { ...SERVICE_MODE_THRESHOLDS, ...init.thresholds }
    this.recoverAfterMs = init.recoverAfterMs ?? DEFAULT_RECOVER_AFTER_MS
  }

  get mode (): ServiceMode { return this._mode }

  /**
   * The level the latest values ask for, judged against the current mode's exit levels. Below
   * the mode, the node is only waiting out its calm period: nothing is overloaded any more.
   */
  get pressure (): ServiceMode { return this._pressure }

  /** Each resource's level against the current mode, for the health detail. */
  get resourceLevels (): Partial<Record<ResourceName, ServiceMode>> {
    return Object.fromEntries([...this.values].map(([name, v]) => [name, resourceLevel(v, this.thresholds[name], this._mode)]))
  }

  /** Calm so far towards the next relaxing step, and how much that step needs; null when not calm. */
  get recovery (): { calmMs: number, needMs: number } | null {
    return this.calmSince === null ? null : { calmMs: this.clock.now() - this.calmSince, needMs: this.recoverAfterMs }
  }

  /** Feeds one sample; returns the mode change it causes, if any. */
  update (sample: ResourceSample): ModeChange | null {
    const now = this.clock.now()
    for (const name of Object.keys(this.thresholds) as ResourceName[]) {
      const value = sample[name]
      if (value !== undefined && Number.isFinite(value)) this.values.set(name, value)
    }
    this._pressure = this.worstLevel()
    if (RANK[this._pressure] >= RANK[this._mode]) {
      this.calmSince = null
      return RANK[this._pressure] > RANK[this._mode] ? this.moveTo(this._pressure) : null
    }
    this.calmSince ??= now
    if (now - this.calmSince < this.recoverAfterMs) return null
    // One step down; the next step waits for its own calm period, judged by its own exit levels.
    this.calmSince = now
    const change = this.moveTo(BY_RANK[RANK[this._mode] - 1] ?? 'normal')
    this._pressure = this.worstLevel()
    if (RANK[this._pressure] >= RANK[this._mode]) this.calmSince = null
    return change
  }

  private worstLevel (): ServiceMode {
    let worst: ServiceMode = 'normal'
    for (const [name, v] of this.values) {
      const level = resourceLevel(v, this.thresholds[name], this._mode)
      if (RANK[level] > RANK[worst]) worst = level
    }
    return worst
  }

  private moveTo (to: ServiceMode): ModeChange {
    const from = this._mode
    this._mode = to
    const causes = to === 'normal'
      ? []
      : (Object.entries(this.resourceLevels) as Array<[ResourceName, ServiceMode]>).filter(([, level]) => RANK[level] >= RANK[to]).map(([name]) => name)
    return { from, to, causes }
  }
}
