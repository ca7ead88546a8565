/**
 * The membership shell (@kos/core's membership/membership-shell.ts) wired into the node, with
 * what only a node on libp2p does: keep the mesh connected. Bootstrap joins with retry, operator
 * joins (`POST /v1/join`, `kos join`) by multiaddr, and redials with backoff of known members
 * that are not connected (partitions heal, restarts return). A join dials the address, then
 * syncs member tables with whoever answers.
 */
import type { Clock } from '@kos/detect'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import type { JoinResponse } from '@kos/client'
import { membershipChannels, MembershipShell, type HealthSummary, type Membership, type MembershipCounters, type MembershipEvent, type Timers, type Transport } from '@kos/core'
import type { KosConfig } from '../config/schema.js'
import type { KosLibp2p } from '../net/host.js'
import { RedialSchedule } from '../net/redial.js'

export interface NodeMembershipParts {
  libp2p: KosLibp2p
  transport: Transport
  timers: Timers
  config: KosConfig
  clock: Clock
  log: Logger
  counters: MembershipCounters
  /** The single event path of the node. */
  emit: (event: MembershipEvent) => void
  /** This node's health summary, sampled when a heartbeat is sent. */
  healthSummary: (incarnation: number) => HealthSummary
  initialIncarnation: number
}

/** The libp2p events after which our own addresses may differ. */
const OWN_ADDRESS_EVENTS = ['self:peer:update', 'transport:listening', 'transport:close'] as const

export interface BootstrapStatus {
  addrs: string[]
  joined: boolean
  attempts: number
  lastError: string | null
}

export class NodeMembership {
  readonly shell: MembershipShell
  private readonly p: NodeMembershipParts
  private readonly redial: RedialSchedule
  private readonly bootstrap: BootstrapStatus
  /** Our own addresses as last read from libp2p; null once libp2p says they changed. */
  private ownAddrs: string[] | null = null

  constructor (parts: NodeMembershipParts) {
    this.p = parts
    const { config, libp2p, clock } = parts
    this.redial = new RedialSchedule({ initialDelayMs: config.redialInitialDelayMs, maxDelayMs: config.redialMaxDelayMs }, clock)
    this.bootstrap = { addrs: [...config.bootstrap], joined: config.bootstrap.length === 0, attempts: 0, lastError: null }
    this.shell = new MembershipShell({
      transport: parts.transport,
      channels: membershipChannels(config.cluster, config.maxMessageBytes),
      timers: parts.timers,
      random: Math.random,
      log: parts.log,
      healthSummary: parts.healthSummary,
      selfAddrs: () => this.selfAddrs(),
      emit: (event) => {
        if (event.type === 'member:dead') this.dropConnections(event.member.peerId)
        parts.emit(event)
      },
      counters: parts.counters,
      afterTick: () => {
        this.redialMembers()
        if (!this.bootstrap.joined) void this.tryBootstrap()
      }
    }, {
      membership: {
        self: { peerId: libp2p.peerId.toString(), name: config.name, role: config.role, addrs: [] },
        initialIncarnation: parts.initialIncarnation,
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
        reapLeftAfterMs: config.reapLeftAfterMs,
        monitorsPerMember: config.monitorsPerMember
      },
      healthGossipIntervalMs: config.healthGossipIntervalMs,
      tickIntervalMs: config.tickIntervalMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      pushPullIntervalMs: config.pushPullIntervalMs,
      localStallThresholdMs: config.localStallThresholdMs,
      syncTimeoutMs: config.dialTimeoutMs,
      syncMaxNewMembers: config.syncMaxNewMembers,
      syncMaxNewMembersPerMinute: config.syncMaxNewMembersPerMinute
    })
  }

  get core (): Membership { return this.shell.core }

  /**
   * Our addresses, for every heartbeat. libp2p's getMultiaddrs() asks the address manager and
   * every transport each time (a third of an idle node's heartbeat cost), and the list changes
   * only when libp2p announces it: it is read again after each such event.
   */
  private selfAddrs (): string[] {
    this.ownAddrs ??= this.p.libp2p.getMultiaddrs().map((a) => a.toString())
    return this.ownAddrs
  }

  private readonly forgetOwnAddrs = (): void => { this.ownAddrs = null }
  get bootstrapStatus (): Readonly<BootstrapStatus> { return this.bootstrap }

  /** Whether a libp2p connection to the peer is open. */
  isConnected (peerId: string): boolean { return this.p.transport.isConnected(peerId) }

