/**
 * What the audit log records of each event on the node's single event path (issue #4: "Every
 * membership event, every coordinator event and every later recovery action is appended through
 * the node's single event path"). Pure: one KosEvent in, the fields of one audit entry out.
 *
 * - membership events (`member:*`, `node:stalled`) → class `node`, subject the member's peer id
 *   (or this node's for its own stall and refutation);
 * - election events (`coordinator:*`) → class `coordinator`, subject the coordinator's peer id;
 * - the audit log's own `audit:tamper` → class `node`, severity `error`, subject the sender;
 * - `authority:claim-refused` → class `node`, warning, subject the claiming peer;
 * - placement (`service:*`, only the coordinator emits them) → class `coordinator`, subject the
 *   instance id (the service's for `service:under-replicated`);
 * - `escalation:*` → the escalation's class for creation and receipt (the same severity),
 *   class `operator` for deliveries, acks and resolves; subject the escalation id.
 */
import type { KosEvent } from '../events/kos-event.js'
import { agentAuditFields } from './agent-audit-fields.js'
import { AUDIT_CLASSES, AUDIT_SEVERITIES, type AuditClass, type AuditFields, type AuditSeverity, type JsonObject } from '@kos/core'

const MEMBER_SEVERITY: Record<string, AuditSeverity> = {
  'member:join': 'info',
  'member:alive': 'info',
  'member:suspect': 'warning',
  'member:dead': 'error',
  'member:left': 'notice',
  'member:removed': 'notice'
}

/** The audit fields of one event; `self` is this node's peer id (subject of its own events). */
export function auditFieldsOf (event: KosEvent, self: string): AuditFields {
  switch (event.type) {
    case 'member:join':
    case 'member:alive':
    case 'member:suspect':
    case 'member:dead':
    case 'member:left':
    case 'member:removed': {
      const m = event.member
      const details: JsonObject = { name: m.name, role: m.role, state: m.state, incarnation: m.incarnation }
      if (event.type === 'member:alive') details.previous = event.previous
      if (event.type === 'member:suspect' || event.type === 'member:dead') details.by = event.by
      return { class: 'node', type: event.type, severity: MEMBER_SEVERITY[event.type] ?? 'info', subject: m.peerId, details }
    }
    case 'member:refuted':
      return { class: 'node', type: event.type, severity: 'warning', subject: self, details: { claim: event.claim, by: event.by, incarnation: event.incarnation } }
    case 'node:stalled':
      return { class: 'node', type: event.type, severity: 'warning', subject: self, details: { stallMs: Math.round(event.stallMs) } }
    case 'coordinator:elected':
      return { class: 'coordinator', type: event.type, severity: 'notice', subject: event.coordinatorId, details: { term: event.term } }
    case 'coordinator:stepped-down':
      return { class: 'coordinator', type: event.type, severity: 'warning', subject: self, details: { term: event.term, reason: event.reason } }
    case 'coordinator:lost':
      return { class: 'coordinator', type: event.type, severity: 'warning', subject: event.previous, details: { term: event.term } }
    case 'coordinator:refused':
      return { class: 'coordinator', type: event.type, severity: 'warning', subject: event.from, details: { reason: event.reason, term: event.term } }
    case 'coordinator:quorum-restored':
      return { class: 'coordinator', type: event.type, severity: 'error', subject: event.previous, details: { lostTerm: event.lostTerm, downMs: Math.round(event.downMs) } }
    case 'audit:tamper':
      return {
        class: 'node',
        type: event.type,
        severity: 'error',
        subject: event.from,
        details: { origin: event.origin, seq: event.seq, reason: event.reason, suppressed: event.suppressed }
      }
    case 'authority:adopted':
      return { class: 'node', type: event.type, severity: 'notice', subject: 'authorities', details: { junzi: event.junzi, archon: event.archon, agreed: event.agreed, asked: event.asked } }
    case 'authority:claim-refused':
      return { class: 'node', type: event.type, severity: 'warning', subject: event.peerId, details: { name: event.name, claimed: event.claimed } }
    case 'escalation:created':
      return { class: escClass(event.class), type: event.type, severity: escSeverity(event.severity), subject: event.id, details: { subject: event.subject, summary: event.summary.slice(0, 1024) } }
    case 'escalation:received':
      return { class: escClass(event.class), type: event.type, severity: escSeverity(event.severity), subject: event.id, details: { from: event.from, subject: event.subject } }
    case 'escalation:delivered':
      return { class: 'operator', type: event.type, severity: 'info', subject: event.id, details: { to: event.to, kind: event.kind, attempts: event.attempts } }
    case 'escalation:undelivered':
      return { class: 'operator', type: event.type, severity: 'warning', subject: event.id, details: { attempts: event.attempts, error: event.error.slice(0, 512) } }
    case 'escalation:acked':
    case 'escalation:resolved':
      return { class: 'operator', type: event.type, severity: 'notice', subject: event.id, details: { by: event.by, box: event.box } }
    case 'node:mode':
      return { class: 'resource', type: event.type, severity: event.to === 'normal' ? 'notice' : event.to === 'degraded' ? 'warning' : 'error', subject: self, details: { from: event.from, to: event.to, causes: event.causes } }
    case 'resource:saturation':
      return { class: 'resource', type: event.type, severity: event.state === 'raised' ? 'warning' : 'notice', subject: event.resource, details: { value: Math.round(event.value * 100) / 100, threshold: event.threshold, state: event.state } }
    case 'service:placed':
    case 'service:replaced':
    case 'service:drain-moving':
    case 'service:stopped': {
      const details: JsonObject = { service: event.service, generation: event.generation, node: event.node, term: event.term }
      if (event.type === 'service:replaced' || event.type === 'service:drain-moving') details.from = event.from
      if (event.type === 'service:stopped') details.reason = event.reason
      return { class: 'coordinator', type: event.type, severity: event.type === 'service:replaced' ? 'warning' : 'notice', subject: event.instance, details }
    }
    case 'service:under-replicated':
      return { class: 'coordinator', type: event.type, severity: 'error', subject: event.service, details: { ready: event.ready, replicas: event.replicas } }
    default:
      return agentAuditFields(event)
  }
}

function escClass (c: string): AuditClass {
  return (AUDIT_CLASSES as readonly string[]).includes(c) ? c as AuditClass : 'operator'
}

function escSeverity (s: string): AuditSeverity {
  return (AUDIT_SEVERITIES as readonly string[]).includes(s) ? s as AuditSeverity : 'warning'
}
