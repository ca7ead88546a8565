/**
 * The coordinator's side of service placement (issue 18), as a state machine with an injected
 * clock: each `step` takes what the coordinator sees now and says what to publish, which changes
 * to record, which services to escalate and which re-placements just became ready. The shell
 * (placement-service.ts) calls it on a timer and on membership changes.
 *
 * - A table is fenced by the term it was made in: a node takes it only from the coordinator of
 *   its current term (instance-runner.ts), so a deposed coordinator's table is ignored.
 * - A node that becomes coordinator starts with an empty table and waits `settleMs` (a heartbeat
 *   or two) before its first one: by then every alive node's latest report has reached it, and
 *   `plan` adopts what they run instead of placing anew. A failover loses nothing and duplicates
 *   nothing.
 * - With `reports` set, it also asks every present member for its services report and moves
 *   nothing until it has heard each since its term started, or `reports.waitMs` passed
 *   (report-gate.ts): with bounded monitors a report it holds may be old, or missing, and
 *   `plan` would read a missing one as "runs nothing" and place a running slot again.
 * - The table is published again every `republishMs` even when unchanged: a node that missed it
 *   (it learnt the term late, it was cut off) converges without asking. While no service is
 *   defined, only every `idleRepublishMs`.
 * - Its version grows within a term, even when this node's lease lapses and returns in the same
 *   term (it then settles and makes its table again): nodes ignore a version they have passed.
 * - A service below `replicas` ready instances for `underReplicatedEscalateMs` is escalated once
 *   until it recovers.
 */
import type { Clock } from '@kos/detect'
import { ReportGate, type ReportGateOptions } from './report-gate.js'
import { plan, sameTable, type Assignment, type ReportedInstance, type PlacementChange, type PlacementMember, type ServiceDemand } from './placement.js'

export interface PlacementTable {
  term: number
  version: number
  assignments: Assignment[]
}

export interface CoordinatorView {
  /** This node's term while it is the coordinator and holds its lease; null otherwise. */
  term: number | null
  members: readonly PlacementMember[]
  services: readonly ServiceDemand[]
  reports: readonly ReportedInstance[]
  /** The highest generation per instance id of every table this node has seen. */
  generations: ReadonlyMap<string, number>
  /** Clock time a member that went away was last heard from (for the re-placement time), if known. */
  goneAtMs: (node: string) => number | undefined
  /** This node's id (its own report is always at hand). */
  self?: string
  /**
   * When this node last heard the member's own services report (an answer to an ask, or its
   * summary); with `reports` in the options, what the report gate waits on.
   */
  reportHeardAtMs?: (node: string) => number | undefined
}

export interface PlacementCoordinatorOptions {
  settleMs: number
  republishMs: number
  /**
   * The republish period while no service is defined: the table is empty and there is nothing
   * for a node that missed it to converge to, so a republish every `republishMs` would be a
   * signed gossip a second at every node for nothing. @default republishMs
   */
  idleRepublishMs?: number
  underReplicatedEscalateMs: number
  /** The wait for every present member's report before the first table of a term (report-gate.ts); absent: none. */
  reports?: ReportGateOptions
}

export interface UnderReplicated { service: string, ready: number, replicas: number, sinceMs: number }

export interface PlacementStep {
  publish: PlacementTable | null
  changes: PlacementChange[]
  escalate: UnderReplicated[]
  /** Re-placements (of an instance whose node went away) now ready, with the time since the node was last heard. */
  replacementsReady: Array<{ service: string, id: string, seconds: number }>
  /** Members to ask for their services report now (the report gate). */
  ask: string[]
  /** The report gate's wait ran out with these members not heard: placement goes on without their reports. */
  unheard: string[]
}

const NOTHING: PlacementStep = Object.freeze({ publish: null, changes: [], escalate: [], replacementsReady: [], ask: [], unheard: [] }) as PlacementStep

export class PlacementCoordinator {
  private term: number | null = null
  private since = 0
  private current: PlacementTable | null = null
  private publishedAt = -Infinity
  private readonly underSince = new Map<string, number>()
  private readonly escalated = new Set<string>()
  private readonly pending = new Map<string, { service: string, id: string, generation: number, node: string, sinceMs: number }>()
  /** Instance ids whose node went away before any node could take them: id → that node. */
  private readonly lost = new Map<string, string>()
  /** The last table version made, and its term: kept across `reset`. */
  private lastVersion: { term: number, version: number } | null = null
  private gate: ReportGate | null = null

  constructor (private readonly options: PlacementCoordinatorOptions, private readonly clock: Clock) {}

  /** The table of this term, once published; null while not the coordinator or settling. */
  get table (): PlacementTable | null { return this.current }

