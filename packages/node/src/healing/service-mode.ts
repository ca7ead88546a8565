/**
 * The node's service mode, `normal -> degraded -> minimal`, from resource pressure (issue 6).
 *
 * Each resource has an enter and an exit level per mode; the exit level is on the safe side of the
 * enter level, so a value hovering at a threshold does not flap the mode (hysteresis). The node's
 * mode is the worst of the resources' levels, with one more damper: it worsens at once (protect
 * the node first) but relaxes only after `recoverAfterMs` with every resource below its exit
 * level, and one step at a time (minimal -> degraded -> normal), so a brief lull in a long
 * overload does not bring all the non-essential work back at once.
 *
 * Pure: samples come from the shell (local-health.ts, a disk stat), the time from the clock.
 */
import type { Clock } from '@kos/detect'

export type ServiceMode = 'normal' | 'degraded' | 'minimal'
export type ResourceName = 'cpuPercent' | 'memoryPercent' | 'eventLoopDelayMs' | 'diskFreePercent'

/** One sample; a missing value (the sampler failed) keeps that resource's previous level. */
export type ResourceSample = Partial<Record<ResourceName, number>>

/** Enter when the value crosses `enter`, leave when it is back past `exit`. */
export interface Band { enter: number, exit: number }

export interface ResourceThresholds {
  /** `above`: higher is worse (CPU); `below`: lower is worse (disk free). */
  worse: 'above' | 'below'
  degraded: Band
  minimal: Band
}

export interface ServiceModeInit {
  thresholds?: Partial<Record<ResourceName, ResourceThresholds>>
  /** Calm this long before relaxing one step. @default 60000 */
  recoverAfterMs?: number
}

export interface ModeChange {
  from: ServiceMode
  to: ServiceMode
  /** The resources at the new mode's level or worse (empty on a relaxing step once none is). */
  causes: ResourceName[]
}

/**
 * Defaults. CPU and memory: degraded at 85 % leaves room to shed before the machine swaps or the
 * scheduler starves membership; minimal at 95 % is the last stop before an OOM kill. Event-loop
 * delay: at 200 ms p99 our heartbeats and probes (1 s) start to be late; at 1 s they are missed,
 * and peers would suspect us. Disk free: below 10 % the audit log has little room to grow, below
 * 3 % LevelDB compactions can fail. The exit levels sit 10-15 points (or half) on the safe side.
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

/** One resource's level given its previous level: the enter levels move it up, the exit levels down. Pure. */
export function resourceLevel (value: number, t: ResourceThresholds, previous: ServiceMode): ServiceMode {
  const past = (x: number): boolean => t.worse === 'above' ? value >= x : value <= x
  const back = (x: number): boolean => t.worse === 'above' ? value < x : value > x
  if (past(t.minimal.enter)) return 'minimal'
  if (previous === 'minimal' && !back(t.minimal.exit)) return 'minimal'
  if (past(t.degraded.enter)) return 'degraded'
  if (previous !== 'normal' && !back(t.degraded.exit)) return 'degraded'
  return 'normal'
}

export class ServiceModeMachine {
  private readonly thresholds: Record<ResourceName, ResourceThresholds>
  private readonly recoverAfterMs: number
  private readonly levels = new Map<ResourceName, ServiceMode>()
  private _mode: ServiceMode = 'normal'
  /** Since when every resource has been below the current mode (null: not calm). */
  private calmSince: number | null = null

  constructor (private readonly clock: Clock, init: ServiceModeInit = {}) {
    this.thresholds = { ...SERVICE_MODE_THRESHOLDS, ...init.thresholds }
    this.recoverAfterMs = init.recoverAfterMs ?? 60_000
  }

  get mode (): ServiceMode { return this._mode }
  /** Each resource's current level, for the health detail. */
  get resourceLevels (): Partial<Record<ResourceName, ServiceMode>> { return Object.fromEntries(this.levels) }

  /** Feeds one sample; returns the mode change it causes, if any. */
  update (sample: ResourceSample): ModeChange | null {
    const now = this.clock.now()
    for (const name of Object.keys(this.thresholds) as ResourceName[]) {
      const value = sample[name]
      if (value === undefined || !Number.isFinite(value)) continue
      this.levels.set(name, resourceLevel(value, this.thresholds[name], this.levels.get(name) ?? 'normal'))
    }
    const worst = this.worstLevel()
    if (RANK[worst] > RANK[this._mode]) {
      this.calmSince = null
      return this.moveTo(worst)
    }
    if (RANK[worst] === RANK[this._mode]) {
      this.calmSince = null
      return null
    }
    this.calmSince ??= now
    if (now - this.calmSince < this.recoverAfterMs) return null
    // One step down; the next step waits for its own calm period.
    this.calmSince = now
    return this.moveTo(BY_RANK[RANK[this._mode] - 1] ?? 'normal')
  }

  private worstLevel (): ServiceMode {
    let worst: ServiceMode = 'normal'
    for (const level of this.levels.values()) if (RANK[level] > RANK[worst]) worst = level
    return worst
  }

  private moveTo (to: ServiceMode): ModeChange {
    const from = this._mode
    this._mode = to
    const causes = to === 'normal'
      ? []
      : [...this.levels].filter(([, level]) => RANK[level] >= RANK[to]).map(([name]) => name)
    return { from, to, causes }
  }
}
