/**
 * Periods without quorum (issue #5). A node cut off from a majority knows no coordinator, and
 * the coordinator on the other side never sees the period, so nobody could escalate it while it
 * lasts. Instead each node that lived through one reports it once a coordinator is known again
 * (`coordinator:quorum-restored`, a QuorumEvent, which the audit log records), and the
 * coordinator escalates every report as it reaches it by replication, or, for reports that
 * reached it before it coordinated, when it is elected. Every node cut off from the same
 * coordinator in the same term reports the same incident id (`quorumLoss` in escalation-triggers.ts), so
 * the authorities see one escalation per period.
 */
import type { Clock } from '@kos/detect'
import type { Logger } from 'pino'
import type { AuditEntry } from '@kos/core'
import type { AuditService } from '../audit/audit-service.js'
import type { Election } from '@kos/core'
import type { KosEvent } from '../events/kos-event.js'
import type { EscalationService } from '../escalation/escalation-service.js'
import { quorumLoss } from './escalation-triggers.js'

/** A new coordinator escalates the reports of periods without quorum this recent in its log. */
const QUORUM_REPORT_LOOKBACK_MS = 15 * 60_000

export interface QuorumLossComponents {
  clock: Clock
  log: Logger
  /** The node's event path: `coordinator:quorum-restored` goes out here. */
  emit: (e: KosEvent) => void
  /** The election core, once there is one. */
  election: () => Pick<Election, 'selfId' | 'coordinatorId'> | undefined
  /** How long an election may take (election/timing.ts): a shorter gap is an ordinary failover. */
  electionTakesMs: () => number
  audit: Pick<AuditService, 'query' | 'subscribe'>
  escalation: Pick<EscalationService, 'create'>
}

export class QuorumLoss {
  private readonly c: QuorumLossComponents
  /** The coordinator this node lost and when, until it knows one again. */
  private lostCoordinator: { previous: string, term: number, atMs: number } | null = null

  constructor (components: QuorumLossComponents) {
    this.c = components
  }

  /** Escalates, while this node coordinates, each report that reaches its audit log. */
  start (): void {
    this.c.audit.subscribe((entry) => {
      if (entry.type === 'coordinator:quorum-restored' && this.isCoordinator()) void this.escalate([entry])
    }, () => {})
  }

  /** Feed every event of the node's event path; resolves once a new coordinator's escalations are made. */
  async onEvent (e: KosEvent): Promise<void> {
    if (e.type === 'coordinator:lost' || e.type === 'coordinator:elected') this.track(e)
    if (e.type === 'coordinator:elected' && e.coordinatorId === this.c.election()?.selfId) {
      // Reports that reached this node before it coordinated.
      const since = Date.now() - QUORUM_REPORT_LOOKBACK_MS
      const page = await this.c.audit.query({ class: 'coordinator', since, limit: 1000 }).catch(() => ({ entries: [] }))
      await this.escalate(page.entries.filter((x) => x.type === 'coordinator:quorum-restored'))
    }
  }

  /** Emits `coordinator:quorum-restored` when a coordinator is known again after a period without quorum. */
  private track (e: Extract<KosEvent, { type: 'coordinator:lost' | 'coordinator:elected' }>): void {
    const now = this.c.clock.now()
    if (e.type === 'coordinator:lost') {
      this.lostCoordinator ??= { previous: e.previous, term: e.term, atMs: now }
      return
    }
    const lost = this.lostCoordinator
    this.lostCoordinator = null
    if (lost !== null && now - lost.atMs > this.c.electionTakesMs()) {
      this.c.emit({ type: 'coordinator:quorum-restored', previous: lost.previous, lostTerm: lost.term, downMs: now - lost.atMs })
    }
  }

  private async escalate (entries: AuditEntry[]): Promise<void> {
    for (const entry of entries) {
      try {
        await this.c.escalation.create(quorumLoss(entry))
      } catch (err) {
        this.c.log.warn({ err, origin: entry.origin, seq: entry.seq }, 'quorum loss not escalated')
      }
    }
  }

  private isCoordinator (): boolean {
    const core = this.c.election()
    return core !== undefined && core.coordinatorId !== null && core.coordinatorId === core.selfId
  }
}
