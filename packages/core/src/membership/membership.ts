/**
 * The membership state machine: who is in the cluster and in which state.
 *
 * A gossip membership protocol with a phi-accrual detector per peer, where a plain design would
 * ping peers round-robin, and a hold-back after our own stalls (local health):
 * - heartbeats feed one detector per peer; phi over the threshold starts a probe, direct and
 *   through k other peers (ping-req), before anyone is accused of anything;
 * - a failed probe makes the peer suspect and is broadcast; a suspect that does not refute by
 *   raising its incarnation within the suspicion timeout is dead;
 * - claims about a member are ordered by incarnation, then by precedence
 *   (left, dead > suspect > alive at the same incarnation);
 * - a node that hears itself suspected, dead or left refutes with a higher incarnation.
 *
 * Pure: every input carries no I/O; time comes from the injected Clock and randomness from the
 * injected `random`. Outputs (notices to broadcast, probes to run, events) are returned to the
 * caller, the node's shell or the simulator, which performs them.
 */
import type { Clock } from '@kos/detect'
import type { HealthSummary, MemberState } from '../vocabulary/index.js'
import type { MemberSnapshot } from '../wire/messages.js'
import { CrossingScan } from './crossing-scan.js'
import { SlotOrder } from './slot-order.js'
import { DueQueue } from './due-queue.js'
import type { MemberClaim, MembershipEvent, MembershipOptions, MembershipOutput, MemberView } from './types.js'
import { acceptRoutineHeartbeat, ALIVE, DEAD, HEARTBEAT_MOVED_DEADLINE, LEFT, LocalMemberTable, HEARTBEAT_NOT_ROUTINE, stateName, SUSPECT, type MemberTable } from './member-table.js'
import { claimOf, dueAtMs, EARLY_MS, MemberRecord, overrides, reapIsDue, ruleIsDue, sameAddrs, sample, viewOf } from './member-record.js'
import { holdBackUntil, probeOverdue, rebroadcastDue, suspicionExpired } from './timing.js'
import { MonitorRing, ringPosition } from './monitor-ring.js'
import { addToDigest, DIGEST_BUCKETS, digestBucket } from './table-digest.js'
import { heldSummaryVersion, syncedSummaryIsNewer } from './summary-version.js'

export type { MembershipOptions, MemberClaim, MemberView, MembershipEvent, MembershipOutput } from './types.js'

/** What most heartbeats and notices return: one shared, frozen empty list rather than a new one per call. */
const NO_OUTPUTS: readonly MembershipOutput[] = Object.freeze([])

/**
 * Whether `claim`, from `by`, would raise the incarnation held for its member (`held`) without
 * coming from that member: onClaim refuses it. Also for the shell, which counts them.
 */
export function foreignRaise (claim: Pick<MemberClaim, 'target' | 'incarnation'>, by: string, held: number | undefined): boolean {
  return held !== undefined && by !== claim.target && claim.incarnation > held
}

/** How far above our own incarnation a claim about us may be and still be refuted. */
export const REFUTE_AHEAD_LIMIT = 16

export class Membership {
  private readonly opts: MembershipOptions
  /** opts.self.peerId, kept here: read on every heartbeat, one object fewer to reach. */
  private readonly self: string
  private readonly clock: Clock
  private readonly random: () => number
  /**
   * Every member's slot, in insertion order (the order of snapshots, ticks and probe helpers).
   * What the core holds of each is in the table's columns (member-record.ts).
   */
  private readonly order = new SlotOrder()
  /** The members' hot fields and detectors, by slot (see member-table.ts). */
  private readonly table: MemberTable
  /** Members by the earliest time the tick may have to act on them. */
  private readonly due = new DueQueue<MemberRecord>()
  /** The healthy members' crossings, found by a scan of the table rather than held in `due`. */
  private readonly scan: CrossingScan
  private readonly watchSlot = (slot: number): void => { this.watch(this.recordAt(slot)) }
  private nextSeq = 0
  private incarnation: number
  private leaving = false
  private holdBackUntilMs = -Infinity
  /** With bounded monitors: the ring of self and the members alive or suspect, and whom this node monitors. */
  private readonly ring: MonitorRing | null
  private readonly monitorsPerMember: number
  private watchedIds = new Set<string>()
  /** Our own health summary as last gossiped (versioned, with bounded monitors); null: none yet. */
  private ownSummary: HealthSummary | null = null

