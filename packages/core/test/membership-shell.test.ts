/**
 * The membership shell over a recording transport and hand-driven timers: what it sends for a
 * notice about itself, and when it gossips its health summary with bounded monitors.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import type { HealthSummary } from '../src/vocabulary/index.js'
import type { Cancel, Protocol, Timers, Topic, Transport } from '../src/transport/transport.js'
import { membershipChannels } from '../src/membership/membership-channels.js'
import { MembershipShell, STATE_NEWS_REPEATS } from '../src/membership/membership-shell.js'
import { HEALTH_REFRESH_INTERVALS } from '../src/membership/health-change.js'
import { ringPosition } from '../src/membership/monitor-ring.js'
import { digestBucket } from '../src/membership/table-digest.js'
import { SILENT_LOG } from '../src/transport/transport.js'
import { MAX_SYNC_SUMMARIES, WIRE_VERSION, type MemberSnapshot, type SyncMessage } from '../src/wire/messages.js'

const CHANNELS = membershipChannels('t', 65_536)
const HEALTH_GOSSIP_MS = 30_000

class RecordingTransport implements Transport {
  readonly selfId = 'A'
  readonly published: Array<{ topic: string, message: unknown }> = []
  readonly servers = new Map<string, (from: string, message: unknown, reply: (a: unknown) => void) => void>()
  publish<T>(topic: Topic<T>, message: T): void { this.published.push({ topic: topic.name, message }) }
  subscribe (): Cancel { return () => {} }
  send (): void {}
  listen (): Cancel { return () => {} }
  resetChannels (): void {}
  readonly requests: Array<{ to: string, message: SyncMessage }> = []
  /** Answers this transport's requests: another shell's sync server, say. */
  answer: ((to: string, message: SyncMessage) => SyncMessage | undefined) | null = null
  request<Q, A>(_protocol: Protocol<Q, A>, to: string, message: Q, _options: unknown, done: (answer: A | undefined, error?: Error) => void): void {
    this.requests.push({ to, message: message as SyncMessage })
    done(this.answer?.(to, message as SyncMessage) as A | undefined)
  }
  serve<Q, A>(protocol: Protocol<Q, A>, handler: (from: string, message: Q, reply: (answer: A) => void, fail: (error: Error) => void) => void): Cancel {
    this.servers.set(protocol.name, (from, m, reply) => { handler(from, m as Q, reply as (a: A) => void, () => {}) })
    return () => {}
  }

  ping (): void {}
  isConnected (): boolean { return true }
  onPeerLost (): Cancel { return () => {} }
}

/** Timers that fire only when the test says so. */
function manualTimers (clock: ManualClock): Timers & { fire: (ms: number) => void } {
  const every = new Map<number, Array<() => void>>()
  return {
    clock,
    every: (ms, fn) => { every.set(ms, [...(every.get(ms) ?? []), fn]); return () => {} },
    after: () => () => {},
    soon: (fn) => { fn() },
    fire: (ms) => { for (const fn of every.get(ms) ?? []) fn() }
  }
}

function member (peerId: string, state: MemberSnapshot['state'] = 'alive', incarnation = 1): MemberSnapshot {
  return { peerId, name: peerId.toLowerCase(), role: 'member', addrs: [], state, incarnation }
}

function shell (monitorsPerMember: number, health: () => HealthSummary, self = 'A'): { s: MembershipShell, transport: RecordingTransport, clock: ManualClock, timers: ReturnType<typeof manualTimers> } {
  const clock = new ManualClock(0)
  const transport = new RecordingTransport()
  const timers = manualTimers(clock)
  const s = new MembershipShell({
    transport, channels: CHANNELS, timers, random: () => 0, log: SILENT_LOG,
    healthSummary: (incarnation) => ({ ...health(), incarnation }), selfAddrs: () => [], emit: () => {}
  }, {
    membership: {
      self: { peerId: self, name: self.toLowerCase(), role: 'member', addrs: [] },
      initialIncarnation: 1,
      phi: { threshold: 8, maxSampleSize: 200, minStdDeviationMs: 200, acceptableHeartbeatPauseMs: 500, firstHeartbeatEstimateMs: 1000 },
      heartbeatIntervalMs: 1000, probeTimeoutMs: 500, indirectProbes: 2, suspicionTimeoutMs: 1000, localStallGraceMs: 3000,
      reapDeadAfterMs: 60_000, reapLeftAfterMs: 60_000, monitorsPerMember
    },
    tickIntervalMs: 100, heartbeatIntervalMs: 1000, pushPullIntervalMs: 30_000, localStallThresholdMs: 2000, syncTimeoutMs: 1000,
    syncMaxNewMembers: 1000, syncMaxNewMembersPerMinute: 1000, healthGossipIntervalMs: HEALTH_GOSSIP_MS
  })
  s.start()
  s.learn(['A', 'B', 'C', 'D', 'E', 'F', 'G'].filter((id) => id !== self).map((id) => member(id)), self === 'B' ? 'C' : 'B')
  return { s, transport, clock, timers }
}

