/**
 * Every event on the node's single event path: what happens in membership, the election, the
 * audit log, escalation and healing is a typed event named `noun:verb`. Each part defines its own
 * events; this union is what the bus (event-bus.ts), the reactions, the logs, the metrics and the
 * API consume.
 */
import type { ElectionEvent } from '@kos/core'
import type { MembershipEvent } from '@kos/core'
import type { AgentEvent, ModeEvent } from '@kos/core'
import type { AuditEvent } from '../audit/tamper-event.js'
import type { AuthorityEvent, EscalationEvent } from '../escalation/escalation-events.js'
import type { ServiceEvent } from '../services/service-events.js'

/**
 * This node lost its coordinator (`previous`, in `lostTerm`) and, with no quorum reachable, ran
 * without one for `downMs` (longer than an election takes): a cluster-wide incident, recorded
 * when a coordinator is known again, so that it is escalated after the heal.
 */
export type QuorumEvent = { type: 'coordinator:quorum-restored', previous: string, lostTerm: number, downMs: number }

/** An election message this node refused (election/message-authority.ts): an attempt, or a confused peer. */
export type ElectionRefusedEvent = { type: 'coordinator:refused', from: string, reason: 'not-voter' | 'term-bound', term: number }

export type KosEvent = MembershipEvent | ElectionEvent | ElectionRefusedEvent | AuditEvent | EscalationEvent | QuorumEvent | AuthorityEvent | AgentEvent | ModeEvent | ServiceEvent

