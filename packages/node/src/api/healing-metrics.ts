/**
 * The self-healing metrics (issue 6), the seed's five: agent crash rate and restarts, node
 * uptime (kos_node_uptime_seconds, in metrics.ts), MTTR, ethics quarantines and resource
 * saturation alerts. Fed from the node's event path, like the other counters.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { KosEvent } from '../events/kos-event.js'

export class HealingMetrics {
  private readonly exits: Counter<'agent' | 'expected'>
  private readonly restarts: Counter<'agent'>
  private readonly mttr: Histogram<'agent'>
  private readonly quarantines: Counter
  private readonly refusedQuarantines: Counter
  private readonly saturation: Counter<'resource'>
  private readonly detections: Counter<'class' | 'condition'>

  constructor (registry: Registry, agentStates: () => Record<string, number>) {
    const registers = [registry]
    this.exits = new Counter({ name: 'kos_agent_exits_total', help: 'Agent process exits; expected="false" are crashes (the crash rate is its rate())', labelNames: ['agent', 'expected'], registers })
    this.restarts = new Counter({ name: 'kos_agent_restarts_total', help: 'Agent restarts scheduled by the supervisor', labelNames: ['agent'], registers })
    this.mttr = new Histogram({
      name: 'kos_agent_mttr_seconds',
      help: 'Time from a detected agent failure (crash, failed probe, memory limit) to the agent being healthy again',
      labelNames: ['agent'],
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 120, 300],
      registers
    })
    this.quarantines = new Counter({ name: 'kos_ethics_quarantines_total', help: 'Agents this node quarantined for ethics violations', registers })
    this.refusedQuarantines = new Counter({ name: 'kos_ethics_quarantines_refused_total', help: 'Quarantine entries not honoured: their origin neither hosts the agent nor is a designated Junzi', registers })
    this.saturation = new Counter({ name: 'kos_resource_saturation_alerts_total', help: 'Resource saturation alerts raised, by resource', labelNames: ['resource'], registers })
    this.detections = new Counter({ name: 'kos_healing_detections_total', help: 'Detections by failure class and condition', labelNames: ['class', 'condition'], registers })
    new Gauge({
      name: 'kos_agents',
      help: 'Agents of this node by state',
      labelNames: ['state'],
      registers,
      collect () {
        this.reset()
        for (const [state, n] of Object.entries(agentStates())) this.set({ state }, n)
      }
    })
  }

  onEvent (e: KosEvent): void {
    switch (e.type) {
      case 'agent:exited': this.exits.inc({ agent: e.agent, expected: String(e.expected) }); break
      case 'agent:restarting': this.restarts.inc({ agent: e.agent }); break
      case 'agent:ready': if (e.recoveredAfterMs !== null) this.mttr.observe({ agent: e.agent }, e.recoveredAfterMs / 1000); break
      case 'agent:quarantined': this.quarantines.inc(); break
      case 'agent:quarantine-refused': this.refusedQuarantines.inc(); break
      case 'resource:saturation': if (e.state === 'raised') this.saturation.inc({ resource: e.resource }); break
      case 'healing:detected': this.detections.inc({ class: e.class, condition: e.condition }); break
      default: break
    }
  }
}
