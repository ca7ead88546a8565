/**
 * What the audit log records of each self-healing event (issue 6). The subject is the agent's
 * name (the entry's origin says which node); a detection is filed under its failure class, so
 * `kos audit query --class ethics` lists the ethics incidents, and the quarantine entries are
 * `ethics` too: the quarantine list is folded from them (quarantine-book.ts).
 */
import type { AuditFields, AuditSeverity, JsonObject } from '@kos/core'
import type { AgentEvent } from '@kos/core'

const DETECTION_SEVERITY: Record<string, AuditSeverity> = { info: 'info', warning: 'warning', critical: 'critical' }

export function agentAuditFields (e: AgentEvent): AuditFields {
  const { type, ...rest } = e
  switch (e.type) {
    case 'healing:detected':
      return { class: e.class, type, severity: DETECTION_SEVERITY[e.severity] ?? 'warning', subject: e.agent ?? '', details: { condition: e.condition, detail: e.detail.slice(0, 1024), actions: e.actions, rule: e.rule } }
    case 'agent:quarantined':
      return { class: 'ethics', type, severity: 'critical', subject: e.agent, details: { reason: e.reason.slice(0, 1024), rule: e.rule, severity: e.severity } }
    case 'agent:released':
      return { class: 'ethics', type, severity: 'notice', subject: e.agent, details: { quarantinedBy: e.quarantinedBy, quarantinedSeq: e.quarantinedSeq, by: e.by } }
    case 'agent:quarantine-refused':
      return { class: 'ethics', type, severity: 'warning', subject: e.agent, details: { by: e.by, seq: e.seq } }
    case 'agent:failed':
      return { class: 'agent', type, severity: 'error', subject: e.agent, details: { reason: e.reason.slice(0, 1024) } }
    case 'agent:exited':
      return { class: 'agent', type, severity: e.expected ? 'info' : 'warning', subject: e.agent, details: { pid: e.pid, code: e.code, signal: e.signal, expected: e.expected } }
    default: {
      const { agent, ...details } = rest as { agent: string } & Record<string, string | number | boolean | null>
      return { class: 'agent', type, severity: 'info', subject: agent, details: details as JsonObject }
    }
  }
}
