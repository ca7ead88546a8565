/**
 * This node's health as operators and peers see it: the checks of `/v1/health`, the service
 * mode, and the health summary each heartbeat carries. The mode is the worse of the resource
 * side (the node's own pressure, which alone holds agents back and sheds API work) and the
 * cluster side, which only shows: a node that has known no coordinator for longer than an
 * election takes reports degraded (a minority side of a partition), and so does one whose audit
 * disk fails.
 */
import type { Clock } from '@kos/detect'
import type { HealthResponse, HealthSummary, ServiceMode } from '@kos/client'
import type { AuditService } from '../audit/audit-service.js'
import type { KosConfig } from '../config/schema.js'
import type { Election } from '@kos/core'
import type { HealingService } from '../healing/healing-service.js'
import { worseMode } from '@kos/core'
import type { NodeMembership } from '../membership/node-membership.js'
import type { StateStore } from '../store/state-store.js'
import { VERSION } from '../base/version.js'
import { agentsCheck, auditStorageCheck, bootstrapCheck, coordinatorCheck, healthOf, lifecycleCheck, localHealthCheck, stateStorageCheck } from './checks.js'
import { ProcessHealthSampler } from './local-health.js'
import { machineCpuCheck, resourcesCheck } from './resource-checks.js'

/** The parts the health reads, each absent until the node has started it. */
export interface NodeHealthComponents {
  config: KosConfig
  clock: Clock
  /** The node's lifecycle phase (created, starting, running, leaving, stopped). */
  phase: () => string
  /** Clock time the node started at. */
  startedAtMs: () => number
  /** How long an election may take (election/timing.ts). */
  electionTakesMs: () => number
  membership: () => Pick<NodeMembership, 'bootstrapStatus' | 'core'> | undefined
  election: () => Pick<Election, 'coordinatorId' | 'term' | 'selfId' | 'voters' | 'quorum'> | undefined
  audit: () => Pick<AuditService, 'storageFailure'> | undefined
  store: () => Pick<StateStore, 'writeFailure'> | undefined
  healing: () => Pick<HealingService, 'resourceMode' | 'summary' | 'resourceSnapshot'> | undefined
  /** The service instances this node runs (services/instance-runner.ts), in every heartbeat. */
  services: () => HealthSummary['services']
}

export class NodeHealth {
  private readonly c: NodeHealthComponents
  private readonly sampler: ProcessHealthSampler
  /** Heartbeats sent without the health detail since the last one with it (degraded mode). */
  private heartbeatsSinceDetail = 0
  /** Clock time since which this node has known no coordinator (null while it knows one). */
  private noCoordinatorSinceMs: number | null = null

  constructor (components: NodeHealthComponents) {
    this.c = components
    this.sampler = new ProcessHealthSampler(() => this.c.healing()?.resourceSnapshot().values.eventLoopDelayMs)
  }

  /** The election has started: from now on, time without a coordinator counts. */
  electionStarted (): void {
    this.noCoordinatorSinceMs = this.c.clock.now()
  }

  /** The checks of `/v1/health`, one per part of the node that has started, and the mode's. */
  health (): HealthResponse {
    const checks = [lifecycleCheck(this.c.phase())]
    const resources = this.c.healing()?.resourceSnapshot()
    const ms = this.c.membership()
    const loop = { delayMs: resources?.values.eventLoopDelayMs, blockedMs: this.c.config.resources.eventLoopBlockedMs }
    if (ms !== undefined) checks.push(bootstrapCheck(ms.bootstrapStatus), localHealthCheck(ms.core.isHoldingBack, loop))
    const election = this.c.election()
    if (election !== undefined) checks.push(coordinatorCheck(election))
    const store = this.c.store()
    if (store !== undefined) checks.push(stateStorageCheck(store.writeFailure?.message ?? null))
    const audit = this.c.audit()
    if (audit !== undefined) checks.push(auditStorageCheck(audit.storageFailure()))
    const healing = this.c.healing()
    if (healing !== undefined && resources !== undefined) checks.push(agentsCheck(healing.summary()), resourcesCheck(resources), machineCpuCheck(resources))
    return healthOf(checks, this.mode())
  }

  /** The worst of the resource mode and the cluster-side mode (no quorum, failing disk). */
  mode (): ServiceMode {
    return worseMode(this.c.healing()?.resourceMode ?? 'normal', this.clusterMode())
  }

  /** The summary for the next heartbeat, at this node's `incarnation`. */
  summary (incarnation: number): HealthSummary {
    const mode = this.mode()
    const summary: HealthSummary = {
      name: this.c.config.name,
      role: this.c.config.role,
      ...(this.c.config.zone === '' ? {} : { zone: this.c.config.zone }),
      incarnation,
      version: VERSION,
      uptimeMs: Math.round(this.c.clock.now() - this.c.startedAtMs()),
      mode
    }
    // Every heartbeat, degraded or not: a new coordinator rebuilds its table from these.
    const services = this.c.services()
    if (services !== undefined) summary.services = services
    // Degraded, the detail goes out with every n-th heartbeat only: less to sample, sign and
    // verify on every peer while this node is short of resources.
    const detailed = mode === 'normal' || this.heartbeatsSinceDetail + 1 >= this.c.config.degradedHealthDetailEvery
    this.heartbeatsSinceDetail = detailed ? 0 : this.heartbeatsSinceDetail + 1
    if (!detailed) return summary
    // The machine's CPU goes with the node's own, so peers can tell a busy host from a busy node.
    const machineCpuPercent = this.c.healing()?.resourceSnapshot().values.machineCpuPercent
    return {
      ...summary,
      ...this.sampler.sample(),
      ...(machineCpuPercent === undefined ? {} : { machineCpuPercent }),
      agents: this.c.healing()?.summary() ?? { total: 0, running: 0, failed: 0, quarantined: 0 }
    }
  }

  private clusterMode (): ServiceMode {
    // Nothing can be recorded while the audit log's disk fails: the node runs degraded.
    if (this.c.audit()?.storageFailure() != null) return 'degraded'
    const election = this.c.election()
    if (election === undefined) return 'normal'
    const now = this.c.clock.now()
    if (election.coordinatorId !== null) { this.noCoordinatorSinceMs = null; return 'normal' }
    this.noCoordinatorSinceMs ??= now
    return now - this.noCoordinatorSinceMs > this.c.electionTakesMs() ? 'degraded' : 'normal'
  }
}
