/**
 * The checks of `/v1/health` (each passing, warning or critical, with a line of output), one
 * function per part of the node, and the overall status: the worst check. Pure: the node passes in
 * what each part reports.
 *
 * The statuses mean what load balancers and orchestrators commonly act on:
 * - passing (200): the node does its job;
 * - warning (429): it does its job, with a caveat an operator should see (degraded or minimal,
 *   still joining, no coordinator known, agents failed, the machine busy): keep it in service;
 * - critical (503): it cannot do its core job (keep membership, record evidence): not running,
 *   no storage, or its own event loop blocked. Only these take a node out of service.
 */
import type { HealthCheck, HealthResponse, HealthStatus, ServiceMode } from '@kos/client'

/** The HTTP status of each health status: the code a load balancer reads without parsing. */
export const HEALTH_HTTP_STATUS: Readonly<Record<HealthStatus, 200 | 429 | 503>> = Object.freeze({ passing: 200, warning: 429, critical: 503 })

export function lifecycleCheck (phase: string): HealthCheck {
  return phase === 'running' ? { name: 'lifecycle', status: 'passing', output: 'running' } : { name: 'lifecycle', status: 'critical', output: phase }
}

export function bootstrapCheck (b: { joined: boolean, addrs: string[], attempts: number, lastError: string | null }): HealthCheck {
  return b.joined
    ? { name: 'bootstrap', status: 'passing', output: b.addrs.length === 0 ? 'no bootstrap peers configured' : 'joined' }
    : { name: 'bootstrap', status: 'warning', output: `not joined after ${b.attempts} attempt(s), retrying: ${b.lastError ?? 'first attempt in progress'}` }
}

/**
 * The node's own event loop: critical while the latest sample's delay (p99, or the sampling tick's
 * own lateness) is at `blockedMs` or more, a loop too blocked to keep membership; warning while
 * membership holds back its suspicions after a shorter stall of ours.
 */
export function localHealthCheck (holdingBack: boolean, loop?: { delayMs: number | undefined, blockedMs: number }): HealthCheck {
  if (loop?.delayMs !== undefined && loop.delayMs >= loop.blockedMs) {
    return { name: 'local-health', status: 'critical', output: `own event loop blocked: ${loop.delayMs} ms of delay in the last sample (blocked from ${loop.blockedMs} ms)` }
  }
  return holdingBack
    ? { name: 'local-health', status: 'warning', output: 'own event loop stalled recently; holding back suspicions' }
    : { name: 'local-health', status: 'passing', output: 'event loop responsive' }
}

export function coordinatorCheck (e: { coordinatorId: string | null, term: number, selfId: string, voters: readonly string[], quorum: number }): HealthCheck {
  if (e.coordinatorId !== null) return { name: 'coordinator', status: 'passing', output: `coordinator ${e.coordinatorId} in term ${e.term}` }
  return {
    name: 'coordinator',
    status: 'warning',
    output: e.voters.includes(e.selfId)
      ? `no coordinator in term ${e.term}: no quorum of ${e.quorum} of ${e.voters.length} voters reachable; running degraded`
      : 'no coordinator known yet: this node is not a voter (waiting for the coordinator to admit it)'
  }
}

/** The audit log's LevelDB: critical while its writes fail, since nothing can be recorded. */
export function auditStorageCheck (failure: string | null): HealthCheck {
  return failure === null
    ? { name: 'audit-storage', status: 'passing', output: 'audit writes succeed' }
    : { name: 'audit-storage', status: 'critical', output: `${failure}; appends answer 503 until a write succeeds` }
}

/** The state store's LevelDB (incarnation, votes, voters): critical while its writes fail, since a vote cannot be made durable. */
export function stateStorageCheck (failure: string | null): HealthCheck {
  return failure === null
    ? { name: 'state-storage', status: 'passing', output: 'state writes succeed' }
    : { name: 'state-storage', status: 'critical', output: `${failure}; until a write succeeds` }
}

export function agentsCheck (a: { total: number, running: number, failed: number, quarantined: number }): HealthCheck {
  return a.failed + a.quarantined === 0
    ? { name: 'agents', status: 'passing', output: `${a.running} of ${a.total} agents running` }
    : { name: 'agents', status: 'warning', output: `${a.failed} failed, ${a.quarantined} quarantined of ${a.total} agents` }
}

const RANK: Record<HealthStatus, number> = { passing: 0, warning: 1, critical: 2 }

/** Adds the mode's own check (warning when degraded or minimal: both still do the core job); the status is the worst of all. */
export function healthOf (checks: HealthCheck[], mode: ServiceMode): HealthResponse {
  const all = [...checks, { name: 'mode', status: mode === 'normal' ? 'passing' : 'warning', output: mode } satisfies HealthCheck]
  const status = all.reduce<HealthStatus>((worst, c) => RANK[c.status] > RANK[worst] ? c.status : worst, 'passing')
  return { status, mode, checks: all }
}

/** The worst check as one line (`name: output`), or `passing` when none is worse. */
export function worstCheck (health: HealthResponse): string {
  const worst = health.checks.find((c) => c.status === health.status)
  return health.status === 'passing' || worst === undefined ? 'passing' : `${worst.name}: ${worst.output}`
}

/**
 * /v1/health/ready: the same status and code as /v1/health (429 keeps the node in service for
 * readers that treat 429 as a warning), and `ready` unless critical.
 */
export function readinessOf (health: HealthResponse): { httpStatus: 200 | 429 | 503, body: { ready: boolean, status: HealthStatus, reason: string } } {
  return { httpStatus: HEALTH_HTTP_STATUS[health.status], body: { ready: health.status !== 'critical', status: health.status, reason: worstCheck(health) } }
}

/**
 * /v1/health/live: 503 only when critical, else 200, never 429. A liveness failure makes a
 * supervisor restart the process (a supervisor commonly counts any code from 400 as a failure), and
 * a warning (degraded, joining, a busy machine) is no reason to: a restart would only add load.
 */
export function livenessOf (health: HealthResponse): { httpStatus: 200 | 503, body: { live: boolean, status: HealthStatus, reason: string } } {
  const live = health.status !== 'critical'
  return { httpStatus: live ? 200 : 503, body: { live, status: health.status, reason: worstCheck(health) } }
}