  /** @param table where the members' hot fields go: the node's own by default, the simulator's world table in a run */
  constructor (opts: MembershipOptions, clock: Clock, random: () => number, table?: MemberTable) {
    this.opts = opts
    this.table = table ?? new LocalMemberTable(opts.phi, clock)
    this.scan = new CrossingScan(this.table, opts.heartbeatIntervalMs)
    this.self = opts.self.peerId
    this.clock = clock
    this.random = random
    this.incarnation = opts.initialIncarnation
    this.monitorsPerMember = opts.monitorsPerMember ?? 0
    this.ring = this.monitorsPerMember > 0 ? new MonitorRing() : null
    this.ring?.add(this.self)
  }

  get selfId (): string { return this.self }
  get selfIncarnation (): number { return this.incarnation }
  /** With bounded monitors, the members on the ring (alive or suspect, self included); else 1. */
  get ringSize (): number { return this.ring?.size ?? 1 }
  get isLeaving (): boolean { return this.leaving }
  /** True while our own stall makes us hold back accusations. */
  get isHoldingBack (): boolean { return this.clock.now() < this.holdBackUntilMs }

  /**
   * Where this node's heartbeats go: its monitors on the ring (monitor-ring.ts); null when
   * monitors are not bounded (heartbeats go to every member).
   */
  monitors (): string[] | null {
    return this.ring === null ? null : this.ring.successors(this.self, this.monitorsPerMember)
  }

  /** The members this node monitors (runs detectors on); null when it monitors every member. */
  monitoring (): string[] | null { return this.ring === null ? null : [...this.watchedIds] }

  /**
   * Our own summary, as just gossiped with its version (summary-version.ts): what our entry of a
   * digest counts and our entry of a sync carries.
   */
  setOwnSummary (summary: HealthSummary): void { this.ownSummary = summary }

  /** Our listen addresses changed (they are known only once libp2p listens). */
  setSelfAddrs (addrs: string[]): void { this.opts.self.addrs = [...addrs] }

  /**
   * A heartbeat from `from` (the verified gossip signer) arrived now. The hot path of a large
   * cluster (every member's heartbeat, every second), so the usual answer, nothing, is a shared
   * read-only empty list.
   */
  onHeartbeat (from: string, incarnation: number, addrs: string[], health: HealthSummary): readonly MembershipOutput[] {
    if (from === this.self) return NO_OUTPUTS
    const now = this.clock.now()
    const cols = this.table.columns
    let slot = this.table.slotOf(from)
    if (slot >= 0) {
      // The path nearly every heartbeat takes: the columns only (no record, no outputs).
      const routine = acceptRoutineHeartbeat(cols, slot, incarnation, addrs, health, now)
      if (routine !== HEARTBEAT_NOT_ROUTINE) {
        if (routine === HEARTBEAT_MOVED_DEADLINE) this.deadlineMoved(from)
        return NO_OUTPUTS
      }
    }
    let out: MembershipOutput[] | null = null
    if (slot < 0) {
      const m = this.addMember({ state: 'alive', target: from, incarnation, name: health.name, role: health.role, addrs }, now)
      slot = m.slot
      out = [this.event({ type: 'member:join', member: viewOf(m, now) })]
    } else if (incarnation > cols.incarnation(slot)) {
      const m = new MemberRecord(cols, slot, from)
      m.incarnation = incarnation
      if (cols.state(slot) !== ALIVE) out = this.transitionAlive(m, now)
    } else if (cols.state(slot) !== ALIVE) {
      const m = new MemberRecord(cols, slot, from)
      if (rebroadcastDue(m.lastRebroadcastAtMs, now, this.opts.heartbeatIntervalMs)) {
        // It heartbeats at an incarnation we hold suspect/dead/left: it missed the notice. Tell it
        // alone: after a partition heals, the side that was cut off holds everyone dead, and
        // gossiping those verdicts again would make the others (who hear from the accused right
        // now) declare healthy members dead until each refutes.
        m.lastRebroadcastAtMs = now
        out = [{ type: 'notify', to: from, claim: claimOf(m) }]
      }
    }
    // Only a crossing brought forward can make the member due earlier than queued (its entry
    // bounds the old one).
    if (cols.recordHeartbeat(slot, addrs, health, now)) this.deadlineMoved(from)
    return out ?? NO_OUTPUTS
  }