  step (view: CoordinatorView): PlacementStep {
    const now = this.clock.now()
    if (view.term === null) { this.reset(null, now); return NOTHING }
    if (view.term !== this.term) this.reset(view.term, now)
    let unheard: string[] = []
    if (this.gate !== null && view.reportHeardAtMs !== undefined) {
      const g = this.gate.step(view.members, view.self ?? '', view.reportHeardAtMs, now)
      if (!g.open) return g.ask.length === 0 ? NOTHING : { ...NOTHING, ask: g.ask }
      unheard = g.expiredUnheard
    }
    if (now - this.since < this.options.settleMs) return unheard.length === 0 ? NOTHING : { ...NOTHING, unheard }
    const previous = this.current?.assignments ?? []
    const next = plan({ members: view.members, services: view.services, reports: view.reports, table: previous, generations: view.generations })
    const changed = this.current === null || !sameTable(previous, next.table)
    if (changed) {
      // Versions only grow within a term, across a lapse of the lease too (this node stays the
      // coordinator of the term and starts its table again): a node that took version 40 before
      // the lapse ignores every table up to 40 after it, and would run by the old one for good.
      const floor = this.lastVersion?.term === view.term ? this.lastVersion.version : 0
      const version = Math.max(this.current?.version ?? 0, floor) + 1
      this.current = { term: view.term, version, assignments: next.table }
      this.lastVersion = { term: view.term, version }
    }
    const table = this.current!
    // A slot whose node went away while no node could take it is placed at a later step: it is
    // still that node's re-placement (its event, and kos_service_replacement_seconds).
    const present = new Set(view.members.filter((m) => m.present).map((m) => m.id))
    for (const a of previous) {
      if (!present.has(a.node) && !next.table.some((x) => x.id === a.id)) this.lost.set(a.id, a.node)
    }
    const changes = next.changes.map((c): PlacementChange => {
      const from = c.type === 'placed' ? this.lost.get(c.assignment.id) : undefined
      return from === undefined ? c : { type: 'replaced', assignment: c.assignment, from }
    })
    for (const c of changes) if (c.type === 'placed' || c.type === 'replaced') this.lost.delete(c.assignment.id)
    if (this.lost.size > 4096) this.lost.delete(this.lost.keys().next().value!)
    for (const c of changes) {
      if (c.type === 'replaced') {
        const a = c.assignment
        this.pending.set(a.id, { service: a.service, id: a.id, generation: a.generation, node: a.node, sinceMs: view.goneAtMs(c.from) ?? now })
      }
    }
    const ready = new Set(view.reports.filter((r) => r.ready).map((r) => `${r.node}/${r.id}/${r.generation}`))
    const replacementsReady: PlacementStep['replacementsReady'] = []
    for (const [id, p] of this.pending) {
      if (!table.assignments.some((a) => a.id === id && a.generation === p.generation)) { this.pending.delete(id); continue }
      if (ready.has(`${p.node}/${p.id}/${p.generation}`)) {
        replacementsReady.push({ service: p.service, id, seconds: Math.max(0, now - p.sinceMs) / 1000 })
        this.pending.delete(id)
      }
    }
    const escalate = this.underReplicated(view, table, ready, now)
    const period = view.services.length === 0 && table.assignments.length === 0 ? (this.options.idleRepublishMs ?? this.options.republishMs) : this.options.republishMs
    const due = changed || now - this.publishedAt >= period
    if (due) this.publishedAt = now
    return { publish: due ? table : null, changes, escalate, replacementsReady, ask: [], unheard }
  }

  private underReplicated (view: CoordinatorView, table: PlacementTable, ready: ReadonlySet<string>, now: number): UnderReplicated[] {
    const out: UnderReplicated[] = []
    const names = new Set(view.services.map((s) => s.name))
    for (const name of [...this.underSince.keys()]) if (!names.has(name)) { this.underSince.delete(name); this.escalated.delete(name) }
    for (const s of view.services) {
      const slots = new Set(table.assignments.filter((a) => a.service === s.name && ready.has(`${a.node}/${a.id}/${a.generation}`)).map((a) => a.slot))
      if (slots.size >= s.replicas) { this.underSince.delete(s.name); this.escalated.delete(s.name); continue }
      const since = this.underSince.get(s.name) ?? now
      this.underSince.set(s.name, since)
      if (!this.escalated.has(s.name) && now - since >= this.options.underReplicatedEscalateMs) {
        this.escalated.add(s.name)
        out.push({ service: s.name, ready: slots.size, replicas: s.replicas, sinceMs: since })
      }
    }
    return out
  }

  private reset (term: number | null, now: number): void {
    this.term = term
    this.since = now
    this.gate = term === null || this.options.reports === undefined ? null : new ReportGate(this.options.reports, now)
    this.current = null
    this.publishedAt = -Infinity
    this.underSince.clear()
    this.escalated.clear()
    this.pending.clear()
    this.lost.clear()
  }
}
