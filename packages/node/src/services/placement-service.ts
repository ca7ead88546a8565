/**
 * Cluster services on one node (issue 18), as the node wires them: the desired state folded from
 * the audit log (service-book.ts), the coordinator's placement (@kos/core, services/placement-coordinator.ts) run on
 * a timer and on membership changes while this node is the coordinator, the table gossiped to
 * every node and taken only from the coordinator of the current term, the local instances
 * (instance-runner.ts), and the requests other nodes forward to the coordinator.
 *
 * Desired-state changes are written only by the coordinator, with `ack=quorum`: a node that
 * knows no coordinator (a minority side) refuses them with `no_coordinator` before anything is
 * stored.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Message } from '@libp2p/interface'
import { TopicValidatorResult } from '@libp2p/interface'
import type { Clock } from '@kos/detect'
import type { Logger } from 'pino'
import type { DrainResponse, ServiceInfo, ServiceInstanceInfo, ServiceMode } from '@kos/client'
import type { AuditFields } from '@kos/core'
import type { AuditEntry } from '@kos/core'
import type { AuditPage, AuditQuery } from '@kos/core'
import type { EscalationInput } from '@kos/core'
import type { AgentSupervisor } from '../healing/agent-supervisor.js'
import type { MemberView } from '@kos/core'
import type { KosLibp2p } from '../net/host.js'
import { handle, request } from '../net/streams.js'
import { decodeMessage, encodeMessage, WIRE_VERSION } from '@kos/core'
import { InstanceRunner, type Adoptable } from './instance-runner.js'
import { PlacementCoordinator, slotOf, type CoordinatorView, type PlacementTable } from '@kos/core'
import type { Assignment, ReportedInstance, PlacementChange, PlacementMember } from '@kos/core'
import { placementTableSchema, serviceRequestSchema, serviceResponseSchema, type ServiceRequest, type ServiceResponse } from './placement-wire.js'
import { DESIRED_STATE_TYPES, NODE_DRAIN, SERVICE_DEFINED, SERVICE_REMOVED, ServiceBook, type DesiredStateEntry } from './service-book.js'
import { DesiredStateGate } from './desired-state-gate.js'
import { serviceSpecSchema, type ServiceSpec } from './service-spec.js'
import type { ServiceEvent } from './service-events.js'

export interface PlacementServiceComponents {
  libp2p: KosLibp2p
  clock: Clock
  log: Logger
  /** This node as a placement target. */
  self: () => { id: string, name: string, role: string, mode: ServiceMode, zone: string | null }
  /** The election core: who coordinates, in which term. */
  election: () => { coordinatorId: string | null, term: number, selfId: string, voters: readonly string[] } | undefined
  members: () => MemberView[]
  /** Asks a member for its health summary now (its services report); `done(true)` once merged. */
  askReport: (peer: string, done: (answered: boolean) => void) => void
  supervisor: AgentSupervisor
  audit: {
    append: (fields: AuditFields, ack: 'local' | 'quorum') => Promise<unknown>
    query: (q: AuditQuery) => Promise<AuditPage>
    subscribe: (listener: (entry: AuditEntry) => void, onClose: () => void) => () => void
  }
  emit: (e: ServiceEvent) => void
  escalate: (input: EscalationInput) => Promise<unknown>
  /** kos_service_replacement_seconds. */
  observeReplacement: (service: string, seconds: number) => void
  /** kos_service_desired_state_refused_total: a desired-state entry not written by its term's coordinator. */
  countRefused: (reason: string) => void
  /** The coordinators this node followed, term by term, as its state store remembers them. */
  followed: () => Promise<Array<{ term: number, coordinator: string }>>
}

export interface PlacementServiceInit {
  cluster: string
  dataDir: string
  heartbeatIntervalMs: number
  maxMessageBytes: number
  requestTimeoutMs: number
  portRange: { first: number, last: number }
  underReplicatedEscalateMs: number
}