  /**
   * A recorded heartbeat brought the member's crossing forward: its due bound follows. The
   * other half of `acceptRoutineHeartbeat`'s contract (member-table.ts), for a table that takes
   * routine heartbeats itself.
   */
  deadlineMoved (peerId: string): void {
    const m = this.get(peerId)
    if (m !== undefined) this.watch(m)
  }

  /** A notice (or one entry of a state sync) claims something about a member; `by` signed it. */
  onClaim (claim: MemberClaim, by: string): readonly MembershipOutput[] {
    const now = this.clock.now()
    if (claim.target === this.selfId) return this.maybeRefute(claim, by)
    // Up to the override, the columns only: after a failure most of the N - 1 others accuse the
    // member, and N - 1 nodes hear each accusation, nearly all of them saying nothing new.
    const cols = this.table.columns
    const slot = this.table.slotOf(claim.target)
    if (slot < 0) {
      const added = this.addMember(claim, now)
      const view = viewOf(added, now)
      switch (claim.state) {
        case 'alive': return [this.event({ type: 'member:join', member: view })]
        case 'suspect': return [this.event({ type: 'member:join', member: view }), this.event({ type: 'member:suspect', member: view, by })]
        default: return NO_OUTPUTS // learnt already dead or left: listed, but nothing happened now
      }
    }
    // An accuser we hold dead or left has been cut off from us: its accusations describe what it
    // saw from the other side of a partition (often delivered late, when the partition heals),
    // and believing them would kill members we hear from right now.
    const accusation = (claim.state === 'suspect' || claim.state === 'dead') && by !== claim.target
    if (accusation) {
      const accuser = this.table.slotOf(by)
      if (accuser >= 0 && (cols.state(accuser) === DEAD || cols.state(accuser) === LEFT)) return NO_OUTPUTS
    }
    // Only a member itself raises its incarnation (by heartbeat or refutation) or says where it
    // listens. A claim from anyone else at an incarnation above what the member announced is no
    // observation of it: believing an `alive` one, then an accusation at that incarnation, would
    // let two messages hold a live member dead beyond any refutation, and new addresses from a
    // relay would send every node to dial where the relay chose.
    const held = cols.incarnation(slot)
    const own = by === claim.target
    if (foreignRaise(claim, by, held)) return NO_OUTPUTS
    if (own && claim.addrs.length > 0 && claim.incarnation >= held && !sameAddrs(cols.addrs[slot]!, claim.addrs)) cols.addrs[slot] = claim.addrs
    const previous = stateName(cols.state(slot))
    if (!overrides(claim.state, claim.incarnation, previous, held)) return NO_OUTPUTS
    const m = new MemberRecord(cols, slot, claim.target)
    m.incarnation = claim.incarnation
    if (claim.state === previous) return NO_OUTPUTS // same state, newer incarnation
    switch (claim.state) {
      case 'alive': return this.transitionAlive(m, now)
      case 'suspect': return [this.setState(m, 'suspect', now, by)]
      case 'dead': return [this.setState(m, 'dead', now, by)]
      case 'left': return [this.setState(m, 'left', now, by)]
    }
  }

  /** A whole member table from a join or push/pull sync. */
  onSync (members: MemberSnapshot[], by: string): MembershipOutput[] {
    const out: MembershipOutput[] = []
    for (const s of members) {
      out.push(...this.onClaim({ state: s.state, target: s.peerId, incarnation: s.incarnation, name: s.name, role: s.role, addrs: s.addrs }, by))
      // A summary we lack (we just joined), or newer than ours (push/pull's repair of a missed
      // one): taken as the peer held it, for the life of the member we hold.
      if (s.health !== undefined && s.peerId !== this.self) {
        const slot = this.table.slotOf(s.peerId)
        const cols = this.table.columns
        if (slot >= 0 && cols.incarnation(slot) === s.incarnation && syncedSummaryIsNewer(cols.health[slot]!, s.health, s.incarnation)) cols.health[slot] = s.health
      }
    }
    return out
  }

