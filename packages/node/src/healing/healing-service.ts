/**
 * Self-healing on one node (issue 6), as the node wires it: the agent supervisor with its
 * policy, the agents from the config and from the API (persisted in the state store), the
 * quarantine list folded from the audit log, the resource monitor (whose mode holds agents and
 * sheds API work), and the `/v1/agents` adapter.
 *
 * Start order: the audit log must be open (the quarantines are read from it, so a restarted or
 * new node never starts a quarantined agent), and the API URL known (agents get it as KOS_API).
 */
import type { Clock } from '@kos/detect'
import type { Logger } from 'pino'
import type { AgentInfo } from '@kos/client'
import type { AuditEntry } from '@kos/core'
import type { AuditPage, AuditQuery } from '@kos/core'
import type { EscalationConfig, HealingConfig, MembershipConfig, NodeConfig } from '../config/schema.js'
import type { EscalationInput } from '@kos/core'
import type { StateStore } from '../store/state-store.js'
import { agentInfo } from './agent-info.js'
import type { AgentOperations } from './agent-operations.js'
import { agentSpecSchema, type AgentSpec } from '../config/agent-spec.js'
import { resolveAgentUser } from './agent-user.js'
import { originHosts } from './quarantine-authority.js'
import { AgentSupervisor } from './agent-supervisor.js'
import type { AgentEvent, ModeEvent } from '@kos/core'
import { ResourceMonitor, type ResourceSnapshot } from './resource-monitor.js'
import { systemSamplers } from './resource-samplers.js'
import { DEFAULT_POLICY, type Policy } from '@kos/core'
import { loadPolicyFile, PolicyError } from './policy-file.js'
import { ConfigError } from '../base/errors.js'
import type { ServiceMode } from '@kos/core'

export interface HealingServiceDeps {
  config: HealingConfig & Pick<NodeConfig, 'dataDir'> & Pick<EscalationConfig, 'escalationRouting'> & Pick<MembershipConfig, 'localStallThresholdMs'>
  clock: Clock
  log: Logger
  store: StateStore
  policy: Policy
  apiUrl: () => string
  selfId: () => string
  junzi: () => readonly string[]
  emit: (e: AgentEvent | ModeEvent) => void
  /** Whether this node's own event loop stalled recently (membership's local health). */
  ownStall: () => boolean
  escalate: (input: EscalationInput) => Promise<unknown>
  audit: {
    query: (q: AuditQuery) => Promise<AuditPage>
    subscribe: (listener: (entry: AuditEntry) => void, onClose: () => void) => () => void
  }
}

/** The config's policy file, checked before the node starts anything; a bad one is a ConfigError naming file, line and key. */
export async function loadConfiguredPolicy (config: Pick<HealingConfig, 'policyFile'>): Promise<Policy> {
  if (config.policyFile === '') return DEFAULT_POLICY
  try {
    return await loadPolicyFile(config.policyFile)
  } catch (err) {
    throw new ConfigError('policyFile', err instanceof PolicyError ? err.message : `cannot read ${config.policyFile}: ${(err as Error).message}`, { cause: err })
  }
}

/** Pages of quarantine entries read at start; 100 × 1000 entries bounds the read. */
const MAX_QUARANTINE_PAGES = 100

export class HealingService {
  readonly supervisor: AgentSupervisor
  private readonly resources: ResourceMonitor
  private unsubscribe: (() => void) | undefined

  constructor (private readonly d: HealingServiceDeps) {
    this.supervisor = new AgentSupervisor({
      clock: d.clock,
      random: Math.random,
      logger: d.log,
      dataDir: d.config.dataDir,
      apiUrl: d.apiUrl,
      emit: d.emit,
      policy: d.policy,
      escalate: d.escalate,
      routing: d.config.escalationRouting,
      selfId: d.selfId,
      junzi: d.junzi,
      hosts: async (origin, name) => await originHosts(async (q) => await d.audit.query(q), origin, name),
      pollIntervalMs: d.config.agentPollIntervalMs,
      ownStall: { recently: d.ownStall, thresholdMs: d.config.localStallThresholdMs },
      log: { maxBytes: d.config.agentLogMaxBytes, keep: d.config.agentLogFiles }
    })
    const sup = this.supervisor
    this.resources = new ResourceMonitor({ clock: d.clock, samplers: systemSamplers({ dataDir: d.config.dataDir }) }, d.config.resources, {
      onModeChange: (c) => {
        d.emit({ type: 'node:mode', from: c.from, to: c.to, causes: c.causes })
        void sup.setMode(c.to)
        if (c.to !== 'normal') sup.detectNode({ class: 'node', condition: `mode-${c.to}`, severity: c.to === 'minimal' ? 'critical' : 'warning', subject: 'node', detail: `service mode ${c.from} -> ${c.to} (${c.causes.join(', ')})` })
      },
      onSaturation: (a) => {
        d.emit({ type: 'resource:saturation', resource: a.resource, value: a.value, threshold: a.threshold, state: a.state })
        if (a.state === 'raised') sup.detectNode({ class: 'resource', condition: 'saturation', severity: 'warning', subject: a.resource, detail: `${a.resource} ${a.value} past ${a.threshold}` })
      },
      onError: (err) => { d.log.warn({ err }, 'resource sample failed') }
    })
  }

