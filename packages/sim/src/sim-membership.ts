/**
 * The membership shell of @kos/core (membership/membership-shell.ts), the node's own, on a
 * simulated process: its transport is the simulated network (sim-transport.ts), its timers the
 * virtual clock, its incarnation persisted on the process's disk the way the node does (start
 * at stored + 1; a refutation's incarnation written). The composition the node does in
 * membership/node-membership.ts, done here:
 * - joining is a sync with each bootstrap peer, again with backoff until one answers (a
 *   simulated link is up or cut: there are no connections to keep or redial);
 * - a warm start is a formed cluster: every node known, as if every node had joined and synced;
 * - the members' hot fields live in one world table (world-member-table.ts) behind the core's
 *   `MemberTable` interface, and a routine heartbeat goes straight there (`receiveDirect`).
 *
 * With `monitors` (> 0, the bounded design of issue 17: monitor-ring.ts) a heartbeat goes only
 * to the node's monitors on the ring, point to point, and the summary itself is gossiped as a
 * delta when it changes, at most every `HEALTH_DELTA_EVERY_MS`, and refreshed after
 * `healthRefreshMs` (health-change.ts: ten of those, longer past 3,000 members). The simulated summary changes only
 * with the incarnation, so what is charged is the joins' and the refreshes'. The node then
 * holds connections only to its monitors and the members it monitors (`holdsConnection`), so
 * only those hear a crash.
 *
 * It also tracks each member's state from the shell's events (cheap, O(1) per event), for the
 * election shell's ranking and for the checkers, so nobody has to build 1,000 views with phi.
 */
import { healthRefreshMs, membershipChannels, MembershipShell, SILENT_LOG, type Heartbeat, type HealthSummary, type MemberSnapshot, type MemberState, type Membership, type MembershipEvent, type SyncMessage } from '@kos/core'
import type { PhiAccrualOptions } from '@kos/detect'
import type { CoreFactory, NodeHost, ProcessStart } from './core-adapter.js'
import { ShellAdapter, SimTransport, simTimers, type SimEnvelope } from './sim-transport.js'
import type { SimTimings } from './timings.js'
import { MemberStates } from './member-states.js'
import { WorldMemberTable } from './world-member-table.js'
import { WIRE_SIZES } from './wire-sizes.js'

export const MEMBERSHIP = 'membership'
/** With bounded monitors: a node's health summary is gossiped at most this often (the config's default `healthGossipIntervalMs`). */
export const HEALTH_DELTA_EVERY_MS = 30_000
/**
 * The simulated heartbeat carries no addresses (the byte count charges them): a member's address
 * never changes here and is known from the join, and it spares the core a copy per heartbeat.
 */
const NO_ADDRS: string[] = []
const CLUSTER = 'sim'
const MAX_MESSAGE_BYTES = 65_536
const CHANNELS = membershipChannels(CLUSTER, MAX_MESSAGE_BYTES)

interface MembershipDisk { incarnation: number }

function sizeOf (monitors: number, name: string, m: unknown): number {
  switch (name) {
    case CHANNELS.heartbeats.name: return monitors > 0 ? WIRE_SIZES.healthDelta : WIRE_SIZES.heartbeat
    case CHANNELS.beats.name: return WIRE_SIZES.beat
    case CHANNELS.notices.name: return WIRE_SIZES.notice
    case CHANNELS.sync.name: {
      const sync = m as SyncMessage | undefined
      let withHealth = 0
      for (const e of sync?.members ?? []) if (e.health !== undefined) withHealth++
      return WIRE_SIZES.syncBase + (sync?.members.length ?? 0) * WIRE_SIZES.syncPerMember + withHealth * WIRE_SIZES.syncHealthPerMember + (sync?.digest === undefined ? 0 : WIRE_SIZES.syncDigest) +
        (sync?.buckets === undefined ? 0 : 2 + sync.buckets.length * WIRE_SIZES.syncPerBucket)
    }
    default: return WIRE_SIZES.probe / 2
  }
}

export class MembershipAdapter extends ShellAdapter {
  readonly shell: MembershipShell
  /** Each member's state as the shell's events told it; absent once removed (or learnt dead by sync). */
  readonly states: MemberStates
  /** The same, by node index: 1 where the member is held alive (the election shell's ranking reads it, a Map lookup per id was too slow). */
  readonly aliveAt: Uint8Array
  /** Called after a batch of outputs with a member:* event (the election shell's hook, as the node's reaction is). */
  onChange: (() => void) | null = null
  private readonly host: NodeHost
  private readonly t: SimTimings
  private readonly indexOf: ReadonlyMap<string, number>
  private readonly bootstrap: readonly string[]
  private joined: boolean
  private joinBackoffMs: number
  private readonly monitorsPerMember: number