/** What a node that is not the coordinator shows its placement coordinator: nothing to place. */
const NOT_COORDINATING: CoordinatorView = Object.freeze({ term: null, members: [], services: [], reports: [], generations: new Map<string, number>(), goneAtMs: () => undefined })

/** What a desired-state change asked of this node came to: `ok`, or an API error code and message. */
export interface ServiceResult { code: string, message: string }

/** Pages of desired-state entries read at start; 100 × 1000 bounds the read. */
const MAX_PAGES = 100

export class PlacementService {
  readonly book = new ServiceBook()
  /** Folds only what the coordinator of each entry's term wrote. */
  private readonly gate = new DesiredStateGate()
  private readonly runner: InstanceRunner
  private readonly coordinator: PlacementCoordinator
  private readonly topic: string
  private readonly protocol: string
  /** The table this node runs by: the last one from the coordinator of its term. */
  private accepted: PlacementTable | null = null
  private readonly generations = new Map<string, number>()
  private readonly goneAt = new Map<string, number>()
  /** Per member found dead or left: its incarnation then; its summaries up to it are of that past life. */
  private readonly pastLife = new Map<string, number>()
  /** Per member: when this node last had its answer to an ask for its report (the report gate). */
  private readonly reportHeardAt = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  /** Before the first table is taken: the newest heard so far, taken when `firstTableTimer` ends. */
  private firstTable: PlacementTable | null = null
  private firstTableTimer: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined
  private running = false

  constructor (private readonly c: PlacementServiceComponents, private readonly init: PlacementServiceInit) {
    this.topic = `kos/${init.cluster}/placement/1`
    this.protocol = `/kos/${init.cluster}/services/1.0.0`
    this.runner = new InstanceRunner({
      supervisor: c.supervisor,
      spec: (name) => this.book.get(name),
      portRange: init.portRange,
      dataDir: init.dataDir,
      log: c.log
    })
    this.coordinator = new PlacementCoordinator({
      // One and a half heartbeats: every alive node's latest report has arrived.
      settleMs: init.heartbeatIntervalMs * 1.5,
      republishMs: init.heartbeatIntervalMs,
      // No service defined: an empty table, every ten heartbeats. It still tells a node that
      // joined the term, and a definition is published at once, not at the next republish.
      idleRepublishMs: init.heartbeatIntervalMs * 10,
      underReplicatedEscalateMs: init.underReplicatedEscalateMs,
      // Every present member's report, asked for at the start of a term, before any slot moves:
      // answers take a round trip; a member that does not answer within three heartbeats is
      // most likely paused or being found dead, and meanwhile nothing moves, excess instances
      // included (report-gate.ts). Five let an excess outlive the simulator's 5 s bound.
      reports: { waitMs: init.heartbeatIntervalMs * 3, askEveryMs: init.heartbeatIntervalMs }
    }, c.clock)
  }

  /** The gossip topic of the tables (for gossipsub's metrics labels). */
  get tableTopic (): string { return this.topic }

