/**
 * Service placement in the simulator (issue 18): the coordinator's placement core
 * (`PlacementCoordinator` of @kos/core, unchanged) run for whichever node holds the election's
 * lease, on that node's own member view, with a model of the instances around it:
 *
 * - each node "runs" the instances of the last table it took; a table reaches a node that is
 *   running, linked to the coordinator and names it coordinator in the same term (the fence);
 *   an instance is ready as soon as it runs; a crash loses a node's instances, a pause keeps them
 *   (the agents of a stopped node run on);
 * - the coordinator hears the instances of the nodes it is linked to (their heartbeats), and
 *   waits for those reports as the node does (report-gate.ts): a present member it is not
 *   linked to holds its first table of a term back for up to 3 s.
 *
 * Invariants, checked at every sample:
 * - placement-table-valid: no table puts two instances of a service on one node, more slots than
 *   `replicas`, or an instance on a node its maker holds dead;
 * - placement-two-on-a-node: no running node runs two instances of one service;
 * - placement-over-replicated: while the network is whole, no service has more than `replicas`
 *   instances on running nodes for longer than `overReplicatedMaxMs` (after a heal, the
 *   returning side stops its stale instances once it takes the majority's table).
 */
import { PlacementCoordinator, type Assignment, type PlacementMember, type ReportedInstance, type ServiceDemand } from '@kos/core'
import type { Checkers } from './checkers.js'
import { ELECTION, type ElectionAdapter } from './sim-election.js'
import { MEMBERSHIP, type MembershipAdapter } from './sim-membership.js'
import type { Fault, Observer, Simulation } from './simulation.js'

export interface PlacementCheckerOptions {
  services: ServiceDemand[]
  /** @default 5000: a heartbeat to learn the coordinator, a republish, some slack. */
  overReplicatedMaxMs?: number
}

export class PlacementCheckers implements Observer {
  private readonly sim: Simulation
  private readonly checkers: Checkers
  private readonly services: ServiceDemand[]
  private readonly overMaxMs: number
  private readonly coordinators = new Map<number, { term: number, core: PlacementCoordinator }>()
  /** Per node index: the instances it runs. */
  private readonly running = new Map<number, Assignment[]>()
  private readonly generations = new Map<string, number>()
  private readonly overSince = new Map<string, number>()
  /** Tables published, for the report. */
  published = 0

  constructor (sim: Simulation, checkers: Checkers, opts: PlacementCheckerOptions) {
    this.sim = sim
    this.checkers = checkers
    this.services = opts.services
    this.overMaxMs = opts.overReplicatedMaxMs ?? 5000
  }

  onFault (_at: number, f: Fault): void {
    if (f.type === 'crash') { this.running.delete(f.node); this.coordinators.delete(f.node) }
  }

  onSample (at: number): void {
    const ids = this.sim.ids
    for (const p of this.sim.procs) {
      const i = p.index
      const e = this.sim.core<ElectionAdapter>(i, ELECTION)
      if (!this.sim.isRunning(i) || e === undefined || e.core.coordinatorId !== ids[i]) { this.coordinators.delete(i); continue }
      const term = e.core.term
      let c = this.coordinators.get(i)
      if (c === undefined || c.term !== term) {
        // The node's report gate (report-gate.ts) too: a member's report counts as heard while
        // the two are linked (the model hears a linked node's instances at once), as an ask
        // would be answered; one cut off keeps the first table waiting up to 3 s, as the node's
        // three heartbeats.
        c = { term, core: new PlacementCoordinator({ settleMs: 1500, republishMs: 1000, underReplicatedEscalateMs: 30_000, reports: { waitMs: 3000, askEveryMs: 1000 } }, { now: () => this.sim.now }) }
        this.coordinators.set(i, c)
      }
      const members = this.view(i)
      const heard = (node: string): number | undefined => {
        const j = this.indexOf(node)
        return j !== undefined && this.sim.isRunning(j) && this.sim.net.linked(i, j) ? this.sim.now : undefined
      }
      const step = c.core.step({ term, members, services: this.services, reports: this.reports(i), generations: this.generations, goneAtMs: () => undefined, self: ids[i]!, reportHeardAtMs: heard })
      if (step.publish === null) continue
      this.published++
      const table = step.publish.assignments
      for (const a of table) if (a.generation > (this.generations.get(a.id) ?? 0)) this.generations.set(a.id, a.generation)
      this.checkTable(ids[i]!, table, members)
      for (const q of this.sim.procs) {
        const j = q.index
        if (j !== i && (!this.sim.isRunning(j) || !this.sim.net.linked(i, j))) continue
        const ej = this.sim.core<ElectionAdapter>(j, ELECTION)
        if (j !== i && (ej === undefined || ej.core.coordinatorId !== ids[i] || ej.core.term !== term)) continue
        this.running.set(j, table.filter((a) => a.node === ids[j]))
      }
    }
    this.checkRunning(at)
  }

