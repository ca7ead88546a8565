/**
 * The one writer of events to the audit log: every event on the node's path becomes one entry
 * (audit-fields.ts says which fields), nothing else does; a member's death, return or leaving
 * only on the one node that records it for the cluster (recorded-once.ts). The escalations an event triggers
 * (escalation-triggers.ts) follow its durable entry, which they cite as evidence. A node's
 * repeating observations (repeating-observations.ts) are folded by the repeat damper: past a
 * few a window, the latest is written later with the count of those it stands for.
 */
import type { AuditService } from '../audit/audit-service.js'
import type { Election } from '@kos/core'
import type { EscalationService } from '../escalation/escalation-service.js'
import type { KosEvent } from '../events/kos-event.js'
import type { AuditFields, MemberView, Timers } from '@kos/core'
import { auditFieldsOf } from './audit-fields.js'
import { escalationTriggers } from './escalation-triggers.js'
import { RepeatDamper, type Folded } from './repeat-damper.js'
import { repeatKeyOf } from './repeating-observations.js'

export interface RecordInAuditParts {
  /** This node's peer id: the subject of its own events. */
  selfId: string
  audit: Pick<AuditService, 'record'>
  /** Whether this node writes an event's entry (recorded-once.ts's factRecorder). */
  recordsHere: (e: KosEvent) => boolean
  /** The escalation service, once the node runs: events before that are recorded, not escalated. */
  escalation: () => Pick<EscalationService, 'create' | 'memberUp'> | undefined
  election: () => Pick<Election, 'selfId' | 'coordinatorId'> | undefined
  members: () => MemberView[]
  /** The repeat damper's window (0: every event written) and the entries a key may write in it. */
  repeats: { windowMs: number, burst: number }
  timers: Pick<Timers, 'clock' | 'after'>
}

export function recordInAudit (parts: RecordInAuditParts) {
  const damper = new RepeatDamper<AuditFields>(parts.repeats.windowMs, parts.repeats.burst)
  const clock = parts.timers.clock
  let flushAtMs: number | null = null
  let cancelFlush: (() => void) | null = null
  const arm = (): void => {
    const due = damper.nextDueMs()
    if (due === null || (flushAtMs !== null && flushAtMs <= due)) return
    cancelFlush?.()
    flushAtMs = due
    cancelFlush = parts.timers.after(Math.max(0, due - clock.now()), flush)
  }
  const flush = (): void => {
    cancelFlush = null
    flushAtMs = null
    for (const f of damper.takeDue(clock.now())) void parts.audit.record(folded(f))
    arm()
  }
  const write = async (fields: AuditFields): Promise<{ origin: string, seq: number } | undefined> => {
    const key = repeatKeyOf(fields)
    if (key === null) return await parts.audit.record(fields)
    const f = damper.offer(key, fields, clock.now())
    if (f === null) { arm(); return undefined }
    return await parts.audit.record(folded(f))
  }
  return async (e: KosEvent): Promise<void> => {
    const core = parts.election()
    const here = parts.recordsHere(e)
    const evidence = here ? await write(auditFieldsOf(e, parts.selfId)) : undefined
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

/** The entry of a folded item: with `repeated`, the events it stands for, when more than itself. */
function folded (f: Folded<AuditFields>): AuditFields {
  return f.repeated === 1 ? f.item : { ...f.item, details: { ...f.item.details, repeated: f.repeated } }
}