  /** The answer to a probe this machine asked for: did any path reach the target? */
  onProbeResult (target: string, reachable: boolean): MembershipOutput[] {
    const m = this.get(target)
    if (m === undefined || m.probeStartedAtMs === null) return []
    m.probeStartedAtMs = null
    this.watch(m) // the detector decides again
    if (reachable || m.state !== 'alive' || this.leaving || this.isHoldingBack) return []
    return this.accuse(m, this.clock.now())
  }

  /**
   * Our connection to the peer closed. A crashed process closes its sockets, so this is often
   * the first sign; it only starts a probe, because connections also close for benign reasons.
   * Only a member we monitor is probed: a node also holds connections to members it does not
   * watch (push/pull, the audit log, joins open them), and were each of those closes a probe,
   * one crash would be an accusation, its gossip and its audit entry from every member.
   */
  onConnectionLost (peerId: string): MembershipOutput[] {
    const m = this.get(peerId)
    if (m === undefined || !m.monitored || m.state !== 'alive' || m.probeStartedAtMs !== null || this.leaving || this.isHoldingBack) return []
    return [this.startProbe(m, this.clock.now())]
  }

  /** Our own event loop was stalled for `stallMs` (the shell measures its timers' lateness). */
  onLocalStall (stallMs: number): MembershipOutput[] {
    const now = this.clock.now()
    this.holdBackUntilMs = holdBackUntil(now, this.opts.localStallGraceMs, this.holdBackUntilMs)
    for (let i = 0; i < this.order.length; i++) {
      // Intervals measured across our own stall say nothing about the peer: restart the history.
      const m = this.recordAt(this.order.at(i))
      if (m.monitored) m.resetDetector()
    }
    return [this.event({ type: 'node:stalled', stallMs, holdBackUntilMs: this.holdBackUntilMs })]
  }

  /**
   * Evaluate detectors and timers; the shell calls it every tickIntervalMs. Only members whose
   * earliest deadline has passed are looked at (the due queue), in table order, so the outputs
   * are those of a pass over the whole table.
   */
  tick (): MembershipOutput[] {
    const now = this.clock.now()
    const out: MembershipOutput[] = []
    const due: MemberRecord[] = []
    this.scan.run(now, this.watchSlot)
    this.due.popDue(now, due)
    if (due.length === 0) return out
    // Most popped members only go back in the queue at their next bound. Each rule's condition
    // reads one member alone and no action changes another member's, so the few that act are
    // picked first and then act in table order: the outputs of a full pass, without sorting all.
    const accusing = !this.leaving && !this.isHoldingBack
    const acting: MemberRecord[] = []
    for (const m of due) if (reapIsDue(m, now, this.opts) || (accusing && ruleIsDue(m, now, this.opts))) acting.push(m)
    acting.sort((a, b) => a.seq - b.seq)
    for (const m of acting) {
      if (reapIsDue(m, now, this.opts)) {
        // The member as the table holds it once cleared: no addresses, no summary.
        const member: MemberView = { ...viewOf(m, now), addrs: [], health: null, name: m.claimedName, role: m.claimedRole }
        this.order.remove(m.slot)
        this.table.remove(m.peerId)
        this.leaveRing(m)
        out.push(this.event({ type: 'member:removed', member }))
      }
    }
    if (accusing) {
      for (const m of acting) {
        if (m.removed) continue
        if (m.state === 'alive') {
          if (m.probeStartedAtMs !== null) {
            if (probeOverdue(m.probeStartedAtMs, now, this.opts.probeTimeoutMs)) {
              m.probeStartedAtMs = null
              out.push(...this.accuse(m, now))
            }
          } else if (now >= m.earliestThresholdAtMs() && (m.phi() ?? 0) >= this.opts.phi.threshold) {
            out.push(this.startProbe(m, now))
          }
        } else if (m.state === 'suspect' && suspicionExpired(m.stateSinceMs, now, this.opts.suspicionTimeoutMs)) {
          const accuser = m.accusedHere
          out.push(this.setState(m, 'dead', now, this.selfId))
          if (accuser) out.push({ type: 'broadcast', claim: claimOf(m) })
        }
      }
    }
    // Popped members leave the queue; those still in the table go back at their next deadline
    // (now or earlier when nothing was done, e.g. while holding back: looked at again next tick),
    // unless it is a crossing the next scan will find.
    for (const m of due) {
      if (m.removed) continue
      const key = this.dueKey(m)
      if (this.scan.keeps(m, key)) this.due.schedule(m, key)
    }
    return out
  }

