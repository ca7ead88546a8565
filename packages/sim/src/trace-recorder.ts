/**
 * Writes the relevant core events into the run's trace: member state changes (not joins, which
 * a warm start produces N² of), refutations, stalls, every election event, and the audit core's
 * outcomes (quorum acks and timeouts, rejections). Routine traffic
 * (heartbeats, acks) never appears: the trace is for reading.
 */
import type { CoreEvent } from './core-adapter.js'
import type { Observer, Simulation } from './simulation.js'

export class TraceRecorder implements Observer {
  private readonly sim: Simulation
  constructor (sim: Simulation) { this.sim = sim }

  onCoreEvent (at: number, node: number, _core: string, e: CoreEvent): void {
    const line = describe(e)
    if (line !== null) this.sim.trace.add(at, `${this.sim.ids[node]!}: ${line}`)
  }
}

function describe (e: CoreEvent): string | null {
  const m = e.member as { peerId: string, incarnation: number } | undefined
  switch (e.type) {
    case 'member:alive': return `${e.type} ${m!.peerId} inc=${m!.incarnation} (was ${String(e.previous)})`
    case 'member:suspect': case 'member:dead': return `${e.type} ${m!.peerId} inc=${m!.incarnation} by ${String(e.by)}`
    case 'member:left': case 'member:removed': return `${e.type} ${m!.peerId}`
    case 'member:refuted': return `${e.type} ${String(e.claim)} by ${String(e.by)}, now inc=${String(e.incarnation)}`
    case 'node:stalled': return `${e.type} ${String(e.stallMs)}ms`
    case 'coordinator:elected': return `${e.type} ${String(e.coordinatorId)} term=${String(e.term)}`
    case 'coordinator:stepped-down': return `${e.type} term=${String(e.term)} (${String(e.reason)})`
    case 'coordinator:lost': return `${e.type} ${String(e.previous)} term=${String(e.term)}`
    case 'voters:changed': return `${e.type} v${String(e.version)} +${String(e.added)} -${String(e.removed)} (${String(e.voters)} voters)`
    // The audit core's outcomes (routine replication traffic stays out).
    case 'audit:acked': return `${e.type} #${String(e.seq)}`
    case 'audit:quorum-timeout': return `${e.type} #${String(e.seq)}: ${String(e.error)}`
    case 'audit:rejected': return `${e.type} from ${String(e.from)} seq ${String(e.seq)}: ${JSON.stringify(e.why)}`
    case 'audit:wire-refused': return `${e.type} ${String(e.kind)}: ${String(e.error).slice(0, 120)}`
    case 'audit:append-failed': return `${e.type} ${String(e.error)}`
    default: return null
  }
}
