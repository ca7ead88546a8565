/**
 * The cluster-service metrics (issue 18):
 * - `kos_service_instances{service,state}`: this node's own instances by state (`ready` for a
 *   ready one, else its agent state), so a sum over the nodes is the cluster's;
 * - `kos_service_replacement_seconds{service}`: on the coordinator, the time from a node's last
 *   heartbeat before it was found dead (or left) to its instance's replacement being ready;
 * - `kos_service_desired_state_refused_total{reason}`: desired-state entries not written by the
 *   coordinator of their term (desired-state-gate.ts).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export class ServiceMetrics {
  private readonly replacement: Histogram<'service'>
  private readonly refused: Counter<'reason'>

  constructor (registry: Registry, instances: () => Array<{ service: string, state: string, count: number }>) {
    const registers = [registry]
    this.replacement = new Histogram({
      name: 'kos_service_replacement_seconds',
      help: 'Time from the death of a node (its last heartbeat) to the replacement of its service instance being ready, on the coordinator',
      labelNames: ['service'],
      buckets: [1, 2, 3, 4, 5, 6, 8, 10, 15, 30, 60],
      registers
    })
    this.refused = new Counter({
      name: 'kos_service_desired_state_refused_total',
      help: 'Desired-state entries (service:defined, service:removed, node:drain) not folded, by reason: not-coordinator (not the coordinator of its term), not-voter (a term this node never followed, from a non-voter), term-bound (an absurd term), malformed, held-full (too many entries of terms not reached yet)',
      labelNames: ['reason'],
      registers
    })
    new Gauge({
      name: 'kos_service_instances',
      help: 'Service instances this node runs, by service and state (ready, or the agent state)',
      labelNames: ['service', 'state'],
      registers,
      collect () {
        this.reset()
        for (const c of instances()) this.set({ service: c.service, state: c.state }, c.count)
      }
    })
  }

  observeReplacement (service: string, seconds: number): void { this.replacement.observe({ service }, seconds) }

  countRefused (reason: string): void { this.refused.inc({ reason }) }
}
