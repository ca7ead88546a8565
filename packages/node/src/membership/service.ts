/**
 * The membership shell: runs the pure `Membership` state machine on real libp2p. It owns the
 * timers (tick, heartbeat, push/pull), turns gossip and stream messages into inputs, and
 * performs the outputs (publish notices, run probes, emit events). It also keeps the mesh
 * connected: bootstrap joins with retry, and redials of known members that are not connected.
 */
import type { Clock } from '@kos/detect'
import type { Connection, Message, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import type { HealthSummary, JoinResponse } from '@kos/client'
import type { KosConfig } from '../config/schema.js'
import type { KosLibp2p } from '../net/host.js'
import type { PeerBreakers } from '../net/peer-breakers.js'
import { RedialSchedule } from '../net/redial.js'
import { syncProtocolId } from '../net/protocol-version.js'
import { handle, request } from '../net/streams.js'
import { decodeMessage, encodeMessage, syncSchema, WIRE_VERSION, type MemberNotice, type MemberSnapshot } from '@kos/core'
import { installValidators, membershipTopics, type GossipCounters, type MembershipTopics } from './gossip.js'
import { foreignRaise, Membership, type MemberClaim, type MembershipEvent, type MembershipOutput } from '@kos/core'
import { NewMemberBudget } from '@kos/core'
import { Prober } from './probes.js'

/** A whole member table of 10,000 members fits. */
export const MAX_SYNC_BYTES = 4 * 1024 * 1024

export interface MembershipServiceComponents {
  libp2p: KosLibp2p
  config: KosConfig
  clock: Clock
  log: Logger
  counters: GossipCounters & { heartbeatSent: () => void, heartbeatReceived: () => void, newMembersRefused: (n: number) => void, claimsRefused: (n: number) => void }
  /** The single event path of the node. */
  emit: (event: MembershipEvent) => void
  /** This node's health summary, sampled when a heartbeat is sent. */
  healthSummary: (incarnation: number) => HealthSummary
  initialIncarnation: number
  /** The node's breakers per peer: probes go through `probe`, syncs to a member through `sync`. */
  breakers: PeerBreakers
}

export interface BootstrapStatus {
  addrs: string[]
  joined: boolean
  attempts: number
  lastError: string | null
}

export class MembershipService {
  readonly core: Membership
  private readonly c: MembershipServiceComponents
  private readonly topics: MembershipTopics
  private readonly syncProtocol: string
  private readonly prober: Prober
  private readonly newMembers: NewMemberBudget
  private readonly redial: RedialSchedule
  private readonly peerIds = new Map<string, PeerId>()
  private readonly timers: NodeJS.Timeout[] = []
  private decoded: ((msg: Message) => ReturnType<ReturnType<typeof installValidators>>) | undefined
  private lastTickAtMs = 0
  private running = false
  private readonly bootstrap: BootstrapStatus

  constructor (components: MembershipServiceComponents) {
    this.c = components
    const { config, libp2p, clock } = components
    this.topics = membershipTopics(config.cluster)
    this.syncProtocol = syncProtocolId(config.cluster)
    this.newMembers = new NewMemberBudget(config.syncMaxNewMembers, config.syncMaxNewMembersPerMinute, clock)
    this.prober = new Prober(libp2p, config.cluster, config.probeTimeoutMs, components.breakers.guard('probe'))
    this.redial = new RedialSchedule({ initialDelayMs: config.redialInitialDelayMs, maxDelayMs: config.redialMaxDelayMs }, clock)
    this.bootstrap = { addrs: [...config.bootstrap], joined: config.bootstrap.length === 0, attempts: 0, lastError: null }
    this.core = new Membership({
      self: { peerId: libp2p.peerId.toString(), name: config.name, role: config.role, addrs: [] },
      initialIncarnation: components.initialIncarnation,
      phi: {
        threshold: config.phiThreshold,
        maxSampleSize: config.phiMaxSampleSize,
        minStdDeviationMs: config.phiMinStdDeviationMs,
        acceptableHeartbeatPauseMs: config.phiAcceptableHeartbeatPauseMs,
        firstHeartbeatEstimateMs: config.phiFirstHeartbeatEstimateMs
      },
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      probeTimeoutMs: config.probeTimeoutMs,
      indirectProbes: config.indirectProbes,
      suspicionTimeoutMs: config.suspicionTimeoutMs,
      localStallGraceMs: config.localStallGraceMs,
      reapDeadAfterMs: config.reapDeadAfterMs,
      reapLeftAfterMs: config.reapLeftAfterMs
    }, clock, Math.random)
  }

  get bootstrapStatus (): Readonly<BootstrapStatus> { return this.bootstrap }

  /** Whether a libp2p connection to the peer is open. */
  isConnected (peerId: string): boolean {
    return this.c.libp2p.getConnections(this.peerId(peerId)).length > 0
  }

  async start (): Promise<void> {
    const { libp2p, config, clock } = this.c
    const selfAddrs = libp2p.getMultiaddrs().map((a) => a.toString())
    this.core.setSelfAddrs(selfAddrs)
    // Every node may be given the same bootstrap list; our own address in it is not a peer.
    const selfId = libp2p.peerId.toString()
    const own = new Set(selfAddrs.map((a) => a.replace(`/p2p/${selfId}`, '')))
    this.bootstrap.addrs = this.bootstrap.addrs.filter((a) => !own.has(a.replace(`/p2p/${selfId}`, '')) && !a.endsWith(`/p2p/${selfId}`))
    if (this.bootstrap.addrs.length === 0) this.bootstrap.joined = true
    const pubsub = libp2p.services.pubsub
    this.decoded = installValidators(pubsub, this.topics, config.maxMessageBytes, this.c.counters)
    pubsub.addEventListener('message', this.onGossip)
    pubsub.subscribe(this.topics.heartbeat)
    pubsub.subscribe(this.topics.membership)
    libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    await this.prober.start()
    await handle(libp2p, this.syncProtocol, async (body, remote) => await this.onSyncRequest(body, remote),
      { maxRequestBytes: MAX_SYNC_BYTES, timeoutMs: config.dialTimeoutMs })
    this.running = true
    this.lastTickAtMs = clock.now()
    this.timers.push(setInterval(() => { this.tick() }, config.tickIntervalMs))
    this.timers.push(setInterval(() => { this.sendHeartbeat() }, config.heartbeatIntervalMs))
    this.timers.push(setInterval(() => { void this.pushPull() }, config.pushPullIntervalMs))
    for (const t of this.timers) t.unref()
    this.sendHeartbeat()
    void this.tryBootstrap()
  }

  /** Graceful leave: broadcast `left` and stop heartbeats; bounded by the caller. */
  async leave (): Promise<void> {
    if (this.core.isLeaving) return
    for (const out of this.core.leave()) if (out.type === 'broadcast') await this.publishClaim(out.claim)
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    for (const t of this.timers) clearInterval(t)
    this.timers.length = 0
    const { libp2p } = this.c
    libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    libp2p.services.pubsub.removeEventListener('message', this.onGossip)
    await Promise.allSettled([this.prober.stop(), libp2p.unhandle(this.syncProtocol)])
  }

  /** Dials each address (with or without /p2p/) and syncs member tables with whoever answers. */
  async join (addrs: string[]): Promise<JoinResponse> {
    const results = await Promise.all(addrs.map(async (addr) => {
      try {
        const conn = await this.c.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(this.c.config.dialTimeoutMs) })
        if (conn.remotePeer.equals(this.c.libp2p.peerId)) throw new Error('that address is this node')
        await this.syncWith(conn)
        return { addr, error: undefined }
      } catch (err) {
        return { addr, error: (err as Error).message }
      }
    }))
    const errors = results.filter((r) => r.error !== undefined).map((r) => ({ addr: r.addr, message: r.error! }))
    const joined = results.length - errors.length
    if (joined > 0) this.sendHeartbeat()
    return { joined, errors }
  }

  private readonly onGossip = (evt: CustomEvent<Message>): void => {
    const d = this.decoded?.(evt.detail)
    if (d === undefined || !this.running) return
    if (d.kind === 'heartbeat') {
      this.c.counters.heartbeatReceived()
      this.apply(this.core.onHeartbeat(d.from, d.body.incarnation, d.body.addrs, d.body.health))
    } else {
      const claim = claimOf(d.body)
      this.countForeignRaises([claim], d.from)
      this.apply(this.core.onClaim(claim, d.from))
    }
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    if (!this.running) return
    this.apply(this.core.onConnectionLost(evt.detail.toString()))
  }

  private tick (): void {
    if (!this.running) return
    const now = this.c.clock.now()
    // A tick far later than scheduled means our own event loop stalled (or we were stopped).
    const lateBy = now - this.lastTickAtMs - this.c.config.tickIntervalMs
    this.lastTickAtMs = now
    if (lateBy > this.c.config.localStallThresholdMs) this.apply(this.core.onLocalStall(lateBy))
    this.apply(this.core.tick())
    this.redialMembers()
    if (!this.bootstrap.joined) void this.tryBootstrap()
  }

  private sendHeartbeat (): void {
    if (!this.running || this.core.isLeaving) return
    const incarnation = this.core.selfIncarnation
    const addrs = this.c.libp2p.getMultiaddrs().map((a) => a.toString())
    this.core.setSelfAddrs(addrs)
    const body = encodeMessage({ v: WIRE_VERSION, t: 'heartbeat', incarnation, addrs, health: this.c.healthSummary(incarnation) })
    this.c.libp2p.services.pubsub.publish(this.topics.heartbeat, body)
      .then(() => { this.c.counters.heartbeatSent() })
      .catch((err: Error) => { this.c.log.debug({ err }, 'heartbeat not published') })
  }

  private apply (outputs: readonly MembershipOutput[]): void {
    for (const out of outputs) {
      switch (out.type) {
        case 'broadcast':
          void this.publishClaim(out.claim)
          break
        case 'notify':
          void this.notify(out.to, out.claim)
          break
        case 'probe':
          void this.prober.probe(out.target, out.via).then((reachable) => {
            if (this.running) this.apply(this.core.onProbeResult(out.target, reachable))
          })
          break
        case 'event':
          this.c.emit(out.event)
          break
      }
    }
  }

  private async publishClaim (claim: MemberClaim): Promise<void> {
    const notice: MemberNotice = { v: WIRE_VERSION, t: 'notice', ...claim }
    try {
      await this.c.libp2p.services.pubsub.publish(this.topics.membership, encodeMessage(notice))
    } catch (err) {
      this.c.log.debug({ err, claim }, 'notice not published')
    }
  }

  /**
   * One claim to one member, as a sync request holding just that entry: it applies the claim
   * (refuting it, if it is about itself) and answers with its table, which we merge.
   */
  private async notify (to: string, claim: MemberClaim): Promise<void> {
    const entry = { state: claim.state, peerId: claim.target, incarnation: claim.incarnation, name: claim.name, role: claim.role, addrs: claim.addrs }
    try {
      // A notice fails fast while the breaker is open; it is sent again on a later heartbeat
      // (rebroadcastDue), and the first after the half-open wait is the trial that reaches it.
      const res = await this.c.breakers.execute(to, 'sync', async () =>
        await request(this.c.libp2p, this.peerId(to), this.syncProtocol, encodeMessage({ v: WIRE_VERSION, t: 'sync', members: [entry] }),
          { timeoutMs: this.c.config.dialTimeoutMs, maxResponseBytes: MAX_SYNC_BYTES }))
      const sync = decodeMessage(res, syncSchema, MAX_SYNC_BYTES)
      if (this.running) this.apply(this.core.onSync(sync.members, to))
    } catch (err) {
      this.c.log.debug({ err, to, claim: claim.state }, 'notice to the member not delivered')
    }
  }

  /**
   * A full table exchange. To a member (push/pull) it goes through the peer's sync breaker; a
   * join's, over the connection it has just opened, does not: the join (an operator's, or the
   * bootstrap loop with its own backoff) has just shown the peer reachable.
   */
  private async syncWith (target: Connection | PeerId): Promise<void> {
    const body = encodeMessage({ v: WIRE_VERSION, t: 'sync', members: this.core.snapshot() })
    const call = async (): Promise<Uint8Array> => await request(this.c.libp2p, target, this.syncProtocol, body, { timeoutMs: this.c.config.dialTimeoutMs, maxResponseBytes: MAX_SYNC_BYTES })
    const res = 'remotePeer' in target ? await call() : await this.c.breakers.execute(target.toString(), 'sync', call)
    const sync = decodeMessage(res, syncSchema, MAX_SYNC_BYTES)
    const remote = 'remotePeer' in target ? target.remotePeer : target
    this.apply(this.core.onSync(this.admitted(sync.members, remote.toString()), remote.toString()))
  }

  /** Claims that raise another member's incarnation, which the core refuses (foreignRaise): counted. */
  private countForeignRaises (claims: ReadonlyArray<Pick<MemberClaim, 'target' | 'incarnation'>>, by: string): void {
    let n = 0
    for (const c of claims) if (c.target !== this.core.selfId && foreignRaise(c, by, this.core.member(c.target)?.incarnation)) n++
    if (n > 0) this.c.counters.claimsRefused(n)
  }

  /** The entries of a sync `from` may make us act on (new-member-budget.ts); the rest are counted and dropped. */
  private admitted (members: MemberSnapshot[], from: string): MemberSnapshot[] {
    this.countForeignRaises(members.map((m) => ({ target: m.peerId, incarnation: m.incarnation })), from)
    const r = this.newMembers.admit(members, (id) => id === this.core.selfId || this.core.member(id) !== undefined, from)
    if (r.refused > 0) {
      this.c.counters.newMembersRefused(r.refused)
      this.c.log.warn({ from, refused: r.refused }, 'sync named more new members than one peer may introduce; the rest were dropped')
    }
    return r.admitted
  }

  private async onSyncRequest (body: Uint8Array, remote: PeerId): Promise<Uint8Array> {
    const sync = decodeMessage(body, syncSchema, MAX_SYNC_BYTES)
    const remoteId = remote.toString()
    const known = this.core.member(remoteId) !== undefined
    this.apply(this.core.onSync(this.admitted(sync.members, remoteId), remoteId))
    // A new member joined through us: announce it at once rather than waiting for its heartbeats
    // to find their way through the mesh.
    const joiner = this.core.member(remoteId)
    if (!known && joiner !== undefined && joiner.state === 'alive') {
      void this.publishClaim({ state: 'alive', target: remoteId, incarnation: joiner.incarnation, name: joiner.name, role: joiner.role, addrs: joiner.addrs })
    }
    return encodeMessage({ v: WIRE_VERSION, t: 'sync', members: this.core.snapshot() })
  }

  private async pushPull (): Promise<void> {
    const candidates = this.core.list().filter((m) => m.state === 'alive' && this.isConnected(m.peerId))
    const peer = candidates[Math.floor(Math.random() * candidates.length)]
    if (peer === undefined || !this.running) return
    try {
      await this.syncWith(this.peerId(peer.peerId))
    } catch (err) {
      this.c.log.debug({ err, peer: peer.peerId }, 'push/pull failed')
    }
  }

  private async tryBootstrap (): Promise<void> {
    const key = 'bootstrap'
    if (this.bootstrap.joined || !this.redial.begin(key)) return
    this.bootstrap.attempts++
    const res = await this.join(this.bootstrap.addrs)
    if (res.joined > 0) {
      this.bootstrap.joined = true
      this.bootstrap.lastError = null
      this.c.log.info({ joined: res.joined }, 'joined the cluster')
      // A restarted member is known (dead) to its bootstrap peer, which announces only new ones:
      // it says it is back itself, rather than waiting for each member to hear from it.
      void this.publishClaim(this.core.selfClaim())
    } else {
      this.bootstrap.lastError = res.errors.map((e) => `${e.addr}: ${e.message}`).join('; ')
      if (this.bootstrap.attempts === 1 || this.bootstrap.attempts % 10 === 0) {
        this.c.log.warn({ attempts: this.bootstrap.attempts, error: this.bootstrap.lastError }, 'bootstrap peers unreachable; retrying')
      }
    }
    this.redial.end(key, res.joined > 0)
  }

  /** Known members that are not connected are redialled with backoff (partitions heal, restarts return). */
  private redialMembers (): void {
    for (const m of this.core.dialTargets()) {
      if (this.isConnected(m.peerId)) continue
      if (!this.redial.begin(m.peerId)) continue
      const addrs = m.addrs.map((a) => multiaddr(a))
      this.c.libp2p.dial(addrs, { signal: AbortSignal.timeout(this.c.config.dialTimeoutMs) })
        .then(() => { this.redial.end(m.peerId, true) })
        .catch(() => { this.redial.end(m.peerId, false) })
    }
  }

  private peerId (id: string): PeerId {
    let p = this.peerIds.get(id)
    if (p === undefined) { p = peerIdFromString(id); this.peerIds.set(id, p) }
    return p
  }
}

function claimOf (n: MemberNotice): MemberClaim {
  return { state: n.state, target: n.target, incarnation: n.incarnation, name: n.name, role: n.role, addrs: n.addrs }
}
