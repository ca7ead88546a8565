/**
 * The checks of `/v1/health` (Consul-style: each passing, warning or critical, with a line of
 * output), one function per part of the node, and the overall status: the worst check. Pure:
 * the node passes in what each part reports.
 */
import type { HealthCheck, HealthResponse, HealthStatus, ServiceMode } from '@kos/client'

export function lifecycleCheck (phase: string): HealthCheck {
  return phase === 'running' ? { name: 'lifecycle', status: 'passing', output: 'running' } : { name: 'lifecycle', status: 'critical', output: phase }
}

export function bootstrapCheck (b: { joined: boolean, addrs: string[], attempts: number, lastError: string | null }): HealthCheck {
  return b.joined
    ? { name: 'bootstrap', status: 'passing', output: b.addrs.length === 0 ? 'no bootstrap peers configured' : 'joined' }
    : { name: 'bootstrap', status: 'warning', output: `not joined after ${b.attempts} attempt(s), retrying: ${b.lastError ?? 'first attempt in progress'}` }
}

export function localHealthCheck (holdingBack: boolean): HealthCheck {
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

export function auditStorageCheck (failure: string | null): HealthCheck {
  return failure === null
    ? { name: 'audit-storage', status: 'passing', output: 'audit writes succeed' }
    : { name: 'audit-storage', status: 'warning', output: `${failure}; appends answer 503 until a write succeeds` }
}

export function agentsCheck (a: { total: number, running: number, failed: number, quarantined: number }): HealthCheck {
  return a.failed + a.quarantined === 0
    ? { name: 'agents', status: 'passing', output: `${a.running} of ${a.total} agents running` }
    : { name: 'agents', status: 'warning', output: `${a.failed} failed, ${a.quarantined} quarantined of ${a.total} agents` }
}

/** Adds the mode's own check; the status is the worst of all. */
export function healthOf (checks: HealthCheck[], mode: ServiceMode): HealthResponse {
  const all = [...checks, { name: 'mode', status: mode === 'normal' ? 'passing' : mode === 'degraded' ? 'warning' : 'critical', output: mode } satisfies HealthCheck]
  const rank: Record<HealthStatus, number> = { passing: 0, warning: 1, critical: 2 }
  const status = all.reduce<HealthStatus>((worst, c) => rank[c.status] > rank[worst] ? c.status : worst, 'passing')
  return { status, mode, checks: all }
}