  start (): void {
    const { libp2p } = this.p
    for (const change of OWN_ADDRESS_EVENTS) libp2p.addEventListener(change, this.forgetOwnAddrs)
    this.ownAddrs = null
    const selfAddrs = this.selfAddrs()
    this.shell.core.setSelfAddrs(selfAddrs)
    // Every node may be given the same bootstrap list; our own address in it is not a peer.
    const selfId = libp2p.peerId.toString()
    const own = new Set(selfAddrs.map((a) => a.replace(`/p2p/${selfId}`, '')))
    this.bootstrap.addrs = this.bootstrap.addrs.filter((a) => !own.has(a.replace(`/p2p/${selfId}`, '')) && !a.endsWith(`/p2p/${selfId}`))
    if (this.bootstrap.addrs.length === 0) this.bootstrap.joined = true
    this.shell.start()
    void this.tryBootstrap()
  }

  /** Graceful leave: broadcast `left` and stop heartbeats; bounded by the caller. */
  leave (): void { this.shell.leave() }

  stop (): void {
    for (const change of OWN_ADDRESS_EVENTS) this.p.libp2p.removeEventListener(change, this.forgetOwnAddrs)
    this.shell.stop()
  }

  /** Dials each address (with or without /p2p/) and syncs member tables with whoever answers. */
  async join (addrs: string[]): Promise<JoinResponse> {
    const results = await Promise.all(addrs.map(async (addr) => {
      try {
        const conn = await this.p.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(this.p.config.dialTimeoutMs) })
        if (conn.remotePeer.equals(this.p.libp2p.peerId)) throw new Error('that address is this node')
        await new Promise<void>((resolve, reject) => {
          this.shell.sync(conn.remotePeer.toString(), undefined, (err) => { if (err === undefined) resolve(); else reject(err) })
        })
        return { addr, error: undefined }
      } catch (err) {
        return { addr, error: (err as Error).message }
      }
    }))
    const errors = results.filter((r) => r.error !== undefined).map((r) => ({ addr: r.addr, message: r.error! }))
    const joined = results.length - errors.length
    if (joined > 0) this.shell.sendHeartbeat()
    return { joined, errors }
  }

  private async tryBootstrap (): Promise<void> {
    const key = 'bootstrap'
    if (this.bootstrap.joined || !this.redial.begin(key)) return
    this.bootstrap.attempts++
    const res = await this.join(this.bootstrap.addrs)
    if (res.joined > 0) {
      this.bootstrap.joined = true
      this.bootstrap.lastError = null
      this.p.log.info({ joined: res.joined }, 'joined the cluster')
      this.shell.announceSelf()
    } else {
      this.bootstrap.lastError = res.errors.map((e) => `${e.addr}: ${e.message}`).join('; ')
      if (this.bootstrap.attempts === 1 || this.bootstrap.attempts % 10 === 0) {
        this.p.log.warn({ attempts: this.bootstrap.attempts, error: this.bootstrap.lastError }, 'bootstrap peers unreachable; retrying')
      }
    }
    this.redial.end(key, res.joined > 0)
  }

  /**
   * A member found dead loses its connections here. Across a partition (packets dropped, not
   * refused) libp2p keeps a connection open, and TCP retransmits what it holds on it with a
   * doubling timeout: after an 8 s cut the next try came ~5 s after the heal, and the returning
   * side stayed unheard that long. Closed, the member is redialled on the schedule below, and
   * a healed link carries heartbeats again within its backoff.
   */
  private dropConnections (peer: string): void {
    let conns
    try { conns = this.p.libp2p.getConnections(peerIdFromString(peer)) } catch { return }
    for (const c of conns) c.abort(new Error('the member was found dead: a returning member gets a fresh connection'))
  }

  /**
   * This node's ring neighbours: its monitors and the members it monitors; null when monitors
   * are not bounded (every member is). The connections it redials and keeps (net/kept-peers.ts).
   */
  ring (): string[] | null {
    const monitors = this.shell.core.monitors()
    return monitors === null ? null : [...new Set([...monitors, ...(this.shell.core.monitoring() ?? [])])]
  }

  /** Known members that are not connected are redialled with backoff (partitions heal, restarts return). */
  private redialMembers (): void {
    // Bounded monitors: connections only to this node's monitors and the members it monitors
    // (the election and the audit log open their own when they send; idle ones are closed).
    const ring = this.ring()
    const keep = ring === null ? null : new Set(ring)
    for (const m of this.shell.core.dialTargets()) {
      if (keep !== null && !keep.has(m.peerId)) continue
      if (this.isConnected(m.peerId)) continue
      if (!this.redial.begin(m.peerId)) continue
      const addrs = m.addrs.map((a) => multiaddr(a))
      this.p.libp2p.dial(addrs, { signal: AbortSignal.timeout(this.p.config.dialTimeoutMs) })
        .then(() => { this.redial.end(m.peerId, true) })
        .catch(() => { this.redial.end(m.peerId, false) })
    }
  }
}
