/**
 * Which events of the node's single event path escalate (issue #5), as a pure function: an
 * event and what the node knows now in, the actions out. Cluster-wide incidents are escalated
 * by the coordinator only, with an id derived from the incident, so a coordinator elected later
 * that escalates the same incident again is deduplicated by the authorities.
 */
import type { KosEvent } from '../events/kos-event.js'
import type { MemberView } from '@kos/core'
import { incidentId, type EscalationInput } from '@kos/core'

export interface TriggerContext {
  selfId: string
  /** The current coordinator, or null. */
  coordinatorId: string | null
  /** The member table (for the dead members a new coordinator takes over). */
  members: () => MemberView[]
  /** The event's own audit entry, once durable: the evidence the escalation cites. */
  evidence?: { origin: string, seq: number }
}

export type TriggerAction =
  /** A peer came (back): an authority among them gets the pending escalations retried at once. */
  | { kind: 'member-up', peerId: string }
  | { kind: 'escalate', escalation: EscalationInput }

export function escalationTriggers (e: KosEvent, ctx: TriggerContext): TriggerAction[] {
  const coordinating = ctx.coordinatorId !== null && ctx.coordinatorId === ctx.selfId
  const evidence = ctx.evidence === undefined ? [] : [ctx.evidence]
  if (e.type === 'member:alive' || e.type === 'member:join') return [{ kind: 'member-up', peerId: e.member.peerId }]
  if (e.type === 'member:dead') return coordinating ? [deadMember(e.member, evidence)] : []
  if (e.type === 'coordinator:elected' && e.coordinatorId === ctx.selfId) {
    // Members that died while there was no coordinator (or under the old one) are escalated now;
    // the evidence is this election, whose entry follows their deaths in the log.
    return ctx.members().filter((m) => m.state === 'dead').map((m) => deadMember(m, evidence))
  }
  if (e.type === 'audit:tamper') {
    return [{
      kind: 'escalate',
      escalation: {
        id: incidentId('audit-tamper', e.from, e.origin, e.seq, e.reason),
        class: 'node',
        severity: 'critical',
        subject: e.from,
        summary: `peer ${e.from} sent an audit entry that failed verification (${e.reason}; origin ${e.origin ?? '?'} seq ${e.seq ?? '?'})`,
        evidence
      }
    }]
  }
  return []
}

/**
 * A period without quorum, as one node recorded it (`coordinator:quorum-restored`, from any
 * origin: the coordinator escalates the entries replicated to it). Every node cut off from the
 * same coordinator in the same term reports the same incident, hence the same id.
 */
export function quorumLoss (entry: { origin: string, seq: number, subject: string, details: Record<string, unknown> }): EscalationInput {
  const lostTerm = typeof entry.details.lostTerm === 'number' ? entry.details.lostTerm : 0
  const downMs = typeof entry.details.downMs === 'number' ? entry.details.downMs : 0
  return {
    id: incidentId('quorum-lost', entry.subject, lostTerm),
    class: 'network',
    severity: 'error',
    subject: entry.subject,
    summary: `no quorum: node ${entry.origin} ran without a coordinator for ${(downMs / 1000).toFixed(1)} s after losing ${entry.subject} in term ${lostTerm}`,
    evidence: [{ origin: entry.origin, seq: entry.seq }]
  }
}

function deadMember (m: MemberView, evidence: EscalationInput['evidence']): TriggerAction {
  return {
    kind: 'escalate',
    escalation: {
      id: incidentId('member-dead', m.peerId, m.incarnation),
      class: 'node',
      severity: 'error',
      subject: m.peerId,
      summary: `member ${m.name} (${m.peerId}) was declared dead at incarnation ${m.incarnation}`,
      evidence
    }
  }
}
