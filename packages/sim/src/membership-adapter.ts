/**
 * The membership core (`Membership`) under a simulated shell: what `membership/service.ts` does
 * on libp2p, done on the simulated network. Same timers (tick with stall detection, heartbeat,
 * push/pull), same inputs (gossip heartbeats and notices, state syncs, probe results, closed
 * connections), same outputs performed in order, and the incarnation persisted the way
 * `node.ts` does (start at stored + 1; a refutation's incarnation written).
 *
 * Left out, because the simulated transport has no connections to keep: redials (a link is up
 * or cut), and gossipsub's mesh (gossip reaches whoever the network says it reaches).
 *
 * With `monitors` (> 0, the bounded design of issue 17: monitor-ring.ts) a heartbeat goes only
 * to the node's monitors on the ring, point to point and without the health summary, and the
 * summary itself is gossiped as a delta every `HEALTH_DELTA_EVERY_MS` (as if it changed that
 * often: the simulated summary never does). The node then holds connections only to its
 * monitors and the members it monitors (`holdsConnection`), so only those hear a crash.
 *
 * It also tracks each member's state from the core's events (cheap, O(1) per event), for the
 * election shell's ranking and for the checkers, so nobody has to build 1,000 views with phi.
 */
import type { MemberState } from '@kos/core'
import type { PhiAccrualOptions } from '@kos/detect'
import { Membership, type MemberTable, type HealthSummary, type MemberClaim, type MemberSnapshot, type MembershipEvent, type MembershipOutput } from '@kos/core'
import type { CoreAdapter, CoreFactory, NodeHost, ProcessStart } from './core-adapter.js'
import type { SimTimings } from './timings.js'
import { WorldMemberTable } from './world-member-table.js'
import { WIRE_SIZES } from './wire-sizes.js'

export const MEMBERSHIP = 'membership'
/** With bounded monitors: how often a node's health summary is gossiped (a changed summary, at a bounded rate). */
export const HEALTH_DELTA_EVERY_MS = 30_000
const NO_ADDRS: string[] = []

export type MembershipMessage =
  | { t: 'heartbeat', incarnation: number, addrs: string[], health: HealthSummary }
  | { t: 'notice', claim: MemberClaim }
  | { t: 'sync-req', members: MemberSnapshot[] }
  | { t: 'sync-res', members: MemberSnapshot[] }

interface MembershipDisk { incarnation: number }

export class MembershipAdapter implements CoreAdapter {
  readonly name = MEMBERSHIP
  readonly core: Membership
  /** Each member's state as the core's events told it; absent once removed (or learnt dead by sync). */
  readonly states = new Map<string, MemberState>()
  /** The same, by node index: 1 where the member is held alive (the election shell's ranking reads it, a Map lookup per id was too slow). */
  readonly aliveAt: Uint8Array
  private readonly indexOf: ReadonlyMap<string, number>
  /** Called after a batch of outputs with a member:* event (the election shell's hook, as in node.ts). */
  onChange: (() => void) | null = null
  private readonly host: NodeHost
  private readonly t: SimTimings
  private readonly addrs: string[]
  private readonly health: HealthSummary
  private readonly bootstrap: readonly string[]
  private joined: boolean
  private joinBackoffMs: number
  private lastTickAtMs: number
  private readonly monitorsPerMember: number

