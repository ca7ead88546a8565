/**
 * The coordinator election: which node coordinates the cluster, in which term, for how long.
 *
 * A term-based leader election with no replicated log: randomized timeouts, one vote per node
 * per term, a strict majority of voters to win. Plus three extensions:
 * - pre-vote: a follower whose timer fires first asks "would you vote for me in
 *   term + 1?" without raising its term; only with a quorum of yeses does it stand. A node that
 *   was partitioned away or is rejoining cannot disrupt a healthy coordinator by raising terms;
 * - leader stickiness: a node that heard a live coordinator within `leaseMs`
 *   refuses pre-votes and votes, and does not even adopt the requester's term;
 * - check-quorum and a leader lease: the coordinator may act only while a quorum
 *   of voters acknowledged a heartbeat sent less than `leaseMs` ago. A minority side therefore
 *   has no coordinator (see `timing.ts` for the proof sketch of "at most one valid lease at any
 *   instant"; `lease.ts` keeps what backs the lease). Without a lease it stops acting but keeps
 *   its term and its heartbeats, and steps down only when no quorum acknowledged one sent within
 *   twice the election timeout (`checkQuorumMs`): a stall of its own, or of a majority of its
 *   followers, on a busy machine then costs no election; the acks renew its lease.
 * Terms and votes are persisted before anything that depends on them is sent,
 * so a restarted node never votes twice in a term. Split votes are made rare by ranking: the
 * shell's preferred node gets the shortest timeout. The voter set changes one member at a time
 * (single-member changes), so any two majorities of consecutive sets
 * overlap; `configVersion` lets a voter that knows a newer set refuse a candidate counting an
 * older one. There is no log, so the shell must let a change reach every live voter before the
 * next (what a log would do by committing the change). Learners are members the coordinator means
 * to add: it sends them heartbeats too, so they learn the voter set and the coordinator before they
 * count in any quorum, and the shell adds one only once it acknowledged holding the current set.
 * Every other member is a non-voter: it learns the coordinator and its term from the coordinator's
 * gossiped announcements (`learnCoordinator`), and names it until it hears none for
 * `announceTimeoutMs`.
 *
 * Pure: no I/O, no timers; time comes from the injected Clock and randomness from `random`.
 * Each input returns outputs that the shell performs in order (see `ElectionOutput`).
 */
import type { Clock } from '@kos/detect'
import type { ElectionEvent, ElectionMessage, ElectionOutput, ElectionRole, CoordinatorHeartbeat, PersistedElectionState, StepDownReason, VoteRequest } from './election-messages.js'
import { CoordinatorLease } from './lease.js'
import { resolveElectionOptions, type ElectionOptions, type ResolvedElectionOptions } from './options.js'
import { checkQuorumMs, electionTimeoutMs, fastFailoverAtMs, heartbeatDue, leaseRemaining, quorumSize, rankOf, trustsCoordinator } from './timing.js'

export class Election {
  readonly options: ResolvedElectionOptions
  private readonly clock: Clock
  private readonly random: () => number
  private currentTerm: number
  private votedForId: string | null
  private currentRole: ElectionRole = 'follower'
  /** The coordinator of the current term we know of (self when coordinator); null once lost. */
  private leader: string | null = null
  private leaderSinceMs: number | null = null
  /** The last coordinator we followed: not a contender when it fails, so not counted in our rank. */
  private notContender: string | null = null
  /** When we last heard a coordinator (or granted a vote): we refuse votes for leaseMs after. */
  private heardAtMs: number | null
  /** Election timer, before the rank offset (the ranking may change while it runs). */
  private timerBaseMs: number
  private voterIds: string[] = []
  private voterSet = new Set<string>()
  /** Non-voters the shell means to add: they get the coordinator's heartbeats (and acknowledge them) but count in no quorum. */
  private learnerIds: string[] = []
  private version = 0
  private ranking: readonly string[] = []
  private preVotes = new Set<string>()
  private votes = new Set<string>()
  private candidacyStartedAtMs = 0
  /** Coordinator only: the acks that back its lease (lease.ts). */
  private readonly lease: CoordinatorLease
  private lastHeartbeatAtMs: number | null = null
  /** rankOf(self) for the current ranking and notContender; null: recompute. */
  private rankCache: number | null = null