  async start (): Promise<void> {
    await this.runner.start()
    // First the coordinators this node followed: as its state store remembers them, and as its
    // own chain recorded them (its own elections, and every one it followed in a log written
    // before elections were recorded by their winners alone); then the desired state they wrote.
    for (const f of await this.c.followed()) this.gate.learn(f.term, f.coordinator)
    const self = this.c.self().id
    await this.readLog({ origin: self, class: 'coordinator' }, (e) => {
      const term = e.details.term
      if (e.type === 'coordinator:elected' && typeof term === 'number') this.gate.learn(term, e.subject)
    })
    this.learnElection()
    await this.readLog({ class: 'coordinator' }, (e) => { if (DESIRED_STATE_TYPES.includes(e.type)) this.fold(e) })
    this.unsubscribe = this.c.audit.subscribe((e) => {
      if (DESIRED_STATE_TYPES.includes(e.type)) {
        this.learnElection()
        if (this.fold(e)) this.onDesiredStateChanged()
      }
    }, () => {})
    const pubsub = this.c.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.addEventListener('message', this.onGossip)
    pubsub.subscribe(this.topic)
    await handle(this.c.libp2p, this.protocol, async (body, remote) => encodeMessage(await this.serve(body, remote.toString())),
      { maxRequestBytes: this.init.maxMessageBytes, timeoutMs: this.init.requestTimeoutMs + 10_000 })
    this.running = true
    // A quarter heartbeat: a death is acted on well within the heartbeat that reports it.
    this.timer = setInterval(() => { this.tick() }, Math.max(50, Math.floor(this.init.heartbeatIntervalMs / 4)))
    this.timer.unref()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    clearInterval(this.timer)
    clearTimeout(this.firstTableTimer)
    this.unsubscribe?.()
    const pubsub = this.c.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onGossip)
    try { pubsub.unsubscribe(this.topic) } catch {}
    pubsub.topicValidators.delete(this.topic)
    await this.c.libp2p.unhandle(this.protocol).catch(() => {})
    await this.runner.close()
  }

  private async readLog (query: AuditQuery, each: (e: AuditEntry) => void): Promise<void> {
    let cursor: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.c.audit.query({ ...query, limit: 1000, ...(cursor === undefined ? {} : { cursor }) })
      for (const e of res.entries) each(e)
      if (res.next === null) break
      cursor = res.next
    }
  }

  /** The coordinator this node follows now, for the gate. */
  private learnElection (): void {
    const el = this.c.election()
    if (el?.coordinatorId != null) this.gate.learn(el.term, el.coordinatorId)
  }

  /** Folds one desired-state entry if the gate admits it; true when it changed the desired state. */
  private fold (e: DesiredStateEntry): boolean {
    const el = this.c.election()
    const verdict = this.gate.admit(e, { term: el?.term ?? 0, voters: el?.voters ?? [] })
    if (verdict === 'apply') return this.book.apply(e)
    if (verdict !== 'held') this.refuse(e, verdict)
    return false
  }

  private refuse (e: DesiredStateEntry, reason: string): void {
    this.c.countRefused(reason)
    this.c.log.warn({ origin: e.origin, seq: e.seq, type: e.type, subject: e.subject, term: e.details.term, reason }, 'desired-state entry not written by the coordinator of its term: not folded')
  }

  /** Entries held for a term this node has now reached. */
  private releaseHeld (): void {
    if (this.gate.heldCount === 0) return
    const el = this.c.election()
    if (el === undefined) return
    let changed = false
    for (const { entry, verdict } of this.gate.release({ term: el.term, voters: el.voters })) {
      if (verdict === 'apply') changed = this.book.apply(entry) || changed
      else this.refuse(entry, verdict)
    }
    // The tick that released them plans with the new state next.
    if (changed) this.reapplyLocal()
  }

  /** For the heartbeat's health summary. */
  reports (): ReturnType<InstanceRunner['reports']> { return this.runner.reports() }

  /** Local instances per agent state, for kos_service_instances. */
  localCounts (): Array<{ service: string, state: string, count: number }> {
    const counts = new Map<string, number>()
    for (const r of this.runner.reports()) {
      const key = `${r.service}\u0000${r.ready ? 'ready' : r.state}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    return [...counts].map(([k, count]) => { const [service, state] = k.split('\u0000') as [string, string]; return { service, state, count } })
  }

  /** A membership event: a member that went away is re-placed at once, not at the next tick. */
  onMemberEvent (e: { type: string, member?: MemberView }): void {
    if (e.member !== undefined && (e.type === 'member:dead' || e.type === 'member:left')) {
      this.goneAt.set(e.member.peerId, this.c.clock.now() - (e.member.lastHeartbeatAgeMs ?? 0))
      this.pastLife.set(e.member.peerId, e.member.incarnation)
      if (this.goneAt.size > 10_000) this.goneAt.delete(this.goneAt.keys().next().value!)
      if (this.pastLife.size > 10_000) this.pastLife.delete(this.pastLife.keys().next().value!)
    }
    if (e.type.startsWith('member:') && this.running) this.tick()
  }

  /** An agent became ready or exited: the instance runner's (a service instance's port). */
  onAgentEvent (e: { type: string, agent?: string, expected?: boolean }): void { this.runner.onAgentEvent(e) }

  isDraining (node: string): boolean { return this.book.draining(node) }

  // ---- the API ----------------------------------------------------------------------------

  list (): ServiceInfo[] { return this.book.list().map((s) => this.view(s)) }

  get (name: string): ServiceInfo | undefined {
    const s = this.book.get(name)
    return s === undefined ? undefined : this.view(s)
  }

  /** Defines or updates a service (already validated here), through the coordinator. */
  async define (spec: ServiceSpec): Promise<ServiceResult> {
    return await this.ask({ v: WIRE_VERSION, t: 'define', spec: JSON.parse(JSON.stringify(spec)) as ServiceSpec })
  }

  async remove (name: string): Promise<ServiceResult> {
    return await this.ask({ v: WIRE_VERSION, t: 'remove', name })
  }

  async drain (node: string, draining: boolean): Promise<ServiceResult & Partial<DrainResponse>> {
    return await this.ask({ v: WIRE_VERSION, t: 'drain', node, draining })
  }

  /** A service as this node sees it: what the alive nodes report, and what is assigned but not reported yet. */
  private view (s: ServiceSpec): ServiceInfo {
    const names = new Map<string, string>([[this.c.self().id, this.c.self().name]])
    for (const m of this.c.members()) names.set(m.peerId, m.name)
    const instances: ServiceInstanceInfo[] = []
    const seen = new Set<string>()
    for (const r of this.allReports()) {
      if (r.service !== s.name) continue
      seen.add(`${r.node}/${r.id}/${r.generation}`)
      instances.push({ id: r.id, generation: r.generation, nodeId: r.node, nodeName: names.get(r.node) ?? r.node, state: r.state, ready: r.ready, since: new Date(r.sinceMs).toISOString() })
    }
    for (const a of this.currentTable()?.assignments ?? []) {
      if (a.service !== s.name || seen.has(`${a.node}/${a.id}/${a.generation}`)) continue
      instances.push({ id: a.id, generation: a.generation, nodeId: a.node, nodeName: names.get(a.node) ?? a.node, state: 'assigned', ready: false, since: null })
    }
    instances.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : a.generation - b.generation)
    const ready = instances.filter((i) => i.ready).length
    const status = ready < s.replicas ? 'under-replicated' : ready > s.replicas ? 'over-replicated' : 'ok'
    return { name: s.name, replicas: s.replicas, spread: s.spread, status, instances }
  }

  // ---- desired-state changes: asked here, done by the coordinator ------------------------------

  private async ask (req: ServiceRequest): Promise<ServiceResult> {
    const el = this.c.election()
    const coordinator = el?.coordinatorId ?? null
    if (el === undefined || coordinator === null) {
      return { code: 'no_coordinator', message: 'this node knows no coordinator (a minority side of a partition, or an election under way): nothing was stored; retry once `kos coordinator` shows one' }
    }
    if (coordinator === el.selfId) return await this.perform(req)
    let bytes: Uint8Array
    try {
      bytes = await request(this.c.libp2p, peerIdFromString(coordinator), this.protocol, encodeMessage(req), { timeoutMs: this.init.requestTimeoutMs, maxResponseBytes: 8192 })
    } catch (err) {
      return { code: 'no_coordinator', message: `the coordinator ${coordinator} did not answer (${(err as Error).message}); the change may or may not have been stored: GET /v1/services shows which` }
    }
    try {
      const res: ServiceResponse = decodeMessage(bytes, serviceResponseSchema, 8192)
      return { code: res.code, message: res.message }
    } catch (err) {
      return { code: 'internal', message: `the coordinator's answer was invalid: ${(err as Error).message}` }
    }
  }

  /** A request forwarded by another member. */
  private async serve (body: Uint8Array, from: string): Promise<ServiceResponse> {
    const answer = (r: ServiceResult): ServiceResponse => ({ v: WIRE_VERSION, t: 'result', code: r.code, message: r.message.slice(0, 4096) })
    if (!this.c.members().some((m) => m.peerId === from && (m.state === 'alive' || m.state === 'suspect'))) {
      return answer({ code: 'forbidden', message: 'only a member of the cluster may change its services' })
    }
    let req: ServiceRequest
    try {
      req = decodeMessage(body, serviceRequestSchema, this.init.maxMessageBytes)
    } catch (err) {
      // The schema's message names the field (`invalid message at spec.replicas: …`).
      return answer({ code: 'invalid_request', message: (err as Error).message })
    }
    return answer(await this.perform(req))
  }

  /** On the coordinator: checks the change and writes it to the log, held by a quorum before it answers. */
  private async perform (req: ServiceRequest): Promise<ServiceResult> {
    const el = this.c.election()
    if (el === undefined || el.coordinatorId !== el.selfId) return { code: 'no_coordinator', message: 'this node is no longer the coordinator; retry' }
    let fields: AuditFields
    if (req.t === 'define') {
      const parsed = serviceSpecSchema.safeParse(req.spec)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        return { code: 'invalid_request', message: `${issue.path.join('.') || 'body'}: ${issue.message}` }
      }
      fields = { class: 'coordinator', type: SERVICE_DEFINED, severity: 'notice', subject: parsed.data.name, details: { term: el.term, spec: JSON.parse(JSON.stringify(parsed.data)) } }
    } else if (req.t === 'remove') {
      if (this.book.get(req.name) === undefined) return { code: 'not_found', message: `no service ${req.name}` }
      fields = { class: 'coordinator', type: SERVICE_REMOVED, severity: 'notice', subject: req.name, details: { term: el.term } }
    } else {
      const known = req.node === el.selfId || this.c.members().some((m) => m.peerId === req.node && m.state !== 'left')
      if (!known) return { code: 'not_found', message: `no member ${req.node}` }
      fields = { class: 'coordinator', type: NODE_DRAIN, severity: 'notice', subject: req.node, details: { term: el.term, draining: req.draining } }
    }
    this.gate.learn(el.term, el.selfId)
    try {
      await this.c.audit.append(fields, 'quorum')
    } catch (err) {
      const e = err as Error
      if (e.name === 'AuditFieldsError') return { code: 'invalid_request', message: `the definition is too large or not JSON-safe: ${e.message}` }
      if (e.name === 'AuditQuorumTimeoutError') return { code: 'quorum_timeout', message: `${e.message}; it is stored on the coordinator and still replicates` }
      return { code: 'audit_unavailable', message: e.message }
    }
    return { code: 'ok', message: 'stored' }
  }

  // ---- placement ------------------------------------------------------------------------------

  private tick (): void {
    if (!this.running) return
    this.learnElection()
    this.releaseHeld()
    // A held instance goes (or stays, adopted) by the table; re-checked each tick in case the
    // slot's wants changed meanwhile (service removed, this node drained).
    if (this.runner.holding > 0) this.reapplyLocal()
    const el = this.c.election()
    const isCoordinator = el !== undefined && el.coordinatorId === el.selfId
    // Only the coordinator's view is read: the member list and the reports are built from every
    // member four times a second, which cost every other node more than the rest of this tick.
    const step = this.coordinator.step(!isCoordinator
      ? NOT_COORDINATING
      : {
          term: el.term,
          members: this.placementMembers(),
          services: this.book.list(),
          reports: this.allReports(),
          generations: this.generations,
          goneAtMs: (node) => this.goneAt.get(node),
          self: this.c.self().id,
          reportHeardAtMs: (node) => this.reportHeardAt.get(node)
        })
    for (const peer of step.ask) this.askReport(peer)
    if (step.unheard.length > 0) this.c.log.warn({ unheard: step.unheard, term: el?.term }, 'placement goes on without the services reports of members that did not answer')
    for (const c of step.changes) this.c.emit(this.eventOf(c, el?.term ?? 0))
    for (const r of step.replacementsReady) this.c.observeReplacement(r.service, r.seconds)
    for (const u of step.escalate) {
      const summary = `service ${u.service} has ${u.ready} of ${u.replicas} ready instances for ${Math.round((this.c.clock.now() - u.sinceMs) / 1000)} s (no eligible node, or its instances do not become ready)`
      this.c.emit({ type: 'service:under-replicated', service: u.service, ready: u.ready, replicas: u.replicas })
      void this.c.escalate({ class: 'agent', severity: 'warning', subject: `service:${u.service}`, summary, route: ['archon', 'operators'] })
        .catch((err: unknown) => { this.c.log.warn({ err, service: u.service }, 'escalation not created') })
    }
    if (step.publish !== null) {
      const table = step.publish
      this.c.libp2p.services.pubsub.publish(this.topic, encodeMessage({ v: WIRE_VERSION, t: 'placement', term: table.term, version: table.version, assignments: table.assignments }))
        .catch((err: Error) => { this.c.log.debug({ err }, 'placement table not published') })
      this.take(table)
    }
  }

  private askReport (peer: string): void {
    this.c.askReport(peer, (answered) => {
      if (!answered || !this.running) return
      this.reportHeardAt.set(peer, this.c.clock.now())
      if (this.reportHeardAt.size > 10_000) this.reportHeardAt.delete(this.reportHeardAt.keys().next().value!)
      // The last answer may open the gate: place now rather than at the next tick.
      this.tick()
    })
  }

  private eventOf (c: PlacementChange, term: number): ServiceEvent {
    const a = c.assignment
    const base = { service: a.service, instance: a.id, generation: a.generation, node: a.node, term }
    switch (c.type) {
      case 'placed': return { type: 'service:placed', ...base }
      case 'replaced': return { type: 'service:replaced', ...base, from: c.from }
      case 'drain-moving': return { type: 'service:drain-moving', ...base, from: c.from }
      case 'stopped': return { type: 'service:stopped', ...base, reason: c.reason }
    }
  }

  /** Every present node's reported instances, this node's own included. */
  private allReports (): Array<ReportedInstance & { state: string, sinceMs: number }> {
    const self = this.c.self().id
    const out: Array<ReportedInstance & { state: string, sinceMs: number }> = this.runner.reports().map((r) => ({ ...r, node: self }))
    for (const m of this.c.members()) {
      if (m.state !== 'alive' && m.state !== 'suspect') continue
      // A member found dead that is back (restarted, or a false alarm it refuted) may be alive
      // again by a notice before its first heartbeat: its summary up to the incarnation it died
      // at is what it ran before, not what it runs now. A refuted suspicion is no such case: the
      // summary of the incarnation before the refutation is still the same process's.
      if (m.health === null || m.health.incarnation <= (this.pastLife.get(m.peerId) ?? -1)) continue
      for (const r of m.health.services ?? []) out.push({ ...r, node: m.peerId })
    }
    return out
  }

  private placementMembers (): PlacementMember[] {
    const self = this.c.self()
    const out: PlacementMember[] = [{
      id: self.id, name: self.name, present: true, eligible: self.mode === 'normal' && !this.book.draining(self.id),
      draining: this.book.draining(self.id), role: self.role, zone: self.zone
    }]
    for (const m of this.c.members()) {
      const draining = this.book.draining(m.peerId)
      out.push({
        id: m.peerId,
        name: m.name,
        present: m.state === 'alive' || m.state === 'suspect',
        eligible: m.state === 'alive' && m.health?.mode === 'normal' && !draining,
        draining,
        role: m.role,
        zone: m.health?.zone ?? null
      })
    }
    return out
  }

  /** The table this node runs by, while it is the current term's. */
  private currentTable (): PlacementTable | null {
    const el = this.c.election()
    if (this.accepted === null || el === undefined || el.term !== this.accepted.term) return null
    return this.accepted
  }

  private take (table: PlacementTable): void {
    this.accepted = table
    for (const a of table.assignments) if (a.generation > (this.generations.get(a.id) ?? 0)) this.generations.set(a.id, a.generation)
    const self = this.c.self().id
    void this.runner.apply(table.assignments.filter((a: Assignment) => a.node === self), this.adoptableIn(table))
  }

  /** Whether the coordinator of `table` will take back an instance this node runs but is no longer given (instance-runner.ts). */
  private adoptableIn (table: PlacementTable): Adoptable {
    return (id, service, generation) => {
      const self = this.c.self()
      const spec = this.book.get(service)
      const slot = slotOf(service, id)
      if (spec === undefined || slot < 0 || slot >= spec.replicas || this.book.draining(self.id)) return false
      const sel = spec.nodeSelector
      if (sel !== undefined && ((sel.roles !== undefined && !(sel.roles as readonly string[]).includes(self.role)) || (sel.zones !== undefined && (self.zone === null || !sel.zones.includes(self.zone))))) return false
      if (table.assignments.some((a) => a.service === service && a.node === self.id)) return false
      return table.assignments.filter((a) => a.id === id).every((a) => a.generation > generation)
    }
  }

  /** A changed definition restarts the instances that run it; a removed service stops them (by the next table). */
  private onDesiredStateChanged (): void {
    this.reapplyLocal()
    if (this.running) this.tick()
  }

  private reapplyLocal (): void {
    const table = this.currentTable()
    if (table !== null) {
      const self = this.c.self().id
      void this.runner.apply(table.assignments.filter((a) => a.node === self && this.book.get(a.service) !== undefined), this.adoptableIn(table))
    }
  }

  private readonly validate = (_source: unknown, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'signed') return TopicValidatorResult.Reject
    try {
      decodeMessage(msg.data, placementTableSchema, this.init.maxMessageBytes * 4)
    } catch {
      return TopicValidatorResult.Reject
    }
    return TopicValidatorResult.Accept
  }

  private readonly onGossip = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== this.topic || msg.type !== 'signed') return
    let table
    try {
      table = decodeMessage(msg.data, placementTableSchema, this.init.maxMessageBytes * 4)
    } catch { return }
    // The fence: only the coordinator of this node's current term places; a stale or
    // self-proclaimed coordinator's table is ignored.
    const el = this.c.election()
    const from = msg.from.toString()
    if (el === undefined || el.coordinatorId !== from || el.term !== table.term) return
    const heard = { term: table.term, version: table.version, assignments: table.assignments }
    if (this.accepted === null) { this.hearFirstTable(heard); return }
    if (this.accepted.term === table.term && this.accepted.version >= table.version) return
    this.take(heard)
  }

  /**
   * A node that holds no table yet (it has just started) takes the newest one it hears within
   * one and a half republish periods, not the first. Gossip can hand a node that just connected
   * a table seconds old (a peer answers its first IHAVE from the message cache), which may still
   * give it the instance re-placed elsewhere while it was down: it started that instance until
   * the current table came, a duplicate. The coordinator republishes its table every heartbeat,
   * so the current one arrives within the wait.
   */
  private hearFirstTable (table: PlacementTable): void {
    if (this.firstTable === null || table.term > this.firstTable.term || (table.term === this.firstTable.term && table.version > this.firstTable.version)) this.firstTable = table
    if (this.firstTableTimer !== undefined) return
    this.firstTableTimer = setTimeout(() => {
      this.firstTableTimer = undefined
      const newest = this.firstTable
      this.firstTable = null
      const el = this.c.election()
      // Still this term's, and nothing taken meanwhile: otherwise the next table starts over.
      if (!this.running || newest === null || this.accepted !== null || el === undefined || el.term !== newest.term) return
      this.take(newest)
    }, this.init.heartbeatIntervalMs * 1.5)
    this.firstTableTimer.unref()
  }
}