  private index: Map<string, number> | null = null
  private indexOf (id: string): number | undefined {
    if (this.index === null) this.index = new Map(this.sim.ids.map((x, j) => [x, j]))
    return this.index.get(id)
  }

  /** Node i's member view as the placement core takes it. */
  private view (i: number): PlacementMember[] {
    const self = this.sim.ids[i]!
    const out: PlacementMember[] = [{ id: self, name: self, present: true, eligible: true, draining: false, role: 'member', zone: null }]
    const states = this.sim.core<MembershipAdapter>(i, MEMBERSHIP)?.states ?? new Map()
    for (const [id, s] of states) {
      if (id === self) continue
      out.push({ id, name: id, present: s === 'alive' || s === 'suspect', eligible: s === 'alive', draining: false, role: 'member', zone: null })
    }
    return out
  }

  /** What node i hears running: its own instances and those of the nodes linked to it. */
  private reports (i: number): ReportedInstance[] {
    const out: ReportedInstance[] = []
    for (const [j, list] of this.running) {
      if (j !== i && (!this.sim.isRunning(j) || !this.sim.net.linked(i, j))) continue
      for (const a of list) out.push({ service: a.service, id: a.id, generation: a.generation, node: this.sim.ids[j]!, ready: true })
    }
    return out
  }

  private checkTable (maker: string, table: readonly Assignment[], members: readonly PlacementMember[]): void {
    const present = new Set(members.filter((m) => m.present).map((m) => m.id))
    for (const s of this.services) {
      const own = table.filter((a) => a.service === s.name)
      const nodes = own.map((a) => a.node)
      const slots = new Set(own.map((a) => a.slot))
      const absent = own.filter((a) => !present.has(a.node))
      if (new Set(nodes).size !== nodes.length || slots.size > s.replicas || absent.length > 0) {
        this.checkers.fail('placement-table-valid', `${maker}'s table for ${s.name} (replicas ${s.replicas}): ${own.map((a) => `${a.id}#${a.generation}@${a.node}`).join(' ')}`, [maker, ...nodes.slice(0, 3)])
      }
    }
  }

  private checkRunning (at: number): void {
    const count = new Map<string, number>()
    for (const [j, list] of this.running) {
      if (!this.sim.isRunning(j)) continue
      const per = new Map<string, number>()
      for (const a of list) per.set(a.service, (per.get(a.service) ?? 0) + 1)
      for (const [service, n] of per) {
        if (n > 1) this.checkers.fail('placement-two-on-a-node', `${this.sim.ids[j]!} runs ${n} instances of ${service}`, [this.sim.ids[j]!])
        count.set(service, (count.get(service) ?? 0) + n)
      }
    }
    for (const s of this.services) {
      const n = count.get(s.name) ?? 0
      if (n <= s.replicas || this.sim.net.isPartitioned) { this.overSince.delete(s.name); continue }
      const since = this.overSince.get(s.name) ?? at
      this.overSince.set(s.name, since)
      if (at - since > this.overMaxMs) {
        this.checkers.fail('placement-over-replicated', `${s.name} has ${n} instances running (replicas ${s.replicas}) for ${at - since} ms with the network whole`, [])
        this.overSince.set(s.name, Infinity)
      }
    }
  }
}