  constructor (opts: ElectionOptions, persisted: PersistedElectionState, clock: Clock, random: () => number) {
    this.options = resolveElectionOptions(opts)
    if (!Number.isSafeInteger(persisted.term) || persisted.term < 0) throw new RangeError(`persisted.term must be an integer >= 0, got ${persisted.term}`)
    this.clock = clock
    this.random = random
    this.lease = new CoordinatorLease(clock, this.options)
    this.currentTerm = persisted.term
    this.votedForId = persisted.votedFor
    // Before a crash this node may have acked a coordinator's lease: stay loyal for one lease.
    this.heardAtMs = clock.now()
    this.timerBaseMs = this.drawTimerBase(clock.now())
  }

  get selfId (): string { return this.options.selfId }
  get term (): number { return this.currentTerm }
  get votedFor (): string | null { return this.votedForId }
  get role (): ElectionRole { return this.currentRole }
  get voters (): readonly string[] { return this.voterIds }
  get quorum (): number { return quorumSize(this.voterIds.length) }
  get configVersion (): number { return this.version }

  /** The coordinator this node knows of: itself only while its lease holds; null if none. */
  get coordinatorId (): string | null {
    if (this.currentRole === 'coordinator') return this.leaseHolds(this.clock.now()) ? this.selfId : null
    return this.leader
  }

  /** Clock time at which the current coordinator was elected (by us) or learnt; null if none. */
  get since (): number | null { return this.coordinatorId === null ? null : this.leaderSinceMs }

  /**
   * Coordinator: how long it may still act. Follower: how long it keeps trusting the known
   * coordinator (and refusing votes). 0 when there is none.
   */
  leaseRemainingMs (): number {
    const now = this.clock.now()
    if (this.currentRole === 'coordinator') return leaseRemaining(this.leaseStart(), now, this.options.leaseMs)
    const trust = this.voterSet.has(this.selfId) ? this.options.leaseMs : this.nonVoterTrustMs()
    return this.leader === null ? 0 : leaseRemaining(this.heardAtMs, now, trust)
  }

  /** Fencing: a coordinator decision stamped with `term` is refused if a newer term was seen. */
  acceptDecision (term: number): boolean { return term >= this.currentTerm }

  /** The clock time of this core's next timer; a shell may tick then as well as periodically. */
  nextDeadlineMs (): number {
    if (this.currentRole !== 'coordinator' && !this.voterSet.has(this.selfId)) return (this.heardAtMs ?? this.clock.now()) + this.nonVoterTrustMs()
    if (this.currentRole !== 'coordinator') return this.electionDeadline()
    const hb = (this.lastHeartbeatAtMs ?? -Infinity) + this.options.heartbeatIntervalMs
    const start = this.leaseStart()
    return start === null ? hb : Math.min(hb, start + checkQuorumMs(this.options))
  }

  /**
   * The voter set: admitted members that are alive or suspect (not left or removed), self
   * included if this node votes. Change it one member at a time. `configVersion`, if the shell
   * numbers voter sets, only grows; votes are refused to candidates with an older one.
   */
  setVoters (ids: readonly string[], configVersion = this.version): ElectionOutput[] {
    if (configVersion < this.version) return [] // news older than what we hold
    const carried = this.currentRole === 'coordinator' ? this.leaseStart() : null
    const added = ids.some((id) => !this.voterSet.has(id))
    this.voterIds = [...new Set(ids)]
    this.voterSet = new Set(this.voterIds)
    this.lease.votersReplaced()
    this.version = Math.max(this.version, configVersion)
    const out: ElectionOutput[] = []
    const isVoter = this.voterSet.has(this.selfId)
    if (this.currentRole === 'coordinator') {
      if (!isVoter) {
        this.stepDown('not-a-voter', out)
      } else {
        // Single-server change: every quorum of the new set meets every quorum of the old one,
        // so the lease the old set granted still holds until it runs out; a new
        // voter gets a heartbeat at once, to join the lease.
        this.lease.carry(carried)
        if (added) this.sendHeartbeats(this.clock.now(), out)
      }
    } else if (this.currentRole !== 'follower') {
      if (!isVoter) this.currentRole = 'follower'
      else if (this.currentRole === 'pre-candidate' && this.hasQuorum(this.preVotes)) this.becomeCandidate(out)
      else if (this.currentRole === 'candidate' && this.hasQuorum(this.votes)) this.becomeCoordinator(out)
    }
    return out
  }