  /** The resource monitor: samples from now on; its mode holds agents and sheds API work. */
  startResources (): void { this.resources.start() }

  /** The mode resource pressure asks for (the node's mode is the worse of it and the cluster's). */
  get resourceMode (): ServiceMode { return this.resources.mode }
  shedding (): { active: boolean, reason: string } { return this.resources.shedding() }
  resourceSnapshot (): ResourceSnapshot { return this.resources.snapshot() }

  async start (): Promise<void> {
    // Quarantines first, from what the log holds now; later entries arrive by the subscription.
    let cursor: string | undefined
    for (let page = 0; page < MAX_QUARANTINE_PAGES; page++) {
      const res = await this.d.audit.query({ class: 'ethics', limit: 1000, ...(cursor === undefined ? {} : { cursor }) })
      for (const e of res.entries) await this.supervisor.onAuditEntry(e)
      if (res.next === null) break
      cursor = res.next
    }
    this.unsubscribe = this.d.audit.subscribe((e) => {
      if (e.type === 'agent:quarantined' || e.type === 'agent:released') void this.supervisor.onAuditEntry(e)
    }, () => {})
    this.supervisor.runAs(await resolveAgentUser(this.d.config.agentUser))
    this.supervisor.start()
    for (const spec of this.d.config.agents) await this.supervisor.define(spec, 'config')
    for (const raw of await this.d.store.listAgents()) {
      const parsed = agentSpecSchema.safeParse(raw)
      if (!parsed.success || this.supervisor.has(parsed.data.name)) {
        this.d.log.warn({ agent: (raw as { name?: unknown }).name }, 'stored agent definition skipped (invalid, or the config defines the name)')
        continue
      }
      await this.supervisor.define(parsed.data, 'api')
    }
  }

  async stop (): Promise<void> {
    this.resources.stop()
    this.unsubscribe?.()
    await this.supervisor.close()
  }

  async setMode (mode: ServiceMode): Promise<void> { await this.supervisor.setMode(mode) }

  summary (): { total: number, running: number, failed: number, quarantined: number } { return this.supervisor.summary() }

  info (name: string): AgentInfo | undefined {
    const held = this.supervisor.get(name)
    if (held === undefined) return undefined
    const wallOffset = Date.now() - this.d.clock.now()
    return agentInfo(held.agent, held.source, this.supervisor.quarantine(name), held.agent.dir, (t) => t + wallOffset)
  }

  operations (): AgentOperations {
    const sup = this.supervisor
    return {
      list: () => sup.list().map(({ agent }) => this.info(agent.name)!),
      get: (name) => this.info(name),
      define: async (spec: AgentSpec, raw: unknown) => {
        if (sup.has(spec.name)) return 'conflict' as const
        // Durable before it runs: an acknowledged definition survives a crash.
        await this.d.store.putAgent(spec.name, raw)
        await sup.define(spec, 'api')
        return this.info(spec.name)!
      },
      remove: async (name) => {
        const held = sup.get(name)
        if (held === undefined) return 'not-found'
        if (held.source !== 'api') return held.source
        await this.d.store.deleteAgent(name)
        await sup.remove(name)
        return 'removed'
      },
      control: async (name, action) => {
        const held = sup.get(name)
        if (held === undefined) return undefined
        if (action === 'start') await held.agent.start()
        else if (action === 'stop') await held.agent.operatorStop()
        else await held.agent.operatorRestart()
        return this.info(name)
      },
      release: (name) => sup.release(name, this.d.selfId()),
      ethics: (name, report) => { if (!sup.has(name)) return false; sup.ethics(name, report); return true },
      errors: (name, count) => { const held = sup.get(name); held?.agent.reportErrors(count); return held !== undefined },
      agentTokenMatches: (name, token) => sup.agentTokenMatches(name, token)
    }
  }
}