const HEALTH: HealthSummary = {
  name: 'a', role: 'member', incarnation: 1, version: 'test', uptimeMs: 0, cpuPercent: 1, rssBytes: 100_000_000,
  heapUsedBytes: 50_000_000, eventLoopDelayP99Ms: 10, mode: 'normal', agents: { total: 1, running: 1, failed: 0, quarantined: 0 }
}

function syncFrom (transport: RecordingTransport, from: string, members: MemberSnapshot[], rest: Partial<SyncMessage> = {}): SyncMessage {
  let answer: SyncMessage | undefined
  transport.servers.get(CHANNELS.sync.name)!(from, { ...rest, v: WIRE_VERSION, t: 'sync', members } satisfies SyncMessage, (a) => { answer = a as SyncMessage })
  return answer!
}

describe('MembershipShell', () => {
  it('answers a notice about itself with its own entry, refuted, not with its whole table', () => {
    const { transport } = shell(0, () => HEALTH)
    const answer = syncFrom(transport, 'B', [member('A', 'dead', 1)])
    assert.deepEqual(answer.members.map((m) => [m.peerId, m.state, m.incarnation]), [['A', 'alive', 2]])
  })

  it('answers a join or a push/pull with its whole table', () => {
    const { transport } = shell(0, () => HEALTH)
    const answer = syncFrom(transport, 'H', [member('H'), member('B')])
    assert.deepEqual(answer.members.map((m) => m.peerId).sort(), ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'])
  })

  it('with bounded monitors, answers a join without summaries; the joiner pulls them by push/pull', () => {
    const { s: a, transport } = shell(3, () => HEALTH)
    a.core.onHeartbeat('B', 1, [], { ...HEALTH, name: 'b', mode: 'degraded', summaryVersion: 4 })
    const answer = syncFrom(transport, 'H', [member('H')])
    assert.equal(answer.members.find((m) => m.peerId === 'B')?.health, undefined, 'the join answer: the table alone')
    const joiner = shell(3, () => HEALTH, 'H')
    joiner.transport.answer = (_to, m) => syncFrom(transport, 'H', m.members, m)
    let joined = false
    joiner.s.sync('A', undefined, (err) => { joined = err === undefined })
    assert.ok(joined)
    assert.ok(joiner.transport.requests.some((r) => r.message.digest !== undefined), 'a push/pull after the join')
    assert.equal(joiner.s.core.member('B')?.health?.mode, 'degraded')
    assert.equal(joiner.s.core.member('B')?.health?.summaryVersion, 4)
  })

  it("with bounded monitors, a joiner takes a join's summary of a member whose beat reached it first", () => {
    // The member learnt of the joiner (the bootstrap announces it before it answers) and sent it
    // a beat, which holds no services; the join's answer then brings the member's summary.
    const web = { service: 'web', id: 'web-0', generation: 1, ready: true, state: 'running', sinceMs: 1 }
    const { s: joiner } = shell(3, () => HEALTH, 'H')
    joiner.core.onHeartbeat('B', 1, [], { name: 'b', role: 'member', incarnation: 1, version: 'test', uptimeMs: 5, mode: 'normal' })
    joiner.learn([{ ...member('B'), health: { ...HEALTH, name: 'b', services: [web], summaryVersion: 3 } }], 'A')
    assert.deepEqual(joiner.core.member('B')?.health?.services, [web])
  })

  it('with bounded monitors, push/pull carries at most MAX_SYNC_SUMMARIES summaries, in whole buckets, and says which buckets went', () => {
    const a = shell(3, () => HEALTH)
    const many = Array.from({ length: MAX_SYNC_SUMMARIES + 200 }, (_, i) => `P${i}`)
    a.s.learn(many.map((id) => ({ ...member(id), health: { ...HEALTH, name: id.toLowerCase(), summaryVersion: 1 } })), 'B')
    const zeros = new Array<number>(64).fill(0)
    const answer = syncFrom(a.transport, 'B', [], { digest: zeros })
    const carried = answer.members.filter((m) => m.health !== undefined)
    assert.ok(carried.length <= MAX_SYNC_SUMMARIES && carried.length > MAX_SYNC_SUMMARIES / 2, `${carried.length} summaries`)
    const sent = new Set(answer.buckets)
    assert.ok(sent.size > 0 && sent.size < 64, `${sent.size} buckets`)
    const partial = new Set<number>()
    for (const id of many) {
      const b = digestBucket(ringPosition(id))
      const entry = answer.members.find((m) => m.peerId === id)
      assert.equal(entry !== undefined, sent.has(b), `${id}: its entry goes with its bucket`)
      if (entry !== undefined && entry.health === undefined) partial.add(b)
    }
    assert.equal(partial.size, 0, `buckets sent with only some of their summaries: ${partial.size}`)
  })

  it('with bounded monitors, gossips its summary again when it refutes its own death (those that held it dead missed it)', () => {
    const { transport } = shell(3, () => HEALTH)
    const gossiped = (): number => transport.published.filter((p) => p.topic === CHANNELS.heartbeats.name).length
    const before = gossiped()
    syncFrom(transport, 'B', [member('A', 'suspect', 1)])
    assert.equal(gossiped(), before, 'a refuted suspicion: others held it alive meanwhile')
    syncFrom(transport, 'B', [member('A', 'dead', 2)])
    assert.equal(gossiped(), before + 1)
  })

  it('pushes and pulls by digest: tables that agree exchange no entries, one change travels with its bucket alone', () => {
    const a = shell(0, () => HEALTH)
    const b = shell(0, () => ({ ...HEALTH, name: 'b' }), 'B')
    a.s.learn([member('H')], 'B')
    b.s.learn([member('H')], 'A')
    a.transport.answer = (_to, m) => syncFrom(b.transport, 'A', m.members, m)
    a.timers.fire(30_000)
    const [ask, ...rest] = a.transport.requests
    assert.equal(ask?.message.digest?.length, 64)
    assert.equal(ask?.message.members.length, 0)
    assert.deepEqual(rest, [], 'equal digests: nothing more')
    // C dies in B's view only.
    b.s.learn([member('C', 'dead', 1)], 'D')
    a.transport.requests.length = 0
    a.timers.fire(30_000)
    const [ask2, push] = a.transport.requests
    assert.ok(ask2?.message.digest !== undefined)
    assert.equal(push?.message.buckets?.length, 1, 'one bucket differs')
    assert.ok(push!.message.members.length < 8 && push!.message.members.some((m) => m.peerId === 'C'), 'the bucket of C, not the table')
    assert.equal(a.s.core.member('C')?.state, 'dead', 'the pull brought the change')
  })

  it('with bounded monitors, gossips its health summary when it changes (figures at most once an interval), and refreshes it', () => {
    let health = HEALTH
    const { s: node, transport, clock, timers } = shell(3, () => health)
    /** Heartbeats that gossiped the summary, among the next `n`. */
    const gossipsIn = (n: number): number => {
      const before = transport.published.filter((p) => p.topic === CHANNELS.heartbeats.name).length
      for (let i = 0; i < n; i++) { clock.advance(1000); timers.fire(1000) }
      return transport.published.filter((p) => p.topic === CHANNELS.heartbeats.name).length - before
    }
    assert.equal(transport.published.length, 1, 'the first heartbeat gossips the summary')
    assert.equal(gossipsIn(STATE_NEWS_REPEATS), STATE_NEWS_REPEATS, 'news of state goes out again with the next heartbeats')
    node.announceSelf()
    assert.equal(transport.published.filter((p) => p.topic === CHANNELS.heartbeats.name).length, 2 + STATE_NEWS_REPEATS, 'a join gossips it again at once')
    assert.equal(gossipsIn(60), 0, 'an unchanged summary is not gossiped again')
    health = { ...health, mode: 'degraded' }
    assert.equal(gossipsIn(1), 1, 'a changed mode goes out at the next heartbeat')
    health = { ...health, services: [{ service: 'web', id: 'web-0', generation: 1, ready: true, state: 'running', sinceMs: 1 }] }
    assert.equal(gossipsIn(1), 1, 'so does a changed service, however recent the last gossip')
    assert.equal(gossipsIn(STATE_NEWS_REPEATS + 40), STATE_NEWS_REPEATS, 'repeated, then quiet')
    health = { ...health, cpuPercent: 90 }
    assert.equal(gossipsIn(1), 1, 'figures go out once the interval has passed since the last gossip')
    health = { ...health, cpuPercent: 20 }
    assert.equal(gossipsIn(29), 0, 'figures not within the interval')
    assert.equal(gossipsIn(1), 1, 'and then')
    health = { ...health, uptimeMs: 123_456, cpuPercent: 22, rssBytes: 110_000_000 }
    assert.equal(gossipsIn(HEALTH_REFRESH_INTERVALS * HEALTH_GOSSIP_MS / 1000 - 1), 0, 'small moves are not news')
    assert.equal(gossipsIn(1), 1, 'refreshed after the refresh period')
  })

  it('with bounded monitors, a degraded node whose detail comes with every few heartbeats only is not news each time', () => {
    // Degraded, the node leaves the detail (agents, figures) out of most heartbeats; members keep
    // the detail they hold (mergeSummary), so its return unchanged is no news.
    const detailed: HealthSummary = { ...HEALTH, mode: 'degraded', agents: { total: 1, running: 1, failed: 0, quarantined: 0 }, cpuPercent: 50 }
    const { agents: _a, cpuPercent: _c, ...bare } = detailed
    let beat = 0
    const { transport, clock, timers } = shell(3, () => (beat++ % 5 === 0 ? detailed : bare))
    for (let i = 0; i < 10; i++) { clock.advance(1000); timers.fire(1000) }
    const before = transport.published.filter((p) => p.topic === CHANNELS.heartbeats.name).length
    for (let i = 0; i < 60; i++) { clock.advance(1000); timers.fire(1000) }
    assert.equal(transport.published.filter((p) => p.topic === CHANNELS.heartbeats.name).length - before, 0)
  })

  it('with bounded monitors, stamps each summary it gossips with a higher version', () => {
    let health = HEALTH
    const { transport, clock, timers } = shell(3, () => health)
    const versions = (): number[] => transport.published.filter((p) => p.topic === CHANNELS.heartbeats.name).map((p) => (p.message as { health: HealthSummary }).health.summaryVersion!)
    for (let i = 0; i < STATE_NEWS_REPEATS; i++) { clock.advance(1000); timers.fire(1000) }
    health = { ...health, mode: 'degraded' }
    clock.advance(1000); timers.fire(1000)
    assert.deepEqual(versions(), [1, 2, 3, 4])
  })

  it('with bounded monitors, push/pull repairs a summary a member missed, and never takes an older one', () => {
    const a = shell(3, () => HEALTH)
    const c = shell(3, () => ({ ...HEALTH, name: 'c' }), 'C')
    const web = { service: 'web', id: 'web-0', generation: 1, ready: true, state: 'running', sinceMs: 1 }
    // B's summary of version 2 (it runs web-0) reached C; A holds version 1 (it missed the change).
    a.s.core.onHeartbeat('B', 1, [], { ...HEALTH, name: 'b', services: [], summaryVersion: 1 })
    c.s.core.onHeartbeat('B', 1, [], { ...HEALTH, name: 'b', services: [web], summaryVersion: 2 })
    // A beat (no detail, no version) to A as B's monitor keeps what A holds.
    a.s.core.onHeartbeat('B', 1, [], { name: 'b', role: 'member', incarnation: 1, version: 'test', uptimeMs: 5, mode: 'normal' })
    assert.equal(a.s.core.member('B')?.health?.summaryVersion, 1)
    // A late copy of version 1 reaching C changes nothing there.
    c.s.core.onHeartbeat('B', 1, [], { ...HEALTH, name: 'b', services: [], summaryVersion: 1 })
    assert.equal(c.s.core.member('B')?.health?.services?.length, 1)
    a.transport.answer = (_to, m) => syncFrom(c.transport, 'A', m.members, m)
    a.timers.fire(30_000)
    const [ask, push] = a.transport.requests
    assert.ok(ask?.message.digest !== undefined)
    assert.ok(push?.message.buckets !== undefined && push.message.buckets.length > 0, 'the digests differ')
    const b = a.s.core.member('B')?.health
    assert.equal(b?.summaryVersion, 2, 'the pull brought the newer summary')
    assert.deepEqual(b?.services, [web])
    assert.equal(c.s.core.member('B')?.health?.summaryVersion, 2, 'the push of the older one changed nothing')
  })

  it('with bounded monitors, answers an ask for its summary with its current one, gossiped first if it changed', () => {
    let health: HealthSummary = { ...HEALTH, name: 'b' }
    const a = shell(3, () => HEALTH)
    const b = shell(3, () => health, 'B')
    a.transport.answer = (_to, m) => syncFrom(b.transport, 'A', m.members, m)
    const gossiped = (): number => b.transport.published.filter((p) => p.topic === CHANNELS.heartbeats.name).length
    const before = gossiped()
    const web = { service: 'web', id: 'web-0', generation: 1, ready: true, state: 'running', sinceMs: 1 }
    health = { ...health, services: [web] }
    const answered: boolean[] = []
    a.s.askSummary('B', (ok) => { answered.push(ok) })
    assert.deepEqual(answered, [true])
    assert.equal(gossiped(), before + 1, 'a changed summary is gossiped as it is answered')
    assert.deepEqual(a.s.core.member('B')?.health?.services, [web])
    assert.equal(a.s.core.member('B')?.health?.summaryVersion, 2)
    a.s.askSummary('B', (ok) => { answered.push(ok) })
    assert.equal(gossiped(), before + 1, 'unchanged: answered with the one gossiped')
    assert.deepEqual(answered, [true, true])
    a.transport.answer = () => undefined
    a.s.askSummary('B', (ok) => { answered.push(ok) })
    assert.deepEqual(answered, [true, true, false], 'no answer: not heard')
  })

})
