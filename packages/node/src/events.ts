/**
 * The node's single event path. Everything that happens (membership changes and coordinator
 * elections now; audit and healing later) is a typed event named `noun:verb`, emitted here once and consumed
 * by the logs, the metrics, the API and (later) the audit log.
 */
import type { ElectionEvent } from './election/messages.js'
import type { MembershipEvent } from './membership/membership.js'
import type { AgentEvent } from './healing/events.js'

/**
 * The audit log's own events: an entry from a peer failed verification (bad hash, signature,
 * chain) or forked a chain. Emitted by the audit service (rate-limited) and, like every event,
 * appended to the log by the one audit subscriber.
 */
export type AuditEvent = {
  type: 'audit:tamper'
  /** The peer that sent the entry. */
  from: string
  origin: string | null
  seq: number | null
  reason: string
  /** Tamper events dropped by the rate limit since the last one emitted. */
  suppressed: number
}

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
 * This node lost its coordinator (`previous`, in `lostTerm`) and, with no quorum reachable, ran
 * without one for `downMs` (longer than an election takes): a cluster-wide incident, recorded
 * when a coordinator is known again, so that it is escalated after the heal.
 */
export type QuorumEvent = { type: 'coordinator:quorum-restored', previous: string, lostTerm: number, downMs: number }

/** A node given no authorities by its config adopted (and pinned) the cluster's, as `from` told it. */
/** `agreed`: the members whose answers made the majority, of `asked` asked. */
export type AuthorityEvent = { type: 'authority:adopted', agreed: string[], asked: number, junzi: string[], archon: string[] }

/** The node's service mode changed (resource pressure), and a resource crossed a saturation threshold or came back under it. */
export type ModeEvent =
  | { type: 'node:mode', from: string, to: string, causes: string[] }
  | { type: 'resource:saturation', resource: string, value: number, threshold: number, state: 'raised' | 'cleared' }

/** An election message this node refused (election/message-authority.ts): an attempt, or a confused peer. */
export type ElectionRefusedEvent = { type: 'coordinator:refused', from: string, reason: 'not-voter' | 'term-bound', term: number }

export type KosEvent = MembershipEvent | ElectionEvent | ElectionRefusedEvent | AuditEvent | EscalationEvent | QuorumEvent | AuthorityEvent | AgentEvent | ModeEvent

export type KosEventListener = (event: KosEvent) => void | Promise<void>

export class EventBus {
  private readonly listeners = new Set<KosEventListener>()
  private readonly onListenerError: (err: unknown, event: KosEvent) => void

  constructor (onListenerError: (err: unknown, event: KosEvent) => void) {
    this.onListenerError = onListenerError
  }

  /** Listeners must not block the event loop; a listener's error or rejection is caught and reported. */
  subscribe (listener: KosEventListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  emit (event: KosEvent): void {
    for (const listener of this.listeners) {
      try {
        const result = listener(event)
        if (result instanceof Promise) result.catch((err: unknown) => { this.onListenerError(err, event) })
      } catch (err) {
        this.onListenerError(err, event)
      }
    }
  }
}