  constructor (host: NodeHost, timings: SimTimings, start: ProcessStart, table: MemberTable, indexOf: ReadonlyMap<string, number>, monitors = 0) {
    this.monitorsPerMember = monitors
    this.host = host
    this.indexOf = indexOf
    this.aliveAt = new Uint8Array(host.allIds.length)
    this.t = timings
    const disk = host.disk.get(MEMBERSHIP) as MembershipDisk | undefined
    // node.ts: a restarted node starts above any incarnation it may have announced before.
    const incarnation = (disk?.incarnation ?? 0) + 1
    host.disk.set(MEMBERSHIP, { incarnation } satisfies MembershipDisk)
    this.addrs = [`/sim/${host.id}`]
    this.health = {
      name: host.id, role: 'member', incarnation, version: 'sim', uptimeMs: 0, cpuPercent: 0, rssBytes: 0,
      heapUsedBytes: 0, eventLoopDelayP99Ms: 0, mode: 'normal', agents: { total: 0, running: 0, failed: 0, quarantined: 0 }
    }
    this.core = new Membership({
      self: { peerId: host.id, name: host.id, role: 'member', addrs: this.addrs },
      initialIncarnation: incarnation,
      phi: phiOptions(timings),
      heartbeatIntervalMs: timings.heartbeatIntervalMs,
      probeTimeoutMs: timings.probeTimeoutMs,
      indirectProbes: timings.indirectProbes,
      suspicionTimeoutMs: timings.suspicionTimeoutMs,
      localStallGraceMs: timings.localStallGraceMs,
      reapDeadAfterMs: timings.reapDeadAfterMs,
      reapLeftAfterMs: timings.reapLeftAfterMs,
      monitorsPerMember: monitors
    }, host.clock, host.random, table)
    this.bootstrap = start.bootstrap.filter((id) => id !== host.id)
    this.joined = start.warm || this.bootstrap.length === 0
    this.joinBackoffMs = timings.redialInitialDelayMs
    this.lastTickAtMs = host.clock.now()
    if (start.warm) {
      // A formed cluster: as if every node had joined and synced, all at incarnation 1.
      const members: MemberSnapshot[] = host.allIds.map((id) => ({ peerId: id, name: id, role: 'member', addrs: [`/sim/${id}`], state: 'alive', incarnation: 1 }))
      this.apply(this.core.onSync(members, this.bootstrap[0] ?? host.id))
    }
  }

  get selfIncarnation (): number { return this.core.selfIncarnation }

  start (): void {
    const { host, t } = this
    const r = host.random
    // Each timer at its own phase, as independent processes' setIntervals would be.
    host.every(t.tickIntervalMs, Math.floor(r() * t.tickIntervalMs) + 1, () => { this.tick() })
    host.every(t.heartbeatIntervalMs, Math.floor(r() * t.heartbeatIntervalMs) + 1, () => { this.sendHeartbeat() })
    host.every(t.pushPullIntervalMs, Math.floor(r() * t.pushPullIntervalMs) + 1, () => { this.pushPull() })
    if (this.monitorsPerMember > 0) host.every(HEALTH_DELTA_EVERY_MS, Math.floor(r() * HEALTH_DELTA_EVERY_MS) + 1, () => { this.sendHealth() })
    this.sendHeartbeat()
    if (!this.joined) this.tryJoin()
  }

  receive (from: string, message: unknown): void {
    const m = message as MembershipMessage
    switch (m.t) {
      case 'heartbeat': this.apply(this.core.onHeartbeat(from, m.incarnation, m.addrs, m.health)); break
      case 'notice': this.apply(this.core.onClaim(m.claim, from)); break
      case 'sync-req': this.onSyncRequest(from, m.members); break
      case 'sync-res':
        this.apply(this.core.onSync(m.members, from))
        if (!this.joined) {
          this.joined = true
          this.sendHeartbeat()
          // service.ts: a joined (or restarted) node announces itself, since with bounded
          // monitors its heartbeats reach only its monitors.
          this.broadcastClaim(this.core.selfClaim())
        }
        break
    }
  }

  peerLost (peer: string): void { this.apply(this.core.onConnectionLost(peer)) }

  /** Whether this node keeps a connection to `peer`: every member, unless monitors are bounded. */
  holdsConnection (peer: string): boolean {
    if (this.monitorsPerMember === 0) return withinConnectionCap(this.host.index, this.indexOf.get(peer) ?? 0, this.host.allIds.length)
    return this.core.monitors()!.includes(peer) || this.core.monitoring()!.includes(peer)
  }

