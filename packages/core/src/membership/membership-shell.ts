/**
 * The membership shell: runs the pure `Membership` state machine over the transport seam, the
 * same code in the node (on libp2p) and in the simulator. It owns the timers (tick with stall
 * detection, heartbeat, push/pull), turns gossip and sync messages into inputs, and performs
 * the outputs in order (publish notices, notify a member by a sync holding one entry, run
 * probes: a direct ping and pings through k helpers, emit events).
 *
 * Keeping the mesh connected (bootstrap with retry, redials of members that are not connected)
 * is the transport owner's: the node dials multiaddrs (membership/node-membership.ts), the
 * simulator has links that are up or cut. `sync` is the one entry point both use to join.
 */
import type { HealthSummary } from '../vocabulary/health.js'
import type { Cancel, RequestOptions, ShellLog, Timers, Transport } from '../transport/transport.js'
import { MAX_SYNC_SUMMARIES, WIRE_VERSION, type Heartbeat, type MemberNotice, type MemberSnapshot, type ProbeRequest, type ProbeResponse, type SyncMessage } from '../wire/messages.js'
import type { MemberTable } from './member-table.js'
import { foreignRaise, Membership } from './membership.js'
import type { MembershipChannels } from './membership-channels.js'
import { healthGossipDue, healthNews } from './health-change.js'
import { NewMemberBudget } from './new-member-budget.js'
import { differingBuckets } from './table-digest.js'
import type { MemberClaim, MembershipEvent, MembershipOptions, MembershipOutput } from './types.js'

/** Members held dead that a node which refuted its own death exchanges tables with (reachTheHeldDead). */
export const HEAL_FANOUT = 3
/** With bounded monitors: heartbeats after news of state that gossip the summary again (gossipHealth). */
export const STATE_NEWS_REPEATS = 2
/** Push/pulls a joiner runs at most to fetch the summaries its join left out (fetchSummaries). */
export const MAX_SUMMARY_PULLS = 64
/** Push/pulls with a member held dead per `pushPullIntervalMs` (reconnectDead): every 5 s by default. */
export const RECONNECT_PER_PUSH_PULL = 6

export interface MembershipShellInit {
  /** The core's options: who this node is, its detector and timing rules. */
  membership: MembershipOptions
  tickIntervalMs: number
  heartbeatIntervalMs: number
  pushPullIntervalMs: number
  /** A tick this much later than scheduled means this node's own event loop stalled. */
  localStallThresholdMs: number
  /** The deadline of a state sync (the config's `dialTimeoutMs`). */
  syncTimeoutMs: number
  /** How many members one peer may introduce per sync, and per minute (new-member-budget.ts). */
  syncMaxNewMembers: number
  syncMaxNewMembersPerMinute: number
  /**
   * With bounded monitors (`membership.monitorsPerMember` > 0, monitor-ring.ts): heartbeats go
   * only to the node's monitors, and the health summary is gossiped to all when it changes, at
   * most this often (health-change.ts).
   */
  healthGossipIntervalMs?: number
  /** Where the core keeps its members' hot fields; by default a table of its own (member-table.ts). */
  table?: MemberTable
}

export interface MembershipCounters {
  heartbeatSent: () => void
  heartbeatReceived: () => void
  newMembersRefused: (n: number) => void
  claimsRefused: (n: number) => void
}

export interface MembershipShellComponents {
  transport: Transport
  channels: MembershipChannels
  timers: Timers
  random: () => number
  log: ShellLog
  /** This node's health summary, sampled when a heartbeat is sent. */
  healthSummary: (incarnation: number) => HealthSummary
  /** The addresses heartbeats carry; an empty list keeps the ones the core holds. */
  selfAddrs: () => string[]
  /** The single event path. */
  emit: (event: MembershipEvent) => void
  counters?: MembershipCounters
  /** After a batch of outputs that held a `member:*` event. */
  onMembersChanged?: () => void
  /** After every tick: the owner keeps its connections (redials, bootstrap). */
  afterTick?: () => void
}

