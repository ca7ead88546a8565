/**
 * When a member gossips its health summary with bounded monitors (issue 17): the summary
 * reaches every member, so it travels only when it changed in a way a reader of `kos peers` or
 * the placement would act on: a change of state (mode, agents, services) at the next heartbeat,
 * resource figures at most once per `healthGossipIntervalMs`, and the whole again after
 * `HEALTH_REFRESH_INTERVALS` intervals whatever it holds (the repair of a summary a member
 * missed). Gossip on change keeps a steady cluster quiet.
 *
 * Pure: the shell samples the summary and asks.
 */
import type { HealthSummary } from '../vocabulary/health.js'

/** A summary is gossiped again after this many `healthGossipIntervalMs` even if it did not change. */
export const HEALTH_REFRESH_INTERVALS = 10

/**
 * Cluster-wide, unchanged summaries are refreshed at most this many times a second. Every node
 * receives every refresh: at 10,000 members, one every five minutes each was 33 a second, most
 * of what a node received (the simulator's churn run), and it grew with N.
 */
export const MAX_REFRESHES_PER_SECOND = 10

/**
 * How long an unchanged summary waits for its refresh: HEALTH_REFRESH_INTERVALS intervals, or
 * longer in a cluster of more than 3,000 members (at the defaults), so that all the refreshes
 * together stay within MAX_REFRESHES_PER_SECOND. A change still goes out at once.
 */
export function healthRefreshMs (intervalMs: number, members: number): number {
  return Math.max(HEALTH_REFRESH_INTERVALS * intervalMs, Math.ceil(members / MAX_REFRESHES_PER_SECOND) * 1000)
}

/** CPU (process or machine) must move this many percentage points to be news. */
const CPU_STEP_PERCENT = 10
/** Memory must grow or shrink by this share to be news. */
const MEMORY_STEP = 0.25
/** The event loop's p99 delay must move this many ms to be news. */
const LOOP_DELAY_STEP_MS = 50

/**
 * What `next` says that `prev` (the last summary gossiped) does not:
 * - `state`: a changed identity, version, mode, incarnation, agents or services: what the
 *   coordinator places services by and operators act on, gossiped at the next heartbeat;
 * - `figures`: a resource figure that moved by a coarse step, gossiped at most once per interval;
 * - null: nothing (figures `next` leaves out, as a degraded node does, are not news).
 */
export type HealthNews = 'state' | 'figures' | null

export function healthNews (prev: HealthSummary, next: HealthSummary): HealthNews {
  if (prev.name !== next.name || prev.role !== next.role || prev.zone !== next.zone || prev.version !== next.version ||
      prev.mode !== next.mode || prev.incarnation !== next.incarnation) return 'state'
  if (next.agents !== undefined) {
    const a = prev.agents
    const b = next.agents
    if (a === undefined || a.total !== b.total || a.running !== b.running || a.failed !== b.failed || a.quarantined !== b.quarantined) return 'state'
  }
  if (!sameServices(prev.services, next.services)) return 'state'
  return figuresMoved(prev, next) ? 'figures' : null
}

/** Whether `next` is news at all (healthNews is not null). */
export function healthChanged (prev: HealthSummary, next: HealthSummary): boolean {
  return healthNews(prev, next) !== null
}

function figuresMoved (prev: HealthSummary, next: HealthSummary): boolean {
  return moved(prev.cpuPercent, next.cpuPercent, (a, b) => Math.abs(a - b) >= CPU_STEP_PERCENT) ||
    moved(prev.machineCpuPercent, next.machineCpuPercent, (a, b) => Math.abs(a - b) >= CPU_STEP_PERCENT) ||
    moved(prev.rssBytes, next.rssBytes, relative) ||
    moved(prev.heapUsedBytes, next.heapUsedBytes, relative) ||
    moved(prev.eventLoopDelayP99Ms, next.eventLoopDelayP99Ms, (a, b) => Math.abs(a - b) >= LOOP_DELAY_STEP_MS)
}

/**
 * Whether to gossip now (the shell asks at each heartbeat, so at most once a heartbeat): news of
 * `state` at once; news of `figures` once `intervalMs` has passed since the last gossip (the
 * rate bound); after healthRefreshMs in any case (`members`: the cluster's size). Nothing gossiped yet
 * (`lastAtMs` null): now.
 */
export function healthGossipDue (lastAtMs: number | null, now: number, intervalMs: number, news: HealthNews, members = 1): boolean {
  if (lastAtMs === null || news === 'state') return true
  const since = now - lastAtMs
  if (since < intervalMs) return false
  return news === 'figures' || since >= healthRefreshMs(intervalMs, members)
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
