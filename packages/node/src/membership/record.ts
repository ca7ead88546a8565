/**
 * What the membership core holds about one member, and the rules read off a single record: SWIM's
 * precedence between claims, and the earliest time the tick may have to act on the member (the
 * key of its entry in the due queue).
 */
import type { PhiAccrualDetector } from '@kos/detect'
import type { HealthSummary, MemberState, Role } from '../api/types.js'
import type { MembershipOptions } from './types.js'

export interface MemberRecord {
  peerId: string
  name: string
  role: Role
  addrs: string[]
  state: MemberState
  incarnation: number
  stateSinceMs: number
  health: HealthSummary | null
  lastHeartbeatAtMs: number | null
  detector: PhiAccrualDetector | null
  probeStartedAtMs: number | null
  lastRebroadcastAtMs: number | null
  /** Order of insertion into the table: the tick acts on members in this order. */
  seq: number
  /** The member's entry in the due queue (see `DueQueue`). */
  queuedAtMs: number
}

/**
 * Deadlines go into the due queue this much early: `since + timeout` and the predicates'
 * `now - since >= timeout` round differently with fractional clocks, and a bound a microsecond
 * early costs one extra look where a late one would skip a tick at which the predicate held.
 */
export const EARLY_MS = 1e-3

/** SWIM precedence: does `claim` override what we hold about the member? */
export function overrides (claim: MemberState, claimInc: number, held: MemberState, heldInc: number): boolean {
  switch (claim) {
    case 'alive': return claimInc > heldInc
    case 'suspect': return held === 'alive' ? claimInc >= heldInc : claimInc > heldInc && held === 'suspect'
    case 'dead': return (held === 'alive' || held === 'suspect') ? claimInc >= heldInc : claimInc > heldInc && held === 'dead'
    case 'left': return held !== 'left' ? claimInc >= heldInc : false
  }
}

/**
 * When the tick's rule for the member's state may first hold: the reap (dead, left), the end of
 * the suspicion, the probe's deadline, or φ's crossing. The predicates in timing.ts decide; this
 * only says when asking them is pointless before.
 */
export function dueAtMs (m: MemberRecord, opts: MembershipOptions): number {
  switch (m.state) {
    case 'dead': return m.stateSinceMs + opts.reapDeadAfterMs
    case 'left': return m.stateSinceMs + opts.reapLeftAfterMs
    case 'suspect': return m.stateSinceMs + opts.suspicionTimeoutMs
    case 'alive':
      if (m.probeStartedAtMs !== null) return m.probeStartedAtMs + 2 * opts.probeTimeoutMs
      return m.detector === null ? Infinity : m.detector.earliestThresholdAtMs()
  }
}