  /** `warm`: the formed cluster's member list, one for every node of the world (the core keeps the entries' address lists, never changing them). */
  constructor (host: NodeHost, timings: SimTimings, start: ProcessStart, world: WorldMemberTable, warm: MemberSnapshot[], monitors = 0) {
    const transport = new SimTransport(host, MEMBERSHIP, (name, m) => sizeOf(monitors, name, m))
    const disk = host.disk.get(MEMBERSHIP) as MembershipDisk | undefined
    // The node: a restarted node starts above any incarnation it may have announced before.
    const incarnation = (disk?.incarnation ?? 0) + 1
    host.disk.set(MEMBERSHIP, { incarnation } satisfies MembershipDisk)
    const health: HealthSummary = {
      name: host.id, role: 'member', incarnation, version: 'sim', uptimeMs: 0, cpuPercent: 0, rssBytes: 0,
      heapUsedBytes: 0, eventLoopDelayP99Ms: 0, mode: 'normal', agents: { total: 0, running: 0, failed: 0, quarantined: 0 }
    }
    let self: MembershipAdapter | undefined
    const shell = new MembershipShell({
      transport,
      channels: CHANNELS,
      timers: simTimers(host),
      random: host.random,
      log: SILENT_LOG,
      healthSummary: (inc) => { health.incarnation = inc; return health },
      selfAddrs: () => NO_ADDRS,
      emit: (e) => { self!.track(e) },
      onMembersChanged: () => { self!.onChange?.() }
    }, {
      membership: {
        self: { peerId: host.id, name: host.id, role: 'member', addrs: [`/sim/${host.id}`] },
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
      },
      healthGossipIntervalMs: HEALTH_DELTA_EVERY_MS,
      tickIntervalMs: timings.tickIntervalMs,
      heartbeatIntervalMs: timings.heartbeatIntervalMs,
      pushPullIntervalMs: timings.pushPullIntervalMs,
      localStallThresholdMs: timings.localStallThresholdMs,
      syncTimeoutMs: timings.dialTimeoutMs,
      syncMaxNewMembers: timings.syncMaxNewMembers,
      syncMaxNewMembersPerMinute: timings.syncMaxNewMembersPerMinute,
      table: world.viewFor(host.index)
    })
    super(MEMBERSHIP, transport, () => { this.begin() })
    self = this
    this.monitorsPerMember = monitors
    this.shell = shell
    this.host = host
    this.t = timings
    this.indexOf = world.indexOf
    this.aliveAt = new Uint8Array(host.allIds.length)
    this.states = new MemberStates(host.allIds, world.indexOf)
    this.bootstrap = start.bootstrap.filter((id) => id !== host.id)
    this.joined = start.warm || this.bootstrap.length === 0
    this.joinBackoffMs = timings.redialInitialDelayMs
    if (start.warm) {
      // A formed cluster: as if every node had joined and synced, all at incarnation 1.
      shell.learn(warm, this.bootstrap[0] ?? host.id)
      if (monitors > 0) shell.healthKnown(Math.floor(host.random() * healthRefreshMs(HEALTH_DELTA_EVERY_MS, host.allIds.length)))
    }
  }

  get core (): Membership { return this.shell.core }
  get selfIncarnation (): number { return this.shell.core.selfIncarnation }

  /** Whether this node keeps a connection to `peer`: every member, unless monitors are bounded. */
  holdsConnection (peer: string): boolean {
    if (this.monitorsPerMember === 0) return withinConnectionCap(this.host.index, this.indexOf.get(peer) ?? 0, this.host.allIds.length)
    return this.core.monitors()!.includes(peer) || this.core.monitoring()!.includes(peer)
  }

  private begin (): void {
    this.shell.start()
    if (!this.joined) this.tryJoin()
  }

  /** Join through every bootstrap peer; until one answers, try again with backoff. */
  private tryJoin (): void {
    if (this.joined) return
    for (const peer of this.bootstrap) {
      this.shell.sync(peer, undefined, (err) => {
        if (err !== undefined || this.joined) return
        this.joined = true
        this.shell.sendHeartbeat()
        this.shell.announceSelf()
      })
    }
    const wait = this.joinBackoffMs
    this.joinBackoffMs = Math.min(this.joinBackoffMs * 2, this.t.redialMaxDelayMs)
    this.host.after(this.t.dialTimeoutMs > wait ? wait : this.t.dialTimeoutMs, () => { this.tryJoin() })
  }

  /** Mirrors the core's member states from its events (and persists a refutation's incarnation), then reports the event. */
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
        // The node persists the raised incarnation.
        this.host.disk.set(MEMBERSHIP, { incarnation: e.incarnation } satisfies MembershipDisk)
        break
    }
    this.host.emit(MEMBERSHIP, e as unknown as { type: string })
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

function phiOptions (t: SimTimings): PhiAccrualOptions {
  return {
    threshold: t.phiThreshold,
    maxSampleSize: t.phiMaxSampleSize,
    minStdDeviationMs: t.phiMinStdDeviationMs,
    acceptableHeartbeatPauseMs: t.phiAcceptableHeartbeatPauseMs,
    firstHeartbeatEstimateMs: t.phiFirstHeartbeatEstimateMs
  }
}

/** Membership shells whose members' hot fields share one world table (built with the first shell of a world). */
export function membershipFactory (timings: SimTimings, monitors = 0): CoreFactory {
  let world: { ids: readonly string[], table: WorldMemberTable, warm: MemberSnapshot[] } | null = null
  return {
    name: MEMBERSHIP,
    create: (host, start) => {
      if (world?.ids !== host.allIds) {
        const warm: MemberSnapshot[] = host.allIds.map((id) => ({ peerId: id, name: id, role: 'member', addrs: [`/sim/${id}`], state: 'alive', incarnation: 1 }))
        world = { ids: host.allIds, table: new WorldMemberTable(host.allIds, phiOptions(timings), host.clock), warm }
      }
      const adapter = new MembershipAdapter(host, timings, start, world.table, world.warm, monitors)
      world.table.attach(host.index, adapter.core)
      return adapter
    },
    // The heartbeat's common case, straight into the world table (what `receive` would do: the
    // core's onHeartbeat returns nothing then, so the shell has nothing to perform).
    receiveDirect: (fromIndex, to, message) => {
      const env = message as SimEnvelope
      if (env.ch !== CHANNELS.heartbeats.name || world === null) return false
      const hb = env.m as Heartbeat
      return world.table.acceptHeartbeat(fromIndex, to, hb.incarnation, hb.addrs, hb.health)
    }
  }
}