export class MembershipShell {
  readonly core: Membership
  private readonly c: MembershipShellComponents
  private readonly init: MembershipShellInit
  private readonly newMembers: NewMemberBudget
  private readonly cancels: Cancel[] = []
  private lastTickAtMs = 0
  private running = false
  /** Bounded monitors: further heartbeats that gossip the summary after news of state. */
  private stateRepeats = 0
  /** Bounded monitors: the health summary last gossiped, and when. */
  private lastHealth: HealthSummary | null = null
  private lastHealthAtMs: number | null = null
  /** Bounded monitors: the version of the summary last gossiped (summary-version.ts); 0: none yet. */
  private summaryVersion = 0

  constructor (components: MembershipShellComponents, init: MembershipShellInit) {
    this.c = components
    this.init = init
    const clock = components.timers.clock
    this.newMembers = new NewMemberBudget(init.syncMaxNewMembers, init.syncMaxNewMembersPerMinute, clock)
    this.core = new Membership(init.membership, clock, components.random, init.table)
  }

  get isRunning (): boolean { return this.running }

  start (): void {
    const { transport, channels, timers } = this.c
    this.running = true
    this.cancels.push(transport.subscribe(channels.heartbeats, (from, hb) => { this.onHeartbeat(from, hb) }))
    this.cancels.push(transport.listen(channels.beats, (from, hb) => { this.onHeartbeat(from, hb) }))
    this.cancels.push(transport.subscribe(channels.notices, (from, n) => { this.onNotice(from, n) }))
    this.cancels.push(transport.onPeerLost((peer) => { if (this.running) this.apply(this.core.onConnectionLost(peer)) }))
    this.cancels.push(transport.serve(channels.probe, (_from, req, reply) => { this.onProbeRequest(req, reply) }))
    this.cancels.push(transport.serve(channels.sync, (from, msg, reply) => { reply(this.onSyncRequest(from, msg)) }))
    this.lastTickAtMs = timers.clock.now()
    this.cancels.push(timers.every(this.init.tickIntervalMs, () => { this.tick() }))
    this.cancels.push(timers.every(this.init.heartbeatIntervalMs, () => { this.sendHeartbeat() }))
    this.cancels.push(timers.every(this.init.pushPullIntervalMs, () => { this.pushPull() }))
    this.cancels.push(timers.every(Math.max(this.init.tickIntervalMs, Math.round(this.init.pushPullIntervalMs / RECONNECT_PER_PUSH_PULL)), () => { this.reconnectDead() }))
    this.sendHeartbeat()
  }

  stop (): void {
    if (!this.running) return
    this.running = false
    for (const cancel of this.cancels.splice(0)) cancel()
  }

  /** Graceful leave: broadcast `left`; heartbeats stop. */
  leave (): void {
    if (this.core.isLeaving) return
    this.apply(this.core.leave())
  }

  /** Members learnt without a sync (a simulated cluster that starts formed), outputs performed. */
  learn (members: MemberSnapshot[], from: string): void {
    this.apply(this.core.onSync(members, from))
  }

  /**
   * A full table exchange with `peer`. To a member (push/pull) it goes through the peer's sync
   * breaker; a join's, over a link just opened, does not (`breaker` undefined): the join has just
   * shown the peer reachable. `done` gets the error if it failed.
   */
  sync (peer: string, breaker: RequestOptions['breaker'], done: (error?: Error) => void): void {
    const body: SyncMessage = { v: WIRE_VERSION, t: 'sync', members: this.core.snapshot() }
    const options: RequestOptions = breaker === undefined ? { timeoutMs: this.init.syncTimeoutMs } : { timeoutMs: this.init.syncTimeoutMs, breaker }
    this.c.transport.request(this.c.channels.sync, peer, body, options, (answer, err) => {
      if (answer === undefined) { done(err ?? new Error('no answer')); return }
      if (this.running) {
        this.apply(this.core.onSync(this.admitted(answer.members, peer), peer))
        const alive = this.core.alivePeerIds().length
        this.fetchSummaries(Math.min(MAX_SUMMARY_PULLS, Math.ceil(alive / MAX_SYNC_SUMMARIES) + 2), peer)
      }
      done()
    })
  }

