/**
 * Which node writes the audit entry of a member's join, death, return or leaving (issue 17: a
 * fact is recorded once). Every node sees these events (its API, event stream, metrics and logs
 * show them); had every observer audited its own view, one crash would become N entries, each
 * replicated to N nodes, and forming a cluster N² joins (on 24 nodes of a 2-core machine, 552
 * join entries at each node in its first minute). An election is recorded by its winner alone
 * (each follower keeps whom it followed in its state store, remember-coordinators.ts, for the
 * services' desired-state gate): a lease that lapses on a starved machine is one entry, not N.
 * A member fact is written by one node:
 * - the coordinator, the node that decides cluster-wide actions (as it alone escalates a death,
 *   escalation/triggers.ts);
 * - while there is none to decide (none known here, or the member in question is the one this
 *   node follows: a coordinator that died is replaced only after its death is seen), the first
 *   alive member by peer id other than the subject, which every node that sees the same members
 *   agrees on.
 * A suspicion is recorded by the node that raised it. Every other event is audited by whoever
 * emits it. Pure.
 */
import type { KosEvent } from '../events/kos-event.js'
import type { MemberView } from '@kos/core'

/** The member facts recorded once cluster-wide. */
export const CLUSTER_FACTS: ReadonlySet<string> = new Set(['member:join', 'member:dead', 'member:alive', 'member:left'])

export interface FactRecorderContext {
  selfId: string
  /** The coordinator this node knows, or null. */
  coordinatorId: string | null
  /** Peer ids of the members this node holds alive (self not included). */
  aliveIds: () => readonly string[]
}

/** Whether this node writes `event`'s audit entry. */
export function recordsHere (event: KosEvent, ctx: FactRecorderContext): boolean {
  // A suspicion is its accuser's observation: recorded by the node that raised it, not by every
  // node its gossip reaches (one crash would again be N entries, each replicated to N nodes).
  if (event.type === 'member:suspect') return event.by === ctx.selfId
  if (event.type === 'coordinator:elected') return event.coordinatorId === ctx.selfId
  if (!CLUSTER_FACTS.has(event.type) || !('member' in event)) return true
  const subject = event.member.peerId
  const c = ctx.coordinatorId
  if (c !== null && c !== subject) return c === ctx.selfId
  let first = ctx.selfId
  for (const id of ctx.aliveIds()) if (id !== subject && id < first) first = id
  return first === ctx.selfId
}

/** What a node knows when an event arrives: itself, the coordinator it follows, its members. */
export interface FactRecorderParts {
  selfId: string
  election: () => { coordinatorId: string | null } | undefined
  members: () => MemberView[]
}

/** `recordsHere` for the node as it is when each event arrives. */
export function factRecorder (parts: FactRecorderParts): (event: KosEvent) => boolean {
  return (event) => recordsHere(event, {
    selfId: parts.selfId,
    coordinatorId: parts.election()?.coordinatorId ?? null,
    aliveIds: () => parts.members().filter((m) => m.state === 'alive').map((m) => m.peerId)
  })
}