  /** Graceful leave: tell everyone, then stop accusing anyone. */
  leave (): MembershipOutput[] {
    this.leaving = true
    return [{ type: 'broadcast', claim: this.selfClaim('left') }]
  }

  /** The claim "I am alive", carried by join announcements. */
  selfClaim (state: MemberState = 'alive'): MemberClaim {
    const s = this.opts.self
    return { state, target: s.peerId, incarnation: this.incarnation, name: s.name, role: s.role, addrs: [...s.addrs] }
  }

  /**
   * Our whole member table, self included, for a state sync (the address lists held, not copies:
   * none is changed in place); `withHealth`: with the summaries held (a join's).
   */
  snapshot (withHealth = false): MemberSnapshot[] {
    const out: MemberSnapshot[] = [this.selfSnapshot(withHealth)]
    for (let i = 0; i < this.order.length; i++) {
      const m = this.recordAt(this.order.at(i))
      const entry: MemberSnapshot = { peerId: m.peerId, name: m.name, role: m.role, addrs: m.addrs as string[], state: m.state, incarnation: m.incarnation }
      const health = withHealth ? m.health : null
      if (health !== null && health.incarnation === m.incarnation) entry.health = health
      out.push(entry)
    }
    return out
  }

  /**
   * The digest of our table (table-digest.ts), self included: what push/pull compares first. It
   * covers the version of the summary held of each member alive or suspect (summary-version.ts).
   */
  digest (): number[] {
    const d = new Array<number>(DIGEST_BUCKETS).fill(0)
    const self = this.selfSnapshot()
    addToDigest(d, ringPosition(self.peerId), self.state, self.incarnation, heldSummaryVersion(this.ownSummary, self.incarnation))
    // From the columns, without a record per member: every push/pull digests the whole table.
    const cols = this.table.columns
    for (let i = 0; i < this.order.length; i++) {
      const slot = this.order.at(i)
      const code = cols.state(slot)
      const incarnation = cols.incarnation(slot)
      const version = code === ALIVE || code === SUSPECT ? heldSummaryVersion(cols.health[slot]!, incarnation) : 0
      addToDigest(d, cols.position(slot), stateName(code), incarnation, version)
    }
    return d
  }

  /**
   * The entries of a state sync in the given digest buckets, self included if its bucket is one,
   * with the versioned summaries held of the members alive or suspect. At most `maxSummaries`
   * summaries: the buckets go whole, from a random one, until the next would pass that (the first
   * always goes), and `buckets` says which went. The rest still differ, and a later push/pull
   * (with this member or another) brings them: the message stays bounded however large the table.
   */
  snapshotIn (buckets: readonly number[], maxSummaries = 0): { members: MemberSnapshot[], buckets: number[] } {
    const byBucket = new Map<number, { members: MemberSnapshot[], summaries: number }>()
    for (const b of buckets) byBucket.set(b, { members: [], summaries: 0 })
    const self = this.selfSnapshot(maxSummaries > 0)
    const own = byBucket.get(digestBucket(ringPosition(self.peerId)))
    if (own !== undefined) { own.members.push(self); if (self.health !== undefined) own.summaries++ }
    const cols = this.table.columns
    for (let i = 0; i < this.order.length; i++) {
      const slot = this.order.at(i)
      const bucket = byBucket.get(digestBucket(cols.position(slot)))
      if (bucket === undefined) continue
      const m = this.recordAt(slot)
      const entry: MemberSnapshot = { peerId: m.peerId, name: m.name, role: m.role, addrs: m.addrs as string[], state: m.state, incarnation: m.incarnation }
      if (maxSummaries > 0 && (m.state === 'alive' || m.state === 'suspect') && heldSummaryVersion(m.health, m.incarnation) > 0) {
        entry.health = m.health!
        bucket.summaries++
      }
      bucket.members.push(entry)
    }
    const members: MemberSnapshot[] = []
    const sent: number[] = []
    let summaries = 0
    const order = [...byBucket.keys()]
    const start = order.length === 0 ? 0 : Math.floor(this.random() * order.length)
    for (let k = 0; k < order.length; k++) {
      const b = order[(start + k) % order.length]!
      const bucket = byBucket.get(b)!
      if (bucket.summaries > 0 && sent.length > 0 && summaries + bucket.summaries > maxSummaries) continue
      summaries += bucket.summaries
      sent.push(b)
      for (const e of bucket.members) members.push(e)
    }
    return { members, buckets: sent }
  }

