/**
 * What a node says about its own health in every heartbeat, and the service modes it runs in.
 * The healing core decides the mode, the membership core carries the summary, the API shows it.
 */
import type { Role } from './members.js'

/** Resource pressure lowers the mode: `normal -> degraded -> minimal` (docs/design/healing.md). */
export type ServiceMode = 'normal' | 'degraded' | 'minimal'

/**
 * What every heartbeat carries about its sender. The detail (CPU, memory, loop delay, agents)
 * is sent with every heartbeat in normal mode and with every `degradedHealthDetailEvery`-th
 * one otherwise; receivers keep the last detail they had, so it is absent only until a peer's
 * first detailed heartbeat arrives.
 */
export interface HealthSummary extends Partial<HealthDetail> {
  name: string
  role: Role
  /** The sender's `zone` label (config key `zone`); absent when it has none. */
  zone?: string
  incarnation: number
  version: string
  uptimeMs: number
  mode: ServiceMode
  /** The cluster-service instances the node runs (issue 18). */
  services?: InstanceReport[]
  /**
   * With bounded monitors: raised by the member with each summary it gossips, within its
   * incarnation (membership/summary-version.ts); absent from beats and unversioned heartbeats.
   */
  summaryVersion?: number
}

/** One service instance as the node running it reports it in its heartbeat. */
export interface InstanceReport {
  service: string
  /** `<service>-<slot>`: stable across re-placements. */
  id: string
  /** Grows each time the instance is placed anew. */
  generation: number
  ready: boolean
  /** The agent state of the instance (starting, running, backoff, …). */
  state: string
  /** Wall-clock ms since which it runs on that node. */
  sinceMs: number
}

export interface HealthDetail {
  /** CPU use of the node process over the last heartbeat interval, in % of one core. */
  cpuPercent: number
  /**
   * The machine's busy share over all cores, smoothed, in %: other processes included, so a
   * busy host can be told from a busy node. It never changes the sender's mode.
   */
  machineCpuPercent: number
  rssBytes: number
  heapUsedBytes: number
  /** p99 event-loop delay over the last heartbeat interval, in ms. */
  eventLoopDelayP99Ms: number
  agents: { total: number, running: number, failed: number, quarantined: number }
}
