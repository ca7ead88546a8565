/**
 * The node's agent supervisor (issue 6): every agent of the node, the policy that maps what they
 * detect to recovery actions, the cluster-wide quarantine list and the service mode's hold on
 * non-essential agents. Each detection becomes one `healing:detected` event (classified, with the
 * actions chosen), then the actions run in the policy's order.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { join, resolve } from 'node:path'
import type { Clock } from '@kos/detect'
import type { Logger } from 'pino'
import type { EscalationInput } from '@kos/core'
import type { AgentSpec } from '../config/agent-spec.js'
import type { AgentUser } from './agent-user.js'
import type { AgentEvent } from '@kos/core'
import { selectActions, type Detection, type EscalationTarget, type Policy, type Selection } from '@kos/core'
import { mayRelease, QuarantineBook, type Quarantine, type QuarantineEntry } from '@kos/core'
import type { ServiceMode } from '@kos/core'
import { SupervisedAgent } from './supervised-agent.js'
import type { OwnStall } from './probe-loop.js'
import type { RotatingLogOptions } from './rotating-log.js'

export interface AgentSupervisorDeps {
  clock: Clock
  random: () => number
  logger: Logger
  dataDir: string
  /** The API URL agents report to (KOS_API), known once the API listens. */
  apiUrl: () => string
  emit: (e: AgentEvent) => void
  policy: Policy
  escalate: (input: EscalationInput) => Promise<unknown>
  /** The config's escalationRouting: the fallback after a rule's `escalateTo`. */
  routing: Readonly<Record<Detection['class'], ReadonlyArray<EscalationTarget>>>
  selfId: () => string
  junzi: () => readonly string[]
  /** Whether `origin` hosts an agent called `name`, as its audit chain shows (quarantine-authority.ts). */
  hosts: (origin: string, name: string) => Promise<boolean>
  /** This node's own event-loop stalls (the membership's local health). */
  ownStall: OwnStall
  /** Polls memory use and error-spike buckets. */
  pollIntervalMs: number
  log: RotatingLogOptions
}

export interface EthicsReport {
  verdict: 'pass' | 'violation' | 'filter_error'
  severity: 'info' | 'warning' | 'critical'
  rule: string
  details?: Record<string, unknown>
}

export type ReleaseOutcome = 'released' | 'not-quarantined' | 'forbidden'

export class AgentSupervisor {
  private readonly agents = new Map<string, { agent: SupervisedAgent, token: string, source: 'config' | 'api' | 'service' }>()
  private readonly book = new QuarantineBook()
  /** Per agent, the times of its ethics violations inside the policy's window. */
  private readonly violations = new Map<string, number[]>()
  private mode: ServiceMode = 'normal'
  private pollTimer: NodeJS.Timeout | undefined
  private polling = false
  private closed = false
  /** The user agents run as (`agentUser`), set before the first agent starts. */
  private user: AgentUser | undefined

  constructor (private readonly d: AgentSupervisorDeps) {}

  /** Agents started from now on run as `user` (undefined: as the node's own user). */
  runAs (user: AgentUser | undefined): void { this.user = user }

