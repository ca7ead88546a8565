/**
 * What the membership core holds about one member, and the rules read off a single record: the
 * precedence between claims, the earliest time the tick may have to act on the member (the key
 * of its entry in the due queue), and whether the tick acts on it now.
 */
import { ringPosition } from './monitor-ring.js'
import type { HealthSummary, MemberState, Role } from '../vocabulary/index.js'
import { ACCUSED_HERE, ALIVE, NO_MEMBER, stateCode, stateName, SUSPECT, WATCHED, type MemberColumns } from './member-table.js'
import { probeOverdue, reapDue, suspicionExpired } from './timing.js'
import type { MemberClaim, MembershipOptions, MemberView } from './types.js'

/**
 * One member, as a view of its slot in the table's columns (member-table.ts): every field is
 * read and written there, so the core keeps no object per member, and a record is made when one
 * is needed (a lookup, a due-queue entry) and dropped after. `seq`, its order of insertion, is
 * unique per member added by one core: a record made for a member that has since been removed
 * (a stale due-queue entry) reads as removed and unqueued, whatever took its slot since.
 */
export class MemberRecord {
  readonly peerId: string
  readonly slot: number
  /** Order of insertion into the table: the tick acts on members in this order. */
  readonly seq: number
  private readonly cols: MemberColumns

  /** The record of the member in `slot` (which must hold it). */
  constructor (cols: MemberColumns, slot: number, peerId: string) {
    this.cols = cols
    this.slot = slot
    this.peerId = peerId
    this.seq = cols.seq(slot)
  }

  /** Fills the record's fields of a member just given `slot` (`MemberTable.add`): monitored unless the ring says otherwise. */
  static create (cols: MemberColumns, slot: number, peerId: string, name: string, role: Role, addrs: readonly string[], sinceMs: number, seq: number): MemberRecord {
    cols.initRecord(slot, ringPosition(peerId), name, role, addrs, sinceMs, seq)
    return new MemberRecord(cols, slot, peerId)
  }

  /** Still this member's slot (not removed, not taken by another since). */
  private get live (): boolean { return this.cols.state(this.slot) !== NO_MEMBER && this.cols.seq(this.slot) === this.seq }
  /** Reaped: out of the table (a later record may hold the same peer). */
  get removed (): boolean { return !this.live }

  /** Name and role as a claim announced them; a heartbeat's health summary has the last word. */
  get claimedName (): string { return this.cols.names[this.slot]! }
  set claimedName (name: string) { this.cols.names[this.slot] = name }
  get claimedRole (): Role { return this.cols.role(this.slot) }
  set claimedRole (role: Role) { this.cols.setRole(this.slot, role) }
  get stateSinceMs (): number { return this.cols.stateSinceMs(this.slot) }
  set stateSinceMs (atMs: number) { this.cols.setStateSinceMs(this.slot, atMs) }
  get probeStartedAtMs (): number | null { const t = this.cols.probeStartedAtMs(this.slot); return Number.isNaN(t) ? null : t }
  set probeStartedAtMs (atMs: number | null) { this.cols.setProbeStartedAtMs(this.slot, atMs ?? NaN) }
  get lastRebroadcastAtMs (): number | null { const t = this.cols.lastRebroadcastAtMs(this.slot); return Number.isNaN(t) ? null : t }
  set lastRebroadcastAtMs (atMs: number | null) { this.cols.setLastRebroadcastAtMs(this.slot, atMs ?? NaN) }
  /** The member's entry in the due queue (see `DueQueue`); Infinity for a record of a member removed since. */
  get queuedAtMs (): number { return this.live ? this.cols.queuedAtMs(this.slot) : Infinity }
  set queuedAtMs (atMs: number) { if (this.live) this.cols.setQueuedAtMs(this.slot, atMs) }
  /** Its place on the monitor ring (monitor-ring.ts), which also buckets it in table digests (table-digest.ts). */
  get position (): number { return this.cols.position(this.slot) }
  /** Whether this node monitors the member (monitor-ring.ts); every member when monitors are not bounded. */
  get watched (): boolean { return this.cols.flag(this.slot, WATCHED) }
  set watched (on: boolean) { this.cols.setFlag(this.slot, WATCHED, on) }
  /**
   * While suspect: whether this node raised the suspicion (its own probe failed). Only the
   * accuser gossips the verdict when the suspicion expires; every other node that heard the
   * suspicion reaches the same verdict on its own timer and says nothing (one dead notice per
   * failure, not one per member).
   */
  get accusedHere (): boolean { return this.cols.flag(this.slot, ACCUSED_HERE) }
  set accusedHere (on: boolean) { this.cols.setFlag(this.slot, ACCUSED_HERE, on) }