  /**
   * After a join, with bounded monitors: the members' summaries, which a join's answer leaves
   * out, pulled by push/pull from random members (each answer carries at most
   * MAX_SYNC_SUMMARIES, whole buckets), one after another while the last brought some, at most
   * `rounds` times. The load of a restart is spread over a few members rather than its bootstrap peer.
   */
  private fetchSummaries (rounds: number, fallback: string): void {
    if (!this.running || rounds <= 0 || this.core.monitors() === null) return
    // Not the peer we joined through, which has just sent the table, while there is another: a
    // connected one if any (right after a join there is often none), else any alive member.
    const alive = this.core.alivePeerIds().filter((id) => id !== fallback)
    const connected = alive.filter((id) => this.c.transport.isConnected(id))
    const from = connected.length > 0 ? connected : alive
    const peer = from[Math.floor(this.c.random() * from.length)] ?? fallback
    // A pull only: our table is what the join just brought, and our own summary goes by gossip.
    this.pushPullWith(peer, (brought) => { if (brought) this.fetchSummaries(rounds - 1, fallback) }, false)
  }

  /**
   * Asks `peer` for its health summary as it is now (a new coordinator wants every member's
   * services report before it moves anything): a sync request holding our entry of it, which it
   * answers with its own entry and current summary, merged here. `done(true)` once merged.
   */
  askSummary (peer: string, done: (answered: boolean) => void): void {
    const m = this.core.member(peer)
    if (!this.running || m === undefined) { done(false); return }
    const entry: MemberSnapshot = { state: m.state, peerId: peer, incarnation: m.incarnation, name: m.name, role: m.role, addrs: [...m.addrs] }
    const body: SyncMessage = { v: WIRE_VERSION, t: 'sync', members: [entry] }
    this.c.transport.request(this.c.channels.sync, peer, body, { timeoutMs: this.init.syncTimeoutMs, breaker: 'sync' }, (answer, err) => {
      if (answer === undefined || !this.running) { this.c.log.debug({ err, peer }, 'summary not fetched'); done(false); return }
      this.apply(this.core.onSync(this.admitted(answer.members, peer), peer))
      done(answer.members.some((e) => e.peerId === peer))
    })
  }

  /** Sends a heartbeat now (after a join, so the new peers hear of us at once). */
  sendHeartbeat (): void {
    if (!this.running || this.core.isLeaving) return
    const incarnation = this.core.selfIncarnation
    const addrs = this.c.selfAddrs()
    if (addrs.length > 0) this.core.setSelfAddrs(addrs)
    const hb: Heartbeat = { v: WIRE_VERSION, t: 'heartbeat', incarnation, addrs, health: this.c.healthSummary(incarnation) }
    const monitors = this.core.monitors()
    if (monitors === null) this.c.transport.publish(this.c.channels.heartbeats, hb)
    else {
      // A monitor needs the beat, not the summary (which travels by gossip): no detail, services
      // or addresses, which a receiver keeps from before when a heartbeat leaves them out.
      const h = hb.health
      const health: HealthSummary = { name: h.name, role: h.role, incarnation, version: h.version, uptimeMs: h.uptimeMs, mode: h.mode }
      if (h.zone !== undefined) health.zone = h.zone
      const beat: Heartbeat = { v: WIRE_VERSION, t: 'heartbeat', incarnation, addrs: [], health }
      for (let i = 0; i < monitors.length; i++) this.c.transport.send(this.c.channels.beats, monitors[i]!, beat)
      this.gossipHealth(hb, false)
    }
    this.c.counters?.heartbeatSent()
  }

