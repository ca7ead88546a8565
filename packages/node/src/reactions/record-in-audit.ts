/**
 * The one writer of events to the audit log: every event on the node's path becomes one entry
 * (audit-fields.ts says which fields), nothing else does; a member's death, return or leaving
 * only on the one node that records it for the cluster (recorded-once.ts). The escalations an event triggers
 * (escalation-triggers.ts) follow its durable entry, which they cite as evidence.
 */
import type { AuditService } from '../audit/audit-service.js'
import type { Election } from '@kos/core'
import type { EscalationService } from '../escalation/escalation-service.js'
import type { KosEvent } from '../events/kos-event.js'
import type { MemberView } from '@kos/core'
import { auditFieldsOf } from './audit-fields.js'
import { escalationTriggers } from './escalation-triggers.js'
import { recordsHere } from './recorded-once.js'

export interface RecordInAuditParts {
  /** This node's peer id: the subject of its own events. */
  selfId: string
  audit: Pick<AuditService, 'record'>
  /** The escalation service, once the node runs: events before that are recorded, not escalated. */
  escalation: () => Pick<EscalationService, 'create' | 'memberUp'> | undefined
  election: () => Pick<Election, 'selfId' | 'coordinatorId'> | undefined
  members: () => MemberView[]
}

export function recordInAudit (parts: RecordInAuditParts) {
  return async (e: KosEvent): Promise<void> => {
    const core = parts.election()
    const here = recordsHere(e, {
      selfId: parts.selfId,
      coordinatorId: core?.coordinatorId ?? null,
      aliveIds: () => parts.members().filter((m) => m.state === 'alive').map((m) => m.peerId)
    })
    const evidence = here ? await parts.audit.record(auditFieldsOf(e, parts.selfId)) : undefined
    const esc = parts.escalation()
    if (esc === undefined) return
    const actions = escalationTriggers(e, {
      selfId: core?.selfId ?? '',
      coordinatorId: core?.coordinatorId ?? null,
      members: parts.members,
      evidence
    })
    for (const a of actions) {
      if (a.kind === 'member-up') esc.memberUp(a.peerId)
      else await esc.create(a.escalation)
    }
  }
}