  /**
   * Members the shell means to make voters: while coordinator, this node heartbeats them like
   * voters, so they hold the voter set (and know the coordinator) before a change counts them.
   * Their acks never count towards the lease while they are not voters. Voters in `ids` are ignored.
   */
  setLearners (ids: readonly string[]): void { this.learnerIds = [...new Set(ids)] }

  /**
   * Voters in preference order (an eligible archon first, then lowest peer id among alive
   * members). The list is kept, not copied: pass one you will not change.
   */
  setRanking (order: readonly string[]): void {
    this.ranking = order
    this.rankCache = null
  }

  /**
   * Drives every timer; the shell calls it at nextDeadlineMs() (and at least every few ticks).
   * After a stall of its process, the shell runs it behind the input that queued up meanwhile
   * (late-tick.ts), so heartbeats and acks waiting in the socket count before a timeout is judged.
   */
  tick (): ElectionOutput[] {
    const now = this.clock.now()
    const out: ElectionOutput[] = []
    this.checkQuorum(now, out)
    if (this.currentRole === 'coordinator') {
      if (heartbeatDue(this.lastHeartbeatAtMs, now, this.options.heartbeatIntervalMs)) this.sendHeartbeats(now, out)
    } else if (!this.voterSet.has(this.selfId)) {
      // A non-voter stands in no election: it only stops naming a coordinator it stopped hearing.
      if (this.leader !== null && !trustsCoordinator(this.heardAtMs, now, this.nonVoterTrustMs())) {
        out.push(this.event({ type: 'coordinator:lost', previous: this.leader, term: this.currentTerm }))
        this.leader = null
      }
    } else if (now >= this.electionDeadline()) {
      if (this.leader !== null) {
        out.push(this.event({ type: 'coordinator:lost', previous: this.leader, term: this.currentTerm }))
        this.leader = null
      }
      this.startPreVote(now, out)
    }
    return out
  }

  /**
   * A non-voter heard `from` announce (by gossip, signed by it) that it coordinates `term`: it
   * follows it as a voter follows heartbeats, but acknowledges nothing and counts in no quorum.
   * A voter ignores announcements: it hears the coordinator itself, and its trust is what the
   * lease and the votes rest on. An older term than ours is stale news.
   */
  learnCoordinator (from: string, term: number): ElectionOutput[] {
    const out: ElectionOutput[] = []
    if (from === this.selfId || this.voterSet.has(this.selfId) || term < this.currentTerm) return out
    const now = this.clock.now()
    if (term > this.currentTerm) this.adoptTerm(term, now, out, true)
    this.follow(from, now, out)
    return out
  }

  /**
   * The connection to `peerId` dropped. If it is our coordinator, start the pre-vote as soon as
   * our trust in it ends instead of after the full election timeout (pre-vote keeps this safe:
   * nobody who still hears the coordinator grants it). A heartbeat cancels the hurry.
   */
  peerLost (peerId: string): ElectionOutput[] {
    if (this.currentRole === 'follower' && this.leader === peerId) {
      const fast = fastFailoverAtMs(this.heardAtMs ?? this.clock.now(), 0, this.random, this.options)
      this.timerBaseMs = Math.min(this.timerBaseMs, fast)
    }
    return []
  }

