/**
 * The membership core's public shapes: its options, the claims it exchanges, the views it gives,
 * and its outputs (see `membership.ts` for the state machine).
 */
import type { PhiAccrualOptions } from '@kos/detect'
import type { HealthSummary, MemberState, Role } from '../vocabulary/index.js'

export interface MembershipOptions {
  self: { peerId: string, name: string, role: Role, addrs: string[] }
  /** Incarnation to start at; a restarted node passes one above what it had. */
  initialIncarnation: number
  phi: PhiAccrualOptions
  heartbeatIntervalMs: number
  probeTimeoutMs: number
  indirectProbes: number
  suspicionTimeoutMs: number
  localStallGraceMs: number
  reapDeadAfterMs: number
  reapLeftAfterMs: number
  /**
   * Monitors per member (monitor-ring.ts): this node runs detectors on, probes for silence and
   * accuses only the members it monitors, the `monitorsPerMember` before it on the ring, and its
   * shell sends heartbeats to its own monitors only. 0 (the default): every node monitors every
   * member, heartbeats reach everyone.
   */
  monitorsPerMember?: number
}

/** A claim about one member, as carried by notices and state syncs. */
export interface MemberClaim {
  state: MemberState
  target: string
  incarnation: number
  name: string
  role: Role
  addrs: string[]
}

/** What a caller may read about a member. */
export interface MemberView {
  peerId: string
  name: string
  role: Role
  state: MemberState
  incarnation: number
  addrs: string[]
  phi: number | null
  lastHeartbeatAgeMs: number | null
  health: HealthSummary | null
  /** Clock time of the last state change. */
  stateSinceMs: number
}

export type MembershipEvent =
  | { type: 'member:join', member: MemberView }
  | { type: 'member:alive', member: MemberView, previous: MemberState }
  | { type: 'member:suspect', member: MemberView, by: string }
  | { type: 'member:dead', member: MemberView, by: string }
  | { type: 'member:left', member: MemberView }
  | { type: 'member:removed', member: MemberView }
  | { type: 'member:refuted', incarnation: number, claim: MemberState, by: string }
  | { type: 'node:stalled', stallMs: number, holdBackUntilMs: number }

export type MembershipOutput =
  | { type: 'broadcast', claim: MemberClaim }
  /** A claim for one member only: its own state as we hold it, so that it refutes. */
  | { type: 'notify', to: string, claim: MemberClaim }
  | { type: 'probe', target: string, via: string[] }
  | { type: 'event', event: MembershipEvent }