  /**
   * After a join: gossip our own alive claim once. A restarted member is known (dead) to the peer
   * it rejoins through, which announces only members new to it; with bounded monitors its
   * heartbeats reach only its monitors, so it says it is back itself.
   */
  announceSelf (): void {
    if (!this.running || this.core.isLeaving) return
    this.publishClaim(this.core.selfClaim())
    // And our summary, which with bounded monitors the members learn only by gossip.
    this.regossipHealth()
  }

  /** Bounded monitors: our health summary to everyone now, whatever was gossiped last. */
  private regossipHealth (): void {
    if (this.core.monitors() === null || this.core.isLeaving) return
    const incarnation = this.core.selfIncarnation
    this.gossipHealth({ v: WIRE_VERSION, t: 'heartbeat', incarnation, addrs: this.c.selfAddrs(), health: this.c.healthSummary(incarnation) }, true)
  }

  /**
   * A cluster that starts formed (the simulator's warm start): every member already holds our
   * summary as it is now, gossiped `ageMs` ago, so it is news only once it changes or is due
   * for its refresh (a random age spreads the refreshes as a running cluster's are).
   */
  healthKnown (ageMs: number): void {
    const incarnation = this.core.selfIncarnation
    this.lastHealth = { ...this.c.healthSummary(incarnation) }
    this.lastHealthAtMs = this.c.timers.clock.now() - ageMs
  }

  /**
   * Bounded monitors: the health summary to everyone by gossip when it changed: its state at the
   * next heartbeat, its figures at most once per `healthGossipIntervalMs`, and refreshed after a
   * long while (health-change.ts).
   * `hb` is the heartbeat just sent to the monitors; `force` gossips it whatever it holds.
   */
  private gossipHealth (hb: Heartbeat, force: boolean): void {
    const interval = this.init.healthGossipIntervalMs
    if (interval === undefined) return
    const now = this.c.timers.clock.now()
    const news = this.lastHealth === null ? 'state' : healthNews(this.lastHealth, hb.health)
    // News of state goes out again with the next heartbeats too: gossip that misses a peer (a
    // mesh still forming) is not repaired by the next heartbeat, as it was with every heartbeat gossiped.
    if (news === 'state') this.stateRepeats = STATE_NEWS_REPEATS
    else if (!force && this.stateRepeats > 0) this.stateRepeats--
    else if (!force && !healthGossipDue(this.lastHealthAtMs, now, interval, news, this.core.ringSize)) return
    // A copy: the summary object may be the caller's, refilled in place for the next heartbeat.
    // Each summary gossiped is a new version of it (summary-version.ts).
    const health: HealthSummary = { ...hb.health, summaryVersion: ++this.summaryVersion }
    // What the members hold after it: a summary without the detail (a degraded node's) keeps the
    // detail gossiped before (mergeSummary). Compared with the bare one, the next detailed
    // summary would be news of state every time, and a degraded cluster would gossip itself busier.
    const held = this.lastHealth !== null && health.agents === undefined && this.lastHealth.incarnation === health.incarnation
      ? { ...this.lastHealth, ...health }
      : health
    this.lastHealth = held
    this.lastHealthAtMs = now
    this.core.setOwnSummary(held)
    this.c.transport.publish(this.c.channels.heartbeats, { ...hb, health })
  }

  /**
   * Our own entry for an answer about us: with bounded monitors, with our summary, gossiped first
   * if its state changed since the last one gossiped (so the answer and the gossip agree, and
   * the answer is what we run now).
   */
  private ownEntry (): MemberSnapshot {
    if (this.init.healthGossipIntervalMs !== undefined && this.core.monitors() !== null && !this.core.isLeaving) {
      const incarnation = this.core.selfIncarnation
      const hb: Heartbeat = { v: WIRE_VERSION, t: 'heartbeat', incarnation, addrs: this.c.selfAddrs(), health: this.c.healthSummary(incarnation) }
      // (A new incarnation, after a refutation, goes out with the next heartbeat as usual.)
      if (this.lastHealth !== null && this.lastHealth.incarnation === incarnation && healthNews(this.lastHealth, hb.health) === 'state') this.gossipHealth(hb, true)
    }
    return this.core.selfSnapshot(true)
  }