  /**
   * A message from `from` (the transport's authenticated sender). Check-quorum is the tick's: an
   * ack that waited in the socket through a stall counts before anything is judged.
   */
  receive (from: string, m: ElectionMessage): ElectionOutput[] {
    const now = this.clock.now()
    const out: ElectionOutput[] = []
    if (from === this.selfId) return out
    switch (m.type) {
      case 'pre-vote':
        out.push(this.send(from, { type: 'pre-vote-reply', term: m.term, granted: this.grantsPreVote(from, m.term, m.configVersion, now) }))
        break
      case 'pre-vote-reply':
        if (this.currentRole === 'pre-candidate' && m.term === this.currentTerm + 1 && m.granted && this.voterSet.has(from)) {
          this.preVotes.add(from)
          if (this.hasQuorum(this.preVotes)) this.becomeCandidate(out)
        }
        break
      case 'vote':
        this.onVoteRequest(from, m, now, out)
        break
      case 'vote-reply':
        if (m.term > this.currentTerm) this.adoptTerm(m.term, now, out, true)
        else if (this.currentRole === 'candidate' && m.term === this.currentTerm && m.granted && this.voterSet.has(from)) {
          this.votes.add(from)
          if (this.hasQuorum(this.votes)) this.becomeCoordinator(out)
        }
        break
      case 'heartbeat':
        this.onHeartbeat(from, m, now, out)
        break
      case 'heartbeat-ack':
        if (m.term > this.currentTerm) this.adoptTerm(m.term, now, out, true)
        else if (this.currentRole === 'coordinator' && m.term === this.currentTerm && m.ok) {
          this.lease.ack(from, m.sentAt)
        }
        break
    }
    return out
  }

  /** Grant a pre-vote if the proposed term is newer, or equal and we could still vote for it. */
  private grantsPreVote (from: string, term: number, configVersion: number, now: number): boolean {
    if (this.trusting(now) || configVersion < this.version || !this.voterSet.has(from)) return false
    if (term > this.currentTerm) return true
    return term === this.currentTerm && (this.votedForId === from || (this.votedForId === null && this.leader === null))
  }

  private onVoteRequest (from: string, m: VoteRequest, now: number, out: ElectionOutput[]): void {
    if (m.term < this.currentTerm) {
      out.push(this.send(from, { type: 'vote-reply', term: this.currentTerm, granted: false }))
      return
    }
    const adopt = m.term > this.currentTerm
    if (adopt) {
      // Stickiness: while we hear a live coordinator, a vote request neither moves our term nor
      // gets an answer.
      if (this.trusting(now)) return
      this.adoptTerm(m.term, now, out)
    }
    const alreadyFor = this.votedForId === from
    const grant = alreadyFor || (this.votedForId === null && !this.trusting(now) && m.configVersion >= this.version && this.voterSet.has(from))
    if (grant) {
      this.votedForId = from
      // A granted vote is a promise like an acked heartbeat: no other vote for one lease.
      this.heardAtMs = now
      this.timerBaseMs = this.drawTimerBase(now)
    }
    // The new term, the vote, or both: one synced write before the answer goes out.
    if (adopt || (grant && !alreadyFor)) out.push(this.persist())
    out.push(this.send(from, { type: 'vote-reply', term: this.currentTerm, granted: grant }))
  }

  private onHeartbeat (from: string, m: CoordinatorHeartbeat, now: number, out: ElectionOutput[]): void {
    if (m.term < this.currentTerm) {
      out.push(this.send(from, { type: 'heartbeat-ack', term: this.currentTerm, sentAt: m.sentAt, ok: false }))
      return
    }
    if (m.term > this.currentTerm) this.adoptTerm(m.term, now, out, true)
    if (this.currentRole === 'coordinator') return // same term: cannot happen (one vote per term)
    this.follow(from, now, out)
    out.push(this.send(from, { type: 'heartbeat-ack', term: this.currentTerm, sentAt: m.sentAt, ok: true }))
  }

  /** `from` coordinates our current term, and we heard it now. */
  private follow (from: string, now: number, out: ElectionOutput[]): void {
    this.currentRole = 'follower'
    if (this.leader !== from) {
      this.leader = from
      this.leaderSinceMs = now
      this.notContender = from
      this.rankCache = null
      out.push(this.event({ type: 'coordinator:elected', coordinatorId: from, term: this.currentTerm }))
    }
    this.heardAtMs = now
    this.timerBaseMs = this.drawTimerBase(now)
  }

  /** How long a non-voter names a coordinator it no longer hears; a learner hears heartbeats too. */
  private nonVoterTrustMs (): number { return Math.max(this.options.announceTimeoutMs, this.options.leaseMs) }

  private startPreVote (now: number, out: ElectionOutput[]): void {
    this.timerBaseMs = this.drawTimerBase(now)
    if (this.trusting(now)) return // defensive: our own trust must end before we stand
    this.currentRole = 'pre-candidate'
    this.preVotes = new Set([this.selfId])
    this.votes.clear()
    const ask: ElectionMessage = { type: 'pre-vote', term: this.currentTerm + 1, configVersion: this.version }
    for (const id of this.others()) out.push(this.send(id, ask))
    if (this.hasQuorum(this.preVotes)) this.becomeCandidate(out)
  }