  private tick (): void {
    const now = this.host.clock.now()
    // A tick far later than scheduled means our own process stalled (service.ts does the same).
    const lateBy = now - this.lastTickAtMs - this.t.tickIntervalMs
    this.lastTickAtMs = now
    if (lateBy > this.t.localStallThresholdMs) this.apply(this.core.onLocalStall(lateBy))
    this.apply(this.core.tick())
  }

  private sendHeartbeat (): void {
    if (this.core.isLeaving) return
    const incarnation = this.core.selfIncarnation
    this.health.incarnation = incarnation
    // The simulated heartbeat carries no addresses (the byte count charges them): a member's
    // address never changes here and is known from the join, and it spares the core a copy
    // per heartbeat, a million a second at 1,000 nodes.
    const monitors = this.core.monitors()
    if (monitors === null) {
      this.host.broadcast(MEMBERSHIP, { t: 'heartbeat', incarnation, addrs: NO_ADDRS, health: this.health } satisfies MembershipMessage, WIRE_SIZES.heartbeat)
      return
    }
    const beat = { t: 'heartbeat', incarnation, addrs: NO_ADDRS, health: this.health } satisfies MembershipMessage
    for (const m of monitors) this.host.send(m, MEMBERSHIP, beat, WIRE_SIZES.beat)
  }

  /** Bounded monitors: the health summary by gossip, at a bounded rate. */
  private sendHealth (): void {
    if (this.core.isLeaving) return
    this.host.broadcast(MEMBERSHIP, { t: 'heartbeat', incarnation: this.core.selfIncarnation, addrs: NO_ADDRS, health: this.health } satisfies MembershipMessage, WIRE_SIZES.healthDelta)
  }

  /** A sync with one random alive member (service.ts pushPull). */
  private pushPull (): void {
    const alive: string[] = []
    for (const [id, s] of this.states) if (s === 'alive') alive.push(id)
    if (alive.length === 0) return
    const peer = alive[Math.floor(this.host.random() * alive.length)]!
    this.sendSync(peer, 'sync-req')
  }

  /** Join through every bootstrap peer; until one answers, try again with backoff. */
  private tryJoin (): void {
    if (this.joined) return
    for (const peer of this.bootstrap) this.sendSync(peer, 'sync-req')
    const wait = this.joinBackoffMs
    this.joinBackoffMs = Math.min(this.joinBackoffMs * 2, this.t.redialMaxDelayMs)
    this.host.after(this.t.dialTimeoutMs > wait ? wait : this.t.dialTimeoutMs, () => { this.tryJoin() })
  }

  private onSyncRequest (from: string, members: MemberSnapshot[]): void {
    const known = this.core.member(from) !== undefined
    this.apply(this.core.onSync(members, from))
    // service.ts: a new member joined through us: announce it at once.
    const joiner = this.core.member(from)
    if (!known && joiner !== undefined && joiner.state === 'alive') {
      this.broadcastClaim({ state: 'alive', target: from, incarnation: joiner.incarnation, name: joiner.name, role: joiner.role, addrs: joiner.addrs })
    }
    this.sendSync(from, 'sync-res')
  }

  private sendSync (to: string, t: 'sync-req' | 'sync-res'): void {
    const members = this.core.snapshot()
    this.host.send(to, MEMBERSHIP, { t, members } satisfies MembershipMessage, WIRE_SIZES.syncBase + members.length * WIRE_SIZES.syncPerMember)
  }

  private broadcastClaim (claim: MemberClaim): void {
    this.host.broadcast(MEMBERSHIP, { t: 'notice', claim } satisfies MembershipMessage, WIRE_SIZES.notice)
  }