  private onHeartbeat (from: string, hb: Heartbeat): void {
    if (!this.running) return
    this.c.counters?.heartbeatReceived()
    this.apply(this.core.onHeartbeat(from, hb.incarnation, hb.addrs, hb.health))
  }

  private onNotice (from: string, n: MemberNotice): void {
    if (!this.running) return
    const claim: MemberClaim = { state: n.state, target: n.target, incarnation: n.incarnation, name: n.name, role: n.role, addrs: n.addrs }
    if (this.c.counters !== undefined) this.countForeignRaises([claim], from)
    this.apply(this.core.onClaim(claim, from))
  }

  private tick (): void {
    if (!this.running) return
    const now = this.c.timers.clock.now()
    // A tick far later than scheduled means our own event loop stalled (or we were stopped).
    const lateBy = now - this.lastTickAtMs - this.init.tickIntervalMs
    this.lastTickAtMs = now
    if (lateBy > this.init.localStallThresholdMs) this.apply(this.core.onLocalStall(lateBy))
    this.apply(this.core.tick())
    this.c.afterTick?.()
  }

  private apply (outputs: readonly MembershipOutput[]): void {
    let changed = false
    let refutedDeath = false
    // An index loop: this runs for every delivery, and an iterator each time is garbage.
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs[i]!
      switch (out.type) {
        case 'broadcast':
          this.publishClaim(out.claim)
          break
        case 'notify':
          this.notify(out.to, out.claim)
          break
        case 'probe': {
          const target = out.target
          this.probe(target, out.via, (reachable) => { if (this.running) this.apply(this.core.onProbeResult(target, reachable)) })
          break
        }
        case 'event':
          if (out.event.type.startsWith('member:')) changed = true
          if (out.event.type === 'member:refuted' && out.event.claim === 'dead') refutedDeath = true
          this.c.emit(out.event)
          break
      }
    }
    if (changed) this.c.onMembersChanged?.()
    if (refutedDeath && this.running) {
      this.reachTheHeldDead()
      // Those that held us dead (across a partition, say) missed our summaries meanwhile.
      this.regossipHealth()
    }
  }

  private publishClaim (claim: MemberClaim): void {
    const notice: MemberNotice = { v: WIRE_VERSION, t: 'notice', ...claim }
    this.c.transport.publish(this.c.channels.notices, notice)
  }

  /**
   * One claim to one member, as a sync request holding just that entry: it applies the claim
   * (refuting it, if it is about itself) and answers with its table, which we merge. Through the
   * peer's sync breaker: while it is open the notice fails fast; it is sent again on a later
   * heartbeat (rebroadcastDue), and the first after the half-open wait is the trial that reaches it.
   */
  private notify (to: string, claim: MemberClaim): void {
    const entry: MemberSnapshot = { state: claim.state, peerId: claim.target, incarnation: claim.incarnation, name: claim.name, role: claim.role, addrs: claim.addrs }
    const body: SyncMessage = { v: WIRE_VERSION, t: 'sync', members: [entry] }
    this.c.transport.request(this.c.channels.sync, to, body, { timeoutMs: this.init.syncTimeoutMs, breaker: 'sync' }, (answer, err) => {
      if (answer === undefined) { this.c.log.debug({ err, to, claim: claim.state }, 'notice to the member not delivered'); return }
      if (this.running) this.apply(this.core.onSync(answer.members, to))
    })
  }

  /**
   * The probe: a direct ping and a ping-req (an indirect ping) through each helper; reachable as
   * soon as any path answers, unreachable when all have failed (each within the probe timeout). A
   * helper's "unreachable" is an answer, and an open breaker fails its path at once, as a refused
   * dial would.
   */
  private probe (target: string, via: readonly string[], done: (reachable: boolean) => void): void {
    let pending = 1 + via.length
    let settled = false
    const path = (ok: boolean): void => {
      if (settled) return
      if (ok) { settled = true; done(true) } else if (--pending === 0) { settled = true; done(false) }
    }
    const timeoutMs = this.init.membership.probeTimeoutMs
    this.c.transport.ping(target, timeoutMs, path)
    for (let i = 0; i < via.length; i++) {
      const req: ProbeRequest = { v: WIRE_VERSION, t: 'probe', target }
      this.c.transport.request(this.c.channels.probe, via[i]!, req, { timeoutMs, breaker: 'probe' }, (ack) => {
        path(ack !== undefined && ack.target === target && ack.reachable)
      })
    }
  }

  /** Serves a ping-req: pings the target on the asker's behalf, a little inside its deadline. */
  private onProbeRequest (req: ProbeRequest, reply: (answer: ProbeResponse) => void): void {
    this.c.transport.ping(req.target, Math.floor(this.init.membership.probeTimeoutMs * 0.8), (reachable) => {
      reply({ v: WIRE_VERSION, t: 'probe-ack', target: req.target, reachable })
    })
  }

  private onSyncRequest (from: string, msg: SyncMessage): SyncMessage {
    // Push/pull's first half: the entries of the buckets whose digests differ, and which those are.
    if (msg.digest !== undefined) {
      const answer = this.core.snapshotIn(differingBuckets(this.core.digest(), msg.digest), MAX_SYNC_SUMMARIES)
      return { v: WIRE_VERSION, t: 'sync', members: answer.members, buckets: answer.buckets }
    }
    const known = this.core.member(from) !== undefined
    if (this.running) this.apply(this.core.onSync(this.admitted(msg.members, from), from))
    // A notice about us alone (notify): our own entry answers it, refuted if it had to be. The
    // whole table was the busiest sender of a large cluster: a member back from a pause answered
    // every member that held it dead with all of it.
    // With bounded monitors the entry carries our summary: a new coordinator asks for it (askSummary).
    if (msg.members.length === 1 && msg.members[0]!.peerId === this.core.selfId) return { v: WIRE_VERSION, t: 'sync', members: [this.ownEntry()] }
    // Push/pull's second half: the asker's entries of the buckets that differed; nothing to answer.
    if (msg.buckets !== undefined) return { v: WIRE_VERSION, t: 'sync', members: [], buckets: [] }
    // A new member joined through us: announce it at once rather than waiting for its heartbeats
    // to find their way through the mesh.
    const joiner = this.core.member(from)
    if (this.running && !known && joiner !== undefined && joiner.state === 'alive') {
      this.publishClaim({ state: 'alive', target: from, incarnation: joiner.incarnation, name: joiner.name, role: joiner.role, addrs: joiner.addrs })
    }
    // A join: our table, without the summaries (with bounded monitors the joiner pulls them from
    // random members, fetchSummaries: a restart's join no longer costs its bootstrap peer every
    // summary, ~400 KB at 1,000 members).
    return { v: WIRE_VERSION, t: 'sync', members: this.core.snapshot() }
  }

  /**
   * Push/pull with one random alive member we hold a link to, by digests
   * (table-digest.ts): our digest out, their entries of the buckets that differ back, then ours
   * of those buckets out. Two tables that agree cost two small messages.
   */
  private pushPull (): void {
    if (!this.running) return
    const candidates = this.core.alivePeerIds().filter((id) => this.c.transport.isConnected(id))
    const peer = candidates[Math.floor(this.c.random() * candidates.length)]
    if (peer !== undefined) this.pushPullWith(peer)
  }

  /**
   * Push/pull with one member held dead (a reconnect attempt to a failed member), every
   * `pushPullIntervalMs / RECONNECT_PER_PUSH_PULL`. After a partition heals the two sides hold
   * each other dead and, with bounded monitors, hear no heartbeat from across; an exchange with
   * one of them makes both refute (each names the other dead), and reachTheHeldDead spreads it.
   * A member that is really gone costs a small request that fails (through its sync breaker).
   */
  private reconnectDead (): void {
    if (!this.running) return
    const dead = this.core.deadPeerIds()
    const peer = dead[Math.floor(this.c.random() * dead.length)]
    if (peer !== undefined) this.pushPullWith(peer)
  }

  /**
   * We were declared dead and refuted: perhaps a partition has just healed, and the members we
   * hold dead are on its other side, holding us (and our side) dead. An exchange with a few of
   * them makes them refute in turn, and each of those reaches a few more: the heal spreads in a
   * few round trips, not a push/pull period per member.
   */
  private reachTheHeldDead (): void {
    const dead = this.core.deadPeerIds()
    for (let i = 0; i < HEAL_FANOUT && dead.length > 0; i++) {
      const j = Math.floor(this.c.random() * dead.length)
      this.pushPullWith(dead[j]!)
      dead.splice(j, 1)
    }
  }

  /**
   * `then(brought)`: after the answer was taken, whether it carried summaries and named buckets
   * that differ; `pushBack` false: a pull alone.
   */
  private pushPullWith (peer: string, then?: (brought: boolean) => void, pushBack = true): void {
    const failed = (err: Error | undefined): void => { this.c.log.debug({ err, peer }, 'push/pull failed') }
    const options: RequestOptions = { timeoutMs: this.init.syncTimeoutMs, breaker: 'sync' }
    const ask: SyncMessage = { v: WIRE_VERSION, t: 'sync', members: [], digest: this.core.digest() }
    this.c.transport.request(this.c.channels.sync, peer, ask, options, (answer, err) => {
      if (answer === undefined) { failed(err); return }
      if (!this.running) return
      this.apply(this.core.onSync(this.admitted(answer.members, peer), peer))
      const buckets = answer.buckets ?? []
      then?.(buckets.length > 0 && answer.members.some((e) => e.health !== undefined))
      if (buckets.length === 0 || !pushBack) return
      const mine = this.core.snapshotIn(buckets, MAX_SYNC_SUMMARIES)
      const push: SyncMessage = { v: WIRE_VERSION, t: 'sync', members: mine.members, buckets: mine.buckets }
      this.c.transport.request(this.c.channels.sync, peer, push, options, (ack, err2) => { if (ack === undefined) failed(err2) })
    })
  }

  /** Claims that raise another member's incarnation, which the core refuses (foreignRaise): counted. */
  private countForeignRaises (claims: ReadonlyArray<Pick<MemberClaim, 'target' | 'incarnation'>>, by: string): void {
    // A member view per claim: only worth building for a counter (the simulator keeps none).
    if (this.c.counters === undefined) return
    let n = 0
    for (const c of claims) if (c.target !== this.core.selfId && foreignRaise(c, by, this.core.member(c.target)?.incarnation)) n++
    if (n > 0) this.c.counters?.claimsRefused(n)
  }

  /** The entries of a sync `from` may make us act on (new-member-budget.ts); the rest are counted and dropped. */
  private admitted (members: MemberSnapshot[], from: string): MemberSnapshot[] {
    if (this.c.counters !== undefined) this.countForeignRaises(members.map((m) => ({ target: m.peerId, incarnation: m.incarnation })), from)
    const r = this.newMembers.admit(members, (id) => id === this.core.selfId || this.core.member(id) !== undefined, from)
    if (r.refused > 0) {
      this.c.counters?.newMembersRefused(r.refused)
      this.c.log.warn({ from, refused: r.refused }, 'sync named more new members than one peer may introduce; the rest were dropped')
    }
    return r.admitted
  }
}