  private becomeCandidate (out: ElectionOutput[]): void {
    const now = this.clock.now()
    this.currentTerm += 1
    this.votedForId = this.selfId
    this.currentRole = 'candidate'
    this.leader = null
    this.votes = new Set([this.selfId])
    this.candidacyStartedAtMs = now
    this.timerBaseMs = this.drawTimerBase(now)
    out.push(this.persist())
    const ask: ElectionMessage = { type: 'vote', term: this.currentTerm, configVersion: this.version }
    for (const id of this.others()) out.push(this.send(id, ask))
    if (this.hasQuorum(this.votes)) this.becomeCoordinator(out)
  }

  private becomeCoordinator (out: ElectionOutput[]): void {
    const now = this.clock.now()
    this.currentRole = 'coordinator'
    this.leader = this.selfId
    this.leaderSinceMs = now
    this.notContender = this.selfId
    this.rankCache = null
    // Each voter promised loyalty from its grant on, which came after our request: the first lease.
    this.lease.begin(this.votes, this.candidacyStartedAtMs)
    this.lastHeartbeatAtMs = null
    out.push(this.event({ type: 'coordinator:elected', coordinatorId: this.selfId, term: this.currentTerm }))
    this.sendHeartbeats(now, out)
  }

  private sendHeartbeats (now: number, out: ElectionOutput[]): void {
    this.lastHeartbeatAtMs = now
    const hb: ElectionMessage = { type: 'heartbeat', term: this.currentTerm, sentAt: now }
    for (const id of this.others()) out.push(this.send(id, hb))
    for (const id of this.learnerIds) if (id !== this.selfId && !this.voterSet.has(id)) out.push(this.send(id, hb))
  }

  private checkQuorum (now: number, out: ElectionOutput[]): void {
    if (this.currentRole === 'coordinator' && !this.lease.holds(now, this.voterIds, checkQuorumMs(this.options))) this.stepDown('lease-expired', out)
  }

  private stepDown (reason: StepDownReason, out: ElectionOutput[]): void {
    this.currentRole = 'follower'
    this.leader = null
    this.lease.end()
    this.timerBaseMs = this.drawTimerBase(this.clock.now())
    out.push(this.event({ type: 'coordinator:stepped-down', term: this.currentTerm, reason }))
  }

  /** A newer term: adopt it and follow; `persist` unless the caller persists it with a vote. */
  private adoptTerm (term: number, now: number, out: ElectionOutput[], persist = false): void {
    if (this.currentRole === 'coordinator') this.stepDown('higher-term', out)
    this.currentTerm = term
    this.votedForId = null
    this.currentRole = 'follower'
    this.leader = null
    this.timerBaseMs = this.drawTimerBase(now)
    if (persist) out.push(this.persist())
  }

  /** We refuse to help unseat a coordinator we heard within the lease (or are, while we are). */
  private trusting (now: number): boolean {
    return this.currentRole === 'coordinator' || trustsCoordinator(this.heardAtMs, now, this.options.leaseMs)
  }

  private leaseHolds (now: number): boolean { return this.lease.holds(now, this.voterIds) }
  private leaseStart (): number | null { return this.lease.start(this.voterIds) }

  private electionDeadline (): number {
    this.rankCache ??= rankOf(this.selfId, this.ranking, this.notContender)
    return this.timerBaseMs + this.rankCache * this.options.rankStepMs
  }

  private drawTimerBase (now: number): number { return now + electionTimeoutMs(0, this.random, this.options) }

  private hasQuorum (ids: Set<string>): boolean {
    let n = 0
    for (const id of ids) if (this.voterSet.has(id)) n++
    return n >= this.quorum
  }

  private others (): string[] { return this.voterIds.filter((id) => id !== this.selfId) }
  private persist (): ElectionOutput { return { type: 'persist', term: this.currentTerm, votedFor: this.votedForId } }
  private send (to: string, message: ElectionMessage): ElectionOutput { return { type: 'send', to, message } }
  private event (event: ElectionEvent): ElectionOutput { return { type: 'event', event } }
}
