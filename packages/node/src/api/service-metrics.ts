/**
 * The cluster-service metrics (issue 18):
 * - `kos_service_instances{service,state}`: this node's own instances by state (`ready` for a
 *   ready one, else its agent state), so a sum over the nodes is the cluster's;
 * - `kos_service_replacement_seconds{service}`: on the coordinator, the time from a node's last
 *   heartbeat before it was found dead (or left) to its instance's replacement being ready.
 */
import { Gauge, Histogram, type Registry } from 'prom-client'

export class ServiceMetrics {
  private readonly replacement: Histogram<'service'>

  constructor (registry: Registry, instances: () => Array<{ service: string, state: string, count: number }>) {
    const registers = [registry]
    this.replacement = new Histogram({
      name: 'kos_service_replacement_seconds',
      help: 'Time from the death of a node (its last heartbeat) to the replacement of its service instance being ready, on the coordinator',
      labelNames: ['service'],
      buckets: [1, 2, 3, 4, 5, 6, 8, 10, 15, 30, 60],
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
}