  private apply (outputs: readonly MembershipOutput[]): void {
    let changed = false
    // An index loop: this runs for every delivery, and an iterator each time is garbage.
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs[i]!
      switch (out.type) {
        case 'broadcast':
          this.broadcastClaim(out.claim)
          break
        case 'notify':
          // service.ts: a sync request holding just this entry (the answer is its table).
          this.host.send(out.to, MEMBERSHIP, { t: 'sync-req', members: [snapshotOf(out.claim)] } satisfies MembershipMessage, WIRE_SIZES.syncBase + WIRE_SIZES.syncPerMember)
          break
        case 'probe': {
          const target = out.target
          this.host.probe(target, out.via, this.t.probeTimeoutMs, (reachable) => { this.apply(this.core.onProbeResult(target, reachable)) })
          break
        }
        case 'event':
          this.track(out.event)
          // node.ts: every member:* event re-ranks and lets the coordinator reconsider the voters.
          if (out.event.type.startsWith('member:')) changed = true
          this.host.emit(MEMBERSHIP, out.event as unknown as { type: string })
          break
      }
    }
    if (changed) this.onChange?.()
  }

  /** Mirrors the core's member states from its events (and persists a refutation's incarnation). */
  private track (e: MembershipEvent): void {
    switch (e.type) {
      case 'member:join': case 'member:alive': case 'member:suspect': case 'member:dead': case 'member:left':
        this.states.set(e.member.peerId, e.member.state)
        this.aliveAt[this.indexOf.get(e.member.peerId)!] = e.member.state === 'alive' ? 1 : 0
        break
      case 'member:removed':
        this.states.delete(e.member.peerId)
        this.aliveAt[this.indexOf.get(e.member.peerId)!] = 0
        break
      case 'member:refuted':
        // node.ts persists the raised incarnation.
        this.host.disk.set(MEMBERSHIP, { incarnation: e.incarnation } satisfies MembershipDisk)
        break
    }
  }
}

/**
 * The node's connection manager keeps at most this many connections (net/host.ts): redialling
 * every member, a node of a larger cluster holds a connection to about this many of them.
 */
export const MAX_CONNECTIONS = 512

/** Whether nodes `a` and `b` (indices) of an `n`-node cluster keep their connection under the cap: symmetric, seeded by the pair. */
export function withinConnectionCap (a: number, b: number, n: number): boolean {
  if (n - 1 <= MAX_CONNECTIONS) return true
  const lo = a < b ? a : b; const hi = a < b ? b : a
  const h = (Math.imul(lo ^ 0x2545f491, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca77)) >>> 0
  return h % (n - 1) < MAX_CONNECTIONS
}

function snapshotOf (c: MemberClaim): MemberSnapshot {
  return { state: c.state, peerId: c.target, incarnation: c.incarnation, name: c.name, role: c.role, addrs: c.addrs }
}

function phiOptions (t: SimTimings): PhiAccrualOptions {
  return {
    threshold: t.phiThreshold,
    maxSampleSize: t.phiMaxSampleSize,
    minStdDeviationMs: t.phiMinStdDeviationMs,
    acceptableHeartbeatPauseMs: t.phiAcceptableHeartbeatPauseMs,
    firstHeartbeatEstimateMs: t.phiFirstHeartbeatEstimateMs
  }
}

/** Membership cores whose hot fields share one world table (built with the first core of a world). */
export function membershipFactory (timings: SimTimings, monitors = 0): CoreFactory {
  let world: { ids: readonly string[], table: WorldMemberTable } | null = null
  return {
    name: MEMBERSHIP,
    create: (host, start) => {
      if (world?.ids !== host.allIds) world = { ids: host.allIds, table: new WorldMemberTable(host.allIds, phiOptions(timings), host.clock) }
      const adapter = new MembershipAdapter(host, timings, start, world.table.viewFor(host.index), world.table.indexOf, monitors)
      world.table.attach(host.index, adapter.core)
      return adapter
    },
    // The heartbeat's common case, straight into the world table (what `receive` would do: the
    // core's onHeartbeat returns nothing then, so the adapter has nothing to perform).
    receiveDirect: (fromIndex, to, message) => {
      const m = message as MembershipMessage
      return m.t === 'heartbeat' && world !== null && world.table.acceptHeartbeat(fromIndex, to, m.incarnation, m.addrs, m.health)
    }
  }
}