  /** Our own entry of a state sync; `withSummary`: with our summary as last gossiped, if any. */
  selfSnapshot (withSummary = false): MemberSnapshot {
    const self = this.selfClaim(this.leaving ? 'left' : 'alive')
    const entry: MemberSnapshot = { peerId: self.target, name: self.name, role: self.role, addrs: self.addrs, state: self.state, incarnation: self.incarnation }
    const own = this.ownSummary
    if (withSummary && own !== null && own.incarnation === self.incarnation) entry.health = own
    return entry
  }

  member (peerId: string): MemberView | undefined {
    const m = this.get(peerId)
    return m === undefined ? undefined : viewOf(m, this.clock.now())
  }

  /**
   * Members worth keeping a connection to (every one not left, with an address), for the
   * shell's redial on every tick: no views, no phi, so it stays cheap on that hot path.
   */
  dialTargets (): Array<{ peerId: string, addrs: readonly string[] }> {
    const out: Array<{ peerId: string, addrs: readonly string[] }> = []
    const cols = this.table.columns
    for (let i = 0; i < this.order.length; i++) {
      const slot = this.order.at(i)
      const addrs = cols.addrs[slot]!
      if (cols.state(slot) !== LEFT && addrs.length > 0) out.push({ peerId: this.table.peerAt(slot), addrs })
    }
    return out
  }

  /** Peer ids of the members held alive; cheap (no views, no phi), for ticks of other services. */
  alivePeerIds (): string[] {
    const out: string[] = []
    const cols = this.table.columns
    for (let i = 0; i < this.order.length; i++) {
      const slot = this.order.at(i)
      if (cols.state(slot) === ALIVE) out.push(this.table.peerAt(slot))
    }
    return out
  }

  /** Peer ids of the members held dead. */
  deadPeerIds (): string[] {
    const out: string[] = []
    const cols = this.table.columns
    for (let i = 0; i < this.order.length; i++) {
      const slot = this.order.at(i)
      if (cols.state(slot) === DEAD) out.push(this.table.peerAt(slot))
    }
    return out
  }

  list (): MemberView[] {
    const now = this.clock.now()
    const out: MemberView[] = []
    for (let i = 0; i < this.order.length; i++) out.push(viewOf(this.recordAt(this.order.at(i)), now))
    return out
  }

  private maybeRefute (claim: MemberClaim, by: string): readonly MembershipOutput[] {
    // We persist our incarnation, so nobody can truthfully know a much higher one than ours (a
    // crash can lose the last write or two, hence the slack): such a claim is forged, and
    // refuting it would let one message run our counter up to where it cannot be refuted.
    if (this.leaving || claim.state === 'alive' || claim.incarnation < this.incarnation ||
        claim.incarnation > this.incarnation + REFUTE_AHEAD_LIMIT) return NO_OUTPUTS
    this.incarnation = claim.incarnation + 1
    return [
      { type: 'broadcast', claim: this.selfClaim('alive') },
      this.event({ type: 'member:refuted', incarnation: this.incarnation, claim: claim.state, by })
    ]
  }

  private accuse (m: MemberRecord, now: number): MembershipOutput[] {
    return [this.setState(m, 'suspect', now, this.selfId), { type: 'broadcast', claim: claimOf(m) }]
  }

  private startProbe (m: MemberRecord, now: number): MembershipOutput {
    m.probeStartedAtMs = now
    this.watch(m)
    const helpers: string[] = []
    const cols = this.table.columns
    for (let i = 0; i < this.order.length; i++) {
      const slot = this.order.at(i)
      if (cols.state(slot) === ALIVE && slot !== m.slot) helpers.push(this.table.peerAt(slot))
    }
    return { type: 'probe', target: m.peerId, via: sample(helpers, this.opts.indirectProbes, this.random) }
  }

