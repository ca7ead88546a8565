/**
 * When a member gossips its health summary with bounded monitors (issue 17): the summary
 * reaches every member, so it travels as a delta, only when it changed in a way a reader of
 * `kos peers` or the placement would act on, at most once per `healthGossipIntervalMs`, and
 * again after `HEALTH_REFRESH_INTERVALS` intervals whatever it holds (the repair of a summary a
 * member missed). Cassandra gossips its application state the same way: versioned, on change.
 *
 * Pure: the shell samples the summary and asks.
 */
import type { HealthSummary } from '../vocabulary/health.js'

/** A summary is gossiped again after this many `healthGossipIntervalMs` even if it did not change. */
export const HEALTH_REFRESH_INTERVALS = 10

/** CPU (process or machine) must move this many percentage points to be news. */
const CPU_STEP_PERCENT = 10
/** Memory must grow or shrink by this share to be news. */
const MEMORY_STEP = 0.25
/** The event loop's p99 delay must move this many ms to be news. */
const LOOP_DELAY_STEP_MS = 50

/**
 * Whether `next` says something `prev` (the last summary gossiped) does not: a changed identity,
 * version, mode, agents or services, or a resource figure that moved by a coarse step. Figures
 * `next` leaves out (a degraded node sends the detail less often) are not news.
 */
export function healthChanged (prev: HealthSummary, next: HealthSummary): boolean {
  if (prev.name !== next.name || prev.role !== next.role || prev.zone !== next.zone || prev.version !== next.version ||
      prev.mode !== next.mode || prev.incarnation !== next.incarnation) return true
  if (next.agents !== undefined) {
    const a = prev.agents
    const b = next.agents
    if (a === undefined || a.total !== b.total || a.running !== b.running || a.failed !== b.failed || a.quarantined !== b.quarantined) return true
  }
  if (!sameServices(prev.services, next.services)) return true
  return moved(prev.cpuPercent, next.cpuPercent, (a, b) => Math.abs(a - b) >= CPU_STEP_PERCENT) ||
    moved(prev.machineCpuPercent, next.machineCpuPercent, (a, b) => Math.abs(a - b) >= CPU_STEP_PERCENT) ||
    moved(prev.rssBytes, next.rssBytes, relative) ||
    moved(prev.heapUsedBytes, next.heapUsedBytes, relative) ||
    moved(prev.eventLoopDelayP99Ms, next.eventLoopDelayP99Ms, (a, b) => Math.abs(a - b) >= LOOP_DELAY_STEP_MS)
}

/**
 * Whether to gossip now: never within `intervalMs` of the last gossip (the rate bound); after
 * it, if the summary changed; after `HEALTH_REFRESH_INTERVALS` intervals in any case. Nothing
 * gossiped yet (`lastAtMs` null): now.
 */
export function healthGossipDue (lastAtMs: number | null, now: number, intervalMs: number, changed: boolean): boolean {
  if (lastAtMs === null) return true
  const since = now - lastAtMs
  if (since < intervalMs) return false
  return changed || since >= HEALTH_REFRESH_INTERVALS * intervalMs
}

function moved (a: number | undefined, b: number | undefined, far: (a: number, b: number) => boolean): boolean {
  if (b === undefined) return false
  if (a === undefined) return true
  return far(a, b)
}

function relative (a: number, b: number): boolean {
  return Math.abs(a - b) >= MEMORY_STEP * Math.max(Math.min(a, b), 1)
}

function sameServices (a: HealthSummary['services'], b: HealthSummary['services']): boolean {
  if (a === b) return true
  if (a === undefined || b === undefined || a.length !== b.length) return (a?.length ?? 0) === 0 && (b?.length ?? 0) === 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!; const y = b[i]!
    if (x.id !== y.id || x.service !== y.service || x.generation !== y.generation || x.ready !== y.ready || x.state !== y.state) return false
  }
  return true
}