  /** Starts polling; agents are added with define(). */
  start (): void {
    this.pollTimer = setInterval(() => { void this.poll() }, this.d.pollIntervalMs)
    this.pollTimer.unref()
  }

  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.pollTimer)
    await Promise.all([...this.agents.values()].map(async ({ agent }) => await agent.close()))
  }

  has (name: string): boolean { return this.agents.has(name) }
  get (name: string): { agent: SupervisedAgent, source: 'config' | 'api' | 'service' } | undefined { return this.agents.get(name) }
  list (): Array<{ agent: SupervisedAgent, source: 'config' | 'api' | 'service' }> { return [...this.agents.values()] }
  quarantine (name: string): Quarantine | undefined { return this.book.get(name) }

  /** Adds and starts an agent (a quarantined name is added but not started). */
  async define (spec: AgentSpec, source: 'config' | 'api' | 'service'): Promise<SupervisedAgent> {
    if (this.agents.has(spec.name)) throw new Error(`agent ${spec.name} is already defined`)
    const token = randomBytes(24).toString('base64url')
    const agent = new SupervisedAgent(spec, {
      clock: this.d.clock,
      random: this.d.random,
      dir: join(this.d.dataDir, 'agents', spec.name),
      ownStall: this.d.ownStall,
      cgroupScope: createHash('sha256').update(resolve(this.d.dataDir)).digest('hex').slice(0, 8),
      env: { KOS_API: this.d.apiUrl(), KOS_AGENT_ID: spec.name, KOS_TOKEN: token },
      user: () => this.user,
      log: this.d.log,
      logger: this.d.logger,
      emit: this.d.emit,
      detect: (a, det) => { this.detect(a, { class: 'agent', ...det }) }
    })
    this.agents.set(spec.name, { agent, token, source })
    this.d.emit({ type: 'agent:defined', agent: spec.name, source })
    const q = this.book.get(spec.name)
    if (q !== undefined) {
      await agent.quarantine(`quarantined by ${q.origin}: ${q.reason}`)
      await agent.reapStale()
    } else {
      await agent.boot()
      await this.applyModeTo(agent)
    }
    return agent
  }

  async remove (name: string): Promise<boolean> {
    const held = this.agents.get(name)
    if (held === undefined) return false
    this.agents.delete(name)
    await held.agent.close()
    this.d.emit({ type: 'agent:removed', agent: name })
    return true
  }

  /** The node token or this agent's own token (KOS_TOKEN) may report its errors and ethics verdicts. */
  agentTokenMatches (name: string, token: string): boolean {
    const held = this.agents.get(name)
    if (held === undefined) return false
    const a = Buffer.from(held.token)
    const b = Buffer.from(token)
    return a.length === b.length && timingSafeEqual(a, b)
  }

  ethics (name: string, report: EthicsReport): void {
    const held = this.agents.get(name)
    if (held === undefined || report.verdict === 'pass') return
    const agent = held.agent
    if (report.verdict === 'filter_error') {
      this.detect(agent, { class: 'ethics', condition: 'filter-error', severity: report.severity, detail: `the ethics filter failed (rule ${report.rule})` })
      return
    }
    const windowMs = this.d.policy.ethics?.windowMs ?? 600_000
    const now = this.d.clock.now()
    const times = (this.violations.get(name) ?? []).filter((t) => now - t < windowMs)
    times.push(now)
    this.violations.set(name, times)
    this.detect(agent, { class: 'ethics', condition: 'violation', severity: report.severity, detail: `rule ${report.rule} (${times.length} in ${windowMs / 60_000} min)`, count: times.length })
  }

  /**
   * A release asked on this node by `by` (this node's operator, or this node as a Junzi peer).
   * Allowed for a Junzi peer or the node that quarantined; the event it emits is audited, and
   * every node releases when the entry reaches it.
   */
  release (name: string, by: string): ReleaseOutcome {
    const q = this.book.get(name)
    if (q === undefined) return 'not-quarantined'
    if (!mayRelease(q, by, this.d.junzi())) return 'forbidden'
    this.d.emit({ type: 'agent:released', agent: name, quarantinedBy: q.origin, quarantinedSeq: q.seq, by })
    return 'released'
  }

  /** Every audit entry this node stores (its own and replicated): the quarantine list follows it. */
  async onAuditEntry (e: QuarantineEntry): Promise<void> {
    if (e.type === 'agent:quarantined' && !(await this.mayQuarantine(e))) {
      this.d.logger.warn({ agent: e.subject, by: e.origin, seq: e.seq }, 'agent quarantine refused: its origin neither hosts the agent nor is a designated Junzi')
      this.d.emit({ type: 'agent:quarantine-refused', agent: e.subject, by: e.origin, seq: e.seq })
      return
    }
    const change = this.book.apply(e, this.d.junzi())
    if (change === null) return
    if (change.type === 'refused') {
      this.d.logger.warn({ agent: change.agent, by: change.by, reason: change.reason }, 'agent release refused')
      return
    }
    const held = this.agents.get(change.type === 'quarantined' ? change.quarantine.agent : change.agent)
    if (held === undefined || this.closed) return
    if (change.type === 'quarantined') {
      await held.agent.quarantine(`quarantined by ${change.quarantine.origin}: ${change.quarantine.reason}`)
    } else {
      this.violations.delete(change.agent)
      await held.agent.release()
      await this.applyModeTo(held.agent)
    }
  }

  /** quarantine-authority.ts: a designated Junzi, or a node that hosts an agent of that name. */
  private async mayQuarantine (e: QuarantineEntry): Promise<boolean> {
    return e.origin === this.d.selfId() || this.d.junzi().includes(e.origin) || await this.d.hosts(e.origin, e.subject)
  }

  /** The node's service mode: degraded pauses non-essential agents, minimal stops all but critical ones. */
  async setMode (mode: ServiceMode): Promise<void> {
    this.mode = mode
    await Promise.all([...this.agents.values()].map(async ({ agent }) => await this.applyModeTo(agent)))
  }

  summary (): { total: number, running: number, failed: number, quarantined: number } {
    let running = 0
    let failed = 0
    let quarantined = 0
    for (const { agent } of this.agents.values()) {
      if (agent.state === 'running') running++
      else if (agent.state === 'failed') failed++
      else if (agent.state === 'quarantined') quarantined++
    }
    return { total: this.agents.size, running, failed, quarantined }
  }

  private async applyModeTo (agent: SupervisedAgent): Promise<void> {
    const spec = agent.spec
    const hold = this.mode === 'minimal' && !spec.critical
      ? 'stop'
      : this.mode === 'degraded' && !spec.critical && !spec.essential ? 'pause' : null
    await agent.setModeHold(hold, hold === null ? 'service mode normal again' : `service mode ${this.mode}`)
  }

  /**
   * A detection about the node itself (resource saturation, a mode change): classified and
   * recorded like an agent's; of its actions only `escalate` has work to do here (the resource
   * monitor itself degrades and sheds).
   */
  detectNode (det: { class: Detection['class'], condition: string, severity: Detection['severity'], subject: string, detail: string }): void {
    const choice = this.classify({ class: det.class, condition: det.condition, severity: det.severity }, det.detail)
    if (choice.actions.includes('escalate')) this.escalate(det.class, det.severity, `${det.subject}@${this.d.selfId()}`, `${det.class} ${det.condition}: ${det.detail}`, choice.escalateTo)
  }

  /** `to`: the policy rule's `escalateTo`, tried first, then the class's routing for the rest. */
  private escalate (cls: Detection['class'], severity: Detection['severity'], subject: string, summary: string, to: EscalationTarget | undefined): void {
    const route = to === undefined ? undefined : [to, ...this.d.routing[cls].filter((t) => t !== to)]
    void this.d.escalate({ class: cls, severity, subject, summary, ...(route === undefined ? {} : { route }) })
      .catch((err: unknown) => { this.d.logger.warn({ err, subject }, 'escalation not created') })
  }

  /** Asks the policy, and records the detection with its choice: one `healing:detected` event. */
  private classify (detection: Detection, detail: string): Selection {
    const choice = selectActions(this.d.policy, detection)
    this.d.emit({ type: 'healing:detected', class: detection.class, condition: detection.condition, severity: detection.severity, agent: detection.agent?.name ?? null, detail, actions: [...choice.actions], rule: choice.rule })
    return choice
  }

  private detect (agent: SupervisedAgent, det: { class: Detection['class'], condition: string, severity: Detection['severity'], detail: string, count?: number }): void {
    const detection: Detection = {
      class: det.class,
      condition: det.condition,
      severity: det.severity,
      agent: { name: agent.name, critical: agent.spec.critical, essential: agent.spec.essential },
      ...(det.count === undefined ? {} : { count: det.count })
    }
    const choice = this.classify(detection, det.detail)
    for (const action of choice.actions) {
      switch (action) {
        case 'restart': agent.restart(det.detail); break
        case 'stop': void agent.stop(det.detail); break
        case 'pause': void agent.setModeHold('pause', det.detail); break
        case 'safe-mode': void agent.enterSafeMode(det.detail, agent.spec.safeMode ?? this.d.policy.safeMode); break
        case 'fail': void agent.fail(det.detail); break
        case 'quarantine':
          void agent.quarantine(det.detail)
          if (this.book.get(agent.name) === undefined) this.d.emit({ type: 'agent:quarantined', agent: agent.name, reason: det.detail, rule: choice.rule, severity: det.severity })
          break
        case 'escalate':
          this.escalate(det.class, det.severity, `agent:${agent.name}@${this.d.selfId()}`, `${det.class} ${det.condition} of agent ${agent.name}: ${det.detail}`, choice.escalateTo)
          break
        // take-out-of-service: readiness already reflects it; degrade, shed: the node's mode
        // machine acts on resources; record: the healing:detected event is the record.
        default: break
      }
    }
  }

  private async poll (): Promise<void> {
    if (this.polling || this.closed) return
    this.polling = true
    try {
      for (const { agent } of this.agents.values()) await agent.poll()
    } catch (err) {
      this.d.logger.warn({ err }, 'agent poll failed')
    } finally {
      this.polling = false
    }
  }
}
