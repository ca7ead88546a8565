/**
 * Authority designation and escalation (issue #5). Every transition of an escalation, on the
 * sender (outbox) and on the authority (inbox), is an event, so the audit log records it.
 */
export type EscalationEvent =
  /** A peer's heartbeat claims junzi/archon but `authorities` does not designate it so. Once per peer and role. */
  | { type: 'authority:claim-refused', peerId: string, name: string, claimed: 'junzi' | 'archon' }
  | { type: 'escalation:created', id: string, class: string, severity: string, subject: string, summary: string }
  | { type: 'escalation:delivered', id: string, to: string, kind: 'peer' | 'webhook', attempts: number }
  /** A delivery run used all its attempts; the escalation stays in the outbox for the next sweep. */
  | { type: 'escalation:undelivered', id: string, attempts: number, error: string }
  | { type: 'escalation:received', id: string, from: string, class: string, severity: string, subject: string }
  | { type: 'escalation:acked', id: string, by: string, box: 'inbox' | 'outbox' }
  | { type: 'escalation:resolved', id: string, by: string, box: 'inbox' | 'outbox' }

/**
 * A node given no authorities by its config adopted (and pinned) the cluster's: `agreed` are the
 * members whose answers made the majority, of `asked` asked.
 */
export type AuthorityEvent = { type: 'authority:adopted', agreed: string[], asked: number, junzi: string[], archon: string[] }