  private transitionAlive (m: MemberRecord, now: number): MembershipOutput[] {
    const previous = m.state
    m.state = 'alive'
    this.joinRing(m)
    m.stateSinceMs = now
    m.probeStartedAtMs = null
    m.lastRebroadcastAtMs = null
    m.resetDetector()
    m.detectorHeartbeat()
    this.watch(m)
    const view = viewOf(m, now)
    return [this.event(previous === 'left' ? { type: 'member:join', member: view } : { type: 'member:alive', member: view, previous })]
  }

  private setState (m: MemberRecord, state: 'suspect' | 'dead' | 'left', now: number, by: string): MembershipOutput {
    m.state = state
    m.accusedHere = state === 'suspect' && by === this.self
    if (state === 'suspect') this.joinRing(m)
    else this.leaveRing(m)
    m.stateSinceMs = now
    m.probeStartedAtMs = null
    if (state !== 'suspect') m.lastRebroadcastAtMs = null
    if (!m.monitored) m.releaseDetector() // its detector stops: see MemberRecord.monitored
    this.watch(m)
    const member = viewOf(m, now)
    return this.event(state === 'left' ? { type: 'member:left', member } : { type: `member:${state}`, member, by })
  }

  private addMember (c: MemberClaim, now: number): MemberRecord {
    const slot = this.table.add(c.target, c.state, c.incarnation)
    const m = MemberRecord.create(this.table.columns, slot, c.target, c.name, c.role, c.addrs, now, this.nextSeq++)
    // With bounded monitors, whether this node watches it is the ring's to say (joinRing below).
    if (this.ring !== null) m.watched = false
    // Monitoring starts when we learn of a live member: if no heartbeat ever comes, phi rises.
    if (m.monitored) {
      m.resetDetector()
      m.detectorHeartbeat()
    }
    this.order.push(slot)
    if (c.state === 'alive' || c.state === 'suspect') this.joinRing(m)
    this.watch(m)
    return m
  }

  /** An alive or suspect member is on the ring (bounded monitors only). */
  private joinRing (m: MemberRecord): void {
    if (this.ring?.add(m.peerId) === true) this.rewatch()
  }

  private leaveRing (m: MemberRecord): void {
    if (this.ring?.remove(m.peerId) === true) this.rewatch()
  }

  /**
   * The ring changed: this node monitors the members before it. One it starts to monitor gets a
   * fresh detector from now (the silence before was not owed to us); one it stops monitoring
   * keeps no detector, so it is never accused from here.
   */
  private rewatch (): void {
    if (this.ring === null) return
    const predecessors = this.ring.predecessors(this.self, this.monitorsPerMember)
    // Most changes of the ring (a join far from us, every member of a join's table) move nothing here.
    if (sameOrder(predecessors, this.watchedIds)) return
    const next = new Set(predecessors)
    for (const id of this.watchedIds) {
      if (next.has(id)) continue
      const m = this.get(id)
      if (m !== undefined) { m.watched = false; m.releaseDetector(); this.watch(m) }
    }
    for (const id of next) {
      if (this.watchedIds.has(id)) continue
      const m = this.get(id)
      if (m === undefined) continue
      m.watched = true
      if (m.monitored) { m.resetDetector(); m.detectorHeartbeat() }
      this.watch(m)
    }
    this.watchedIds = next
  }

  /** The record of a member held (a view of its slot, member-record.ts), or undefined. */
  private get (peerId: string): MemberRecord | undefined {
    const slot = this.table.slotOf(peerId)
    return slot < 0 ? undefined : new MemberRecord(this.table.columns, slot, peerId)
  }

  private recordAt (slot: number): MemberRecord {
    return new MemberRecord(this.table.columns, slot, this.table.peerAt(slot))
  }

  /**
   * Queues the member at the earliest time the tick may have to act on it: a lower bound,
   * so it must be called after every change that can bring that time forward.
   */
  private watch (m: MemberRecord): void {
    this.due.schedule(m, this.dueKey(m))
  }

  /** The member's key in the due queue: its deadline, EARLY_MS early. */
  private dueKey (m: MemberRecord): number {
    return dueAtMs(m, this.opts) - EARLY_MS
  }

  private event (event: MembershipEvent): MembershipOutput {
    return { type: 'event', event }
  }
}

/** Whether `set` holds exactly the items of `list`, in its order. */
function sameOrder (list: readonly string[], set: ReadonlySet<string>): boolean {
  if (list.length !== set.size) return false
  let i = 0
  for (const item of set) if (item !== list[i++]) return false
  return true
}
