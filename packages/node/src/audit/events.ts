/**
 * What the audit log records of each event on the node's single event path (issue #4: "Every
 * membership event, every coordinator event and every later recovery action is appended through
 * the node's single event path"). Pure: one KosEvent in, the fields of one audit entry out.
 *
 * - membership events (`member:*`, `node:stalled`) → class `node`, subject the member's peer id
 *   (or this node's for its own stall and refutation);
 * - election events (`coordinator:*`) → class `coordinator`, subject the coordinator's peer id;
 * - the audit log's own `audit:tamper` → class `node`, severity `error`, subject the sender.
 */
import type { KosEvent } from '../events.js'
import type { AuditFields, AuditSeverity, JsonObject } from './schema.js'

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
    case 'audit:tamper':
      return {
        class: 'node',
        type: event.type,
        severity: 'error',
        subject: event.from,
        details: { origin: event.origin, seq: event.seq, reason: event.reason, suppressed: event.suppressed }
      }
  }
}