  get state (): MemberState { return stateName(this.cols.state(this.slot)) }
  set state (s: MemberState) { this.cols.setState(this.slot, stateCode(s)) }
  get incarnation (): number { return this.cols.incarnation(this.slot) }
  set incarnation (i: number) { this.cols.setIncarnation(this.slot, i) }
  get health (): HealthSummary | null { return this.cols.health[this.slot]! }
  get addrs (): readonly string[] { return this.cols.addrs[this.slot]! }
  set addrs (a: readonly string[]) { this.cols.addrs[this.slot] = a }
  get name (): string { return this.health?.name ?? this.claimedName }
  get role (): Role { return this.health?.role ?? this.claimedRole }
  get lastHeartbeatAtMs (): number | null {
    const t = this.cols.lastHeartbeatAtMs(this.slot)
    return Number.isNaN(t) ? null : t
  }

  /**
   * True while its detector runs: exactly while this node monitors it and it is alive or suspect (a member turns suspect
   * only from alive, and every return to alive starts a new detector).
   */
  get monitored (): boolean {
    const state = this.cols.state(this.slot)
    return (state === ALIVE || state === SUSPECT) && this.watched
  }

  /** A new detector: the bootstrap history, monitoring from the next heartbeat. */
  resetDetector (): void { this.cols.detectors.reset(this.slot) }
  /** It is no longer monitored: its detector goes (the next `resetDetector` starts a new one). */
  releaseDetector (): void { this.cols.detectors.release(this.slot) }

  /** φ of its detector, null without one. */
  phi (): number | null { return this.monitored ? this.cols.detectors.phi(this.slot) : null }
  earliestThresholdAtMs (): number { return this.monitored ? this.cols.detectors.earliestThresholdAtMs(this.slot) : Infinity }
  detectorHeartbeat (): void { this.cols.detectors.heartbeat(this.slot) }
}

/**
 * Deadlines go into the due queue this much early: `since + timeout` and the predicates'
 * `now - since >= timeout` round differently with fractional clocks, and a bound a microsecond
 * early costs one extra look where a late one would skip a tick at which the predicate held.
 */
export const EARLY_MS = 1e-3

/** Precedence: does `claim` override what we hold about the member? */
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
      return m.earliestThresholdAtMs()
  }
}

/** A dead or left member whose time to be forgotten has come. */
export function reapIsDue (m: MemberRecord, now: number, opts: MembershipOptions): boolean {
  return (m.state === 'dead' && reapDue(m.stateSinceMs, now, opts.reapDeadAfterMs)) ||
    (m.state === 'left' && reapDue(m.stateSinceMs, now, opts.reapLeftAfterMs))
}

/** Whether one of the tick's rules acts on the member now: a probe overdue, φ at the threshold, a suspicion expired. */
export function ruleIsDue (m: MemberRecord, now: number, opts: MembershipOptions): boolean {
  if (m.state === 'alive') {
    if (m.probeStartedAtMs !== null) return probeOverdue(m.probeStartedAtMs, now, opts.probeTimeoutMs)
    return now >= m.earliestThresholdAtMs() && (m.phi() ?? 0) >= opts.phi.threshold
  }
  return m.state === 'suspect' && suspicionExpired(m.stateSinceMs, now, opts.suspicionTimeoutMs)
}

/**
 * Whether two address lists say the same. A claim's list replaces the one held only when it
 * differs: every state sync repeats every member's addresses, and storing each new copy would
 * keep a young array per member per sync referenced from the long-lived table.
 */
export function sameAddrs (a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** What we hold about the member, as a claim to gossip. */
export function claimOf (m: MemberRecord): MemberClaim {
  return { state: m.state, target: m.peerId, incarnation: m.incarnation, name: m.name, role: m.role, addrs: [...m.addrs] }
}

/** The member as the API and events show it, with φ and the heartbeat's age at `now`. */
export function viewOf (m: MemberRecord, now: number): MemberView {
  return {
    peerId: m.peerId,
    name: m.name,
    role: m.role,
    state: m.state,
    incarnation: m.incarnation,
    addrs: [...m.addrs],
    phi: m.phi(),
    lastHeartbeatAgeMs: m.lastHeartbeatAtMs === null ? null : now - m.lastHeartbeatAtMs,
    health: m.health,
    stateSinceMs: m.stateSinceMs
  }
}

/** Up to k distinct items of `a`, chosen with `random` (partial Fisher-Yates, in place). */
export function sample<T> (a: T[], k: number, random: () => number): T[] {
  const n = Math.min(k, a.length)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (a.length - i))
    const t = a[i]!; a[i] = a[j]!; a[j] = t
  }
  return a.slice(0, n)
}
