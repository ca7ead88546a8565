/**
 * The membership state machine under a manual clock: no sockets, no timers, no sleeping.
 * Inputs are fed by hand; outputs (broadcasts, probes, events) are asserted.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import type { HealthSummary, Role } from '../src/vocabulary/index.js'
import { Membership, REFUTE_AHEAD_LIMIT, type MemberClaim, type MembershipOptions, type MembershipOutput } from '../src/membership/membership.js'

const HEARTBEAT_MS = 1000

function options (peerId: string, overrides: Partial<MembershipOptions> = {}): MembershipOptions {
  return {
    self: { peerId, name: peerId.toLowerCase(), role: 'member', addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${peerId}`] },
    initialIncarnation: 1,
    phi: { threshold: 8, maxSampleSize: 200, minStdDeviationMs: 200, acceptableHeartbeatPauseMs: 500, firstHeartbeatEstimateMs: HEARTBEAT_MS },
    heartbeatIntervalMs: HEARTBEAT_MS,
    probeTimeoutMs: 500,
    indirectProbes: 2,
    suspicionTimeoutMs: 1000,
    localStallGraceMs: 3000,
    reapDeadAfterMs: 60_000,
    reapLeftAfterMs: 30_000,
    ...overrides
  }
}

function health (name: string, incarnation: number, role: Role = 'member'): HealthSummary {
  return {
    name, role, incarnation, version: 'test', uptimeMs: 0, cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0,
    eventLoopDelayP99Ms: 0, mode: 'normal', agents: { total: 0, running: 0, failed: 0, quarantined: 0 }
  }
}

function claim (state: MemberClaim['state'], target: string, incarnation: number): MemberClaim {
  return { state, target, incarnation, name: target.toLowerCase(), role: 'member', addrs: [] }
}

const events = (out: readonly MembershipOutput[]): string[] => out.flatMap((o) => o.type === 'event' ? [o.event.type] : [])
const broadcasts = (out: readonly MembershipOutput[]): MemberClaim[] => out.flatMap((o) => o.type === 'broadcast' ? [o.claim] : [])
const probes = (out: readonly MembershipOutput[]): Array<{ target: string, via: string[] }> => out.flatMap((o) => o.type === 'probe' ? [o] : [])

/** Node A hearing regular heartbeats from the given peers for `beats` intervals. */
function observer (peers: string[], beats = 10, overrides: Partial<MembershipOptions> = {}): { a: Membership, clock: ManualClock } {
  const clock = new ManualClock(0)
  const a = new Membership(options('A', overrides), clock, () => 0)
  for (let i = 0; i < beats; i++) {
    for (const p of peers) a.onHeartbeat(p, 1, [], health(p.toLowerCase(), 1))
    clock.advance(HEARTBEAT_MS)
  }
  return { a, clock }
}

/** Ticks every 100 ms until `until` (clock ms), collecting the outputs. */
function tickUntil (a: Membership, clock: ManualClock, until: number, onProbe?: (target: string) => boolean): MembershipOutput[] {
  const all: MembershipOutput[] = []
  while (clock.now() < until) {
    clock.advance(100)
    const out = a.tick()
    all.push(...out)
    for (const p of probes(out)) if (onProbe !== undefined) all.push(...a.onProbeResult(p.target, onProbe(p.target)))
  }
  return all
}

describe('Membership', () => {
  it('keeps the last health detail when a degraded peer heartbeats without it', () => {
    const clock = new ManualClock(0)
    const a = new Membership(options('A'), clock, () => 0)
    a.onHeartbeat('B', 1, [], { ...health('b', 1), cpuPercent: 42, agents: { total: 2, running: 1, failed: 1, quarantined: 0 } })
    clock.advance(HEARTBEAT_MS)
    a.onHeartbeat('B', 1, [], { name: 'b', role: 'member', incarnation: 1, version: 'test', uptimeMs: 1000, mode: 'degraded' })
    const h = a.member('B')?.health
    assert.equal(h?.mode, 'degraded')
    assert.equal(h?.uptimeMs, 1000)
    assert.equal(h?.cpuPercent, 42)
    assert.deepEqual(h?.agents, { total: 2, running: 1, failed: 1, quarantined: 0 })
    // A peer first heard while degraded has no detail yet, and says so by its absence.
    a.onHeartbeat('C', 1, [], { name: 'c', role: 'member', incarnation: 1, version: 'test', uptimeMs: 0, mode: 'minimal' })
    assert.equal(a.member('C')?.health?.agents, undefined)
  })

  it('does not carry a restarted peer\'s old services into its new life when a heartbeat leaves them out', () => {
    const clock = new ManualClock(0)
    const a = new Membership(options('A'), clock, () => 0)
    const web = [{ service: 'web', id: 'web-0', generation: 1, ready: true, state: 'running', sinceMs: 1 }]
    a.onHeartbeat('B', 1, [], { ...health('b', 1), services: web })
    clock.advance(HEARTBEAT_MS)
    a.onHeartbeat('B', 1, [], { name: 'b', role: 'member', incarnation: 1, version: 'test', uptimeMs: 1000, mode: 'normal' })
    assert.deepEqual(a.member('B')?.health?.services, web, 'same life: kept')
    clock.advance(HEARTBEAT_MS)
    a.onHeartbeat('B', 2, [], { name: 'b', role: 'member', incarnation: 2, version: 'test', uptimeMs: 0, mode: 'normal' })
    assert.equal(a.member('B')?.health?.services, undefined, 'a new life: not what it runs now')
  })

  it('adds a peer on its first heartbeat and reports it alive with phi near 0', () => {
    const clock = new ManualClock(0)
    const a = new Membership(options('A'), clock, () => 0)
    assert.deepEqual(events(a.onHeartbeat('B', 1, ['/ip4/127.0.0.1/tcp/2'], health('b', 1))), ['member:join'])
    const b = a.member('B')
    assert.equal(b?.state, 'alive')
    assert.equal(b?.name, 'b')
    assert.deepEqual(b?.addrs, ['/ip4/127.0.0.1/tcp/2'])
    assert.ok((b?.phi ?? 99) < 1)
  })

  it('ignores its own heartbeats', () => {
    const clock = new ManualClock(0)
    const a = new Membership(options('A'), clock, () => 0)
    assert.deepEqual(a.onHeartbeat('A', 1, [], health('a', 1)), [])
    assert.equal(a.list().length, 0)
  })

  it('probes a silent peer through k others before suspecting it, then declares it dead', () => {
    const { a, clock } = observer(['B', 'C', 'D'])
    // B goes silent; C and D keep heartbeating.
    let probeAt = -1
    let out: MembershipOutput[] = []
    for (let t = 0; t < 40 && probeAt < 0; t++) {
      clock.advance(100)
      if (t % 10 === 0) for (const p of ['C', 'D']) a.onHeartbeat(p, 1, [], health(p, 1))
      out = a.tick()
      if (probes(out).length > 0) probeAt = clock.now()
    }
    const [probe] = probes(out)
    assert.equal(probe?.target, 'B')
    assert.deepEqual([...(probe?.via ?? [])].sort(), ['C', 'D'], 'ping-req goes through the other alive members')
    assert.equal(a.member('B')?.state, 'alive', 'nobody is accused before the probe fails')
    const failed = a.onProbeResult('B', false)
    assert.deepEqual(events(failed), ['member:suspect'])
    assert.deepEqual(broadcasts(failed).map((c) => [c.state, c.target, c.incarnation]), [['suspect', 'B', 1]])
    const later = tickUntil(a, clock, clock.now() + 1000)
    assert.deepEqual(events(later), ['member:dead'])
    assert.deepEqual(broadcasts(later).map((c) => c.state), ['dead'])
  })

  it('reaches the verdict on a suspicion it only heard without gossiping it: the accuser does', () => {
    const { a, clock } = observer(['B', 'C'])
    a.onClaim(claim('suspect', 'B', 1), 'C')
    assert.equal(a.member('B')?.state, 'suspect')
    const later = tickUntil(a, clock, clock.now() + 1500, () => true)
    assert.deepEqual(events(later), ['member:dead'], 'dead on its own timer')
    assert.deepEqual(broadcasts(later), [], 'one dead notice per failure (the accuser\'s), not one per member')
  })

  it('keeps a silent peer alive when the probe reaches it, and does not suspect it', () => {
    const { a, clock } = observer(['B'])
    const out = tickUntil(a, clock, clock.now() + 10_000, () => true)
    assert.ok(probes(out).length >= 1)
    assert.deepEqual(events(out), [])
    assert.equal(a.member('B')?.state, 'alive')
  })

  it('counts a probe whose answer never comes as failed, after two probe deadlines', () => {
    const { a, clock } = observer(['B'])
    const out = tickUntil(a, clock, clock.now() + 5000) // nobody answers the probe
    assert.ok(probes(out).length === 1)
    assert.ok(events(out).includes('member:suspect'))
  })

  it('a lost connection starts a probe at once, without waiting for phi', () => {
    const { a } = observer(['B', 'C'])
    const out = a.onConnectionLost('B')
    assert.equal(probes(out)[0]?.target, 'B')
    assert.deepEqual(a.onConnectionLost('B'), [], 'one probe at a time')
    assert.deepEqual(events(a.onProbeResult('B', false)), ['member:suspect'])
  })

  it('a suspected node refutes by raising its incarnation, and the refutation clears the suspicion', () => {
    const clock = new ManualClock(0)
    const a = new Membership(options('A'), clock, () => 0)
    const b = new Membership(options('B'), clock, () => 0)
    a.onHeartbeat('B', 1, [], health('b', 1))
    a.onClaim(claim('suspect', 'B', 1), 'C')
    assert.equal(a.member('B')?.state, 'suspect')

    const refute = b.onClaim(claim('suspect', 'B', 1), 'C')
    assert.deepEqual(events(refute), ['member:refuted'])
    const [alive] = broadcasts(refute)
    assert.equal(alive?.state, 'alive')
    assert.equal(alive?.incarnation, 2)
    assert.equal(b.selfIncarnation, 2)

    assert.deepEqual(events(a.onClaim(alive!, 'B')), ['member:alive'])
    assert.equal(a.member('B')?.incarnation, 2)
    // The old suspicion timer does not fire any more.
    assert.deepEqual(events(tickUntil(a, clock, 2000, () => true)), [])
  })

  it('does not refute an old claim, nor while leaving', () => {
    const clock = new ManualClock(0)
    const b = new Membership(options('B', { initialIncarnation: 5 }), clock, () => 0)
    assert.deepEqual(b.onClaim(claim('dead', 'B', 4), 'C'), [])
    b.leave()
    assert.deepEqual(b.onClaim(claim('dead', 'B', 5), 'C'), [])
  })

  it('ignores an accusation at an incarnation above what the member itself announced', () => {
    const { a } = observer(['B'])
    assert.deepEqual(a.onClaim(claim('dead', 'B', 2 ** 32), 'C'), [])
    assert.deepEqual(a.onClaim(claim('suspect', 'B', 2), 'C'), [])
    assert.equal(a.member('B')?.state, 'alive')
    assert.deepEqual(events(a.onClaim(claim('dead', 'B', 1), 'C')), ['member:dead'], 'at the announced incarnation it counts')
  })

  it('ignores accusations from a member it holds dead: a healed partition delivers them late', () => {
    const { a } = observer(['B', 'C'])
    a.onClaim(claim('dead', 'C', 1), 'B')
    assert.equal(a.member('C')?.state, 'dead')
    assert.deepEqual(a.onClaim(claim('dead', 'B', 1), 'C'), [], 'C, dead to us, cannot kill B')
    assert.deepEqual(a.onClaim(claim('suspect', 'B', 1), 'C'), [])
    assert.equal(a.member('B')?.state, 'alive')
    // Once C is back (a higher incarnation), its word counts again.
    a.onHeartbeat('C', 2, [], health('c', 2))
    assert.deepEqual(events(a.onClaim(claim('suspect', 'B', 1), 'C')), ['member:suspect'])
  })

  it('does not refute a claim about itself far above its own incarnation: that claim is forged', () => {
    const clock = new ManualClock(0)
    const b = new Membership(options('B', { initialIncarnation: 3 }), clock, () => 0)
    assert.deepEqual(b.onClaim(claim('dead', 'B', 3 + REFUTE_AHEAD_LIMIT + 1), 'C'), [])
    assert.equal(b.selfIncarnation, 3)
    // A little ahead is a write lost in a crash: refuted above it.
    assert.deepEqual(events(b.onClaim(claim('dead', 'B', 5), 'C')), ['member:refuted'])
    assert.equal(b.selfIncarnation, 6)
  })

  it('takes a raised incarnation or new addresses only from the member itself: alive@2^32 then dead@2^32 from another cannot kill it', () => {
    const a = new Membership(options('A'), new ManualClock(0), () => 0)
    a.onClaim(claim('alive', 'B', 2), 'C')
    const mallory = 'M'
    a.onClaim({ ...claim('alive', 'B', 2 ** 32), addrs: ['/ip4/203.0.113.9/tcp/1'] }, mallory)
    assert.equal(a.member('B')?.incarnation, 2)
    assert.notDeepEqual(a.member('B')?.addrs, ['/ip4/203.0.113.9/tcp/1'])
    a.onClaim(claim('dead', 'B', 2 ** 32), mallory)
    assert.equal(a.member('B')?.state, 'alive')
    // B's own refutation still raises it.
    a.onClaim(claim('alive', 'B', 3), 'B')
    assert.equal(a.member('B')?.incarnation, 3)
  })

  it('orders claims by incarnation, then by state precedence', () => {
    // [held state, held inc, claim state, claim inc, resulting state]
    const table: Array<[MemberClaim['state'], number, MemberClaim['state'], number, MemberClaim['state']]> = [
      ['alive', 2, 'suspect', 1, 'alive'],
      ['alive', 2, 'suspect', 2, 'suspect'],
      ['alive', 2, 'alive', 2, 'alive'],
      ['suspect', 2, 'alive', 2, 'suspect'],
      ['suspect', 2, 'alive', 3, 'alive'],
      ['suspect', 2, 'dead', 2, 'dead'],
      ['alive', 2, 'dead', 1, 'alive'],
      ['dead', 2, 'alive', 2, 'dead'],
      ['dead', 2, 'suspect', 3, 'dead'],
      ['dead', 2, 'alive', 3, 'alive'],
      ['alive', 2, 'left', 2, 'left'],
      ['alive', 2, 'left', 1, 'alive'],
      ['dead', 2, 'left', 2, 'left'],
      ['left', 2, 'dead', 3, 'left'],
      ['left', 2, 'alive', 3, 'alive']
    ]
    for (const [held, heldInc, claimed, claimInc, expected] of table) {
      const clock = new ManualClock(0)
      const a = new Membership(options('A'), clock, () => 0)
      a.onClaim(claim(held, 'B', heldInc), 'C')
      assert.equal(a.member('B')?.state, held)
      // Only B itself raises its incarnation (its refutation); an accusation comes from another.
      const by = claimInc > heldInc && (claimed === 'alive' || claimed === 'left') ? 'B' : 'C'
      a.onClaim(claim(claimed, 'B', claimInc), by)
      assert.equal(a.member('B')?.state, expected, `${held}@${heldInc} + ${claimed}@${claimInc}`)
    }
  })

  it('holds back its suspicions for a grace period after its own event loop stalled', () => {
    const { a, clock } = observer(['B', 'C'])
    clock.advance(2500) // we were stalled: every peer looks silent
    const stalled = a.onLocalStall(2500)
    assert.deepEqual(events(stalled), ['node:stalled'])
    assert.equal(a.isHoldingBack, true)
    // The backlog of heartbeats drains during the grace period.
    const out: MembershipOutput[] = []
    for (let t = 0; t < 29; t++) {
      clock.advance(100)
      if (t % 10 === 0) { a.onHeartbeat('B', 1, [], health('b', 1)); a.onHeartbeat('C', 1, [], health('c', 1)) }
      out.push(...a.tick())
    }
    assert.deepEqual(probes(out), [])
    assert.deepEqual(events(out), [])
    assert.deepEqual(a.onConnectionLost('B'), [], 'no probes while holding back')
    clock.advance(200)
    assert.equal(a.isHoldingBack, false)
  })

  it('without the hold-back, the same stall makes it probe its peers', () => {
    const { a, clock } = observer(['B'])
    clock.advance(2500)
    assert.equal(probes(a.tick()).length, 1)
  })

  it('a dead member that returns with a higher incarnation is alive again', () => {
    const { a, clock } = observer(['B'])
    a.onClaim(claim('dead', 'B', 1), 'C')
    assert.equal(a.member('B')?.state, 'dead')
    assert.equal(a.member('B')?.phi, null)
    clock.advance(5000)
    assert.deepEqual(events(a.onHeartbeat('B', 2, [], health('b', 2))), ['member:alive'])
    assert.equal(a.member('B')?.state, 'alive')
    assert.ok((a.member('B')?.phi ?? 99) < 1, 'a fresh detector for the returned member')
  })

  it('repeats the dead notice to a member that keeps heartbeating at its old incarnation (to it alone), once per interval', () => {
    const { a, clock } = observer(['B'])
    a.onClaim(claim('dead', 'B', 1), 'C')
    const notices = (outs: readonly MembershipOutput[]): Array<[string, string, string, number]> =>
      outs.flatMap((o) => o.type === 'notify' ? [[o.to, o.claim.state, o.claim.target, o.claim.incarnation] as [string, string, string, number]] : [])
    const out = a.onHeartbeat('B', 1, [], health('b', 1))
    assert.deepEqual(notices(out), [['B', 'dead', 'B', 1]])
    assert.deepEqual(broadcasts(out), [], 'not gossiped: the others hear B alive right now')
    clock.advance(100)
    assert.deepEqual(notices(a.onHeartbeat('B', 1, [], health('b', 1))), [], 'throttled')
    clock.advance(HEARTBEAT_MS)
    assert.equal(notices(a.onHeartbeat('B', 1, [], health('b', 1))).length, 1)
    assert.equal(a.member('B')?.state, 'dead')
  })

  it('a graceful leave is broadcast, and peers record the member as left', () => {
    const clock = new ManualClock(0)
    const b = new Membership(options('B'), clock, () => 0)
    const [left] = broadcasts(b.leave())
    assert.deepEqual([left?.state, left?.target, left?.incarnation], ['left', 'B', 1])
    assert.equal(b.isLeaving, true)
    const { a } = observer(['B'])
    assert.deepEqual(events(a.onClaim(left!, 'B')), ['member:left'])
    assert.equal(a.member('B')?.state, 'left')
  })

  it('a leaving node accuses nobody', () => {
    const { a, clock } = observer(['B'])
    a.leave()
    assert.deepEqual(tickUntil(a, clock, clock.now() + 10_000), [])
  })

  it('forgets dead and left members after their reap timeouts', () => {
    const { a, clock } = observer(['B', 'C'])
    a.onClaim(claim('dead', 'B', 1), 'D')
    a.onClaim(claim('left', 'C', 1), 'C')
    clock.advance(30_000)
    assert.deepEqual(events(a.tick()), ['member:removed'])
    assert.equal(a.member('C'), undefined)
    clock.advance(30_000)
    assert.deepEqual(events(a.tick()), ['member:removed'])
    assert.equal(a.list().length, 0)
  })

  it('a state sync adds unknown members, keeps known dead ones listed, and refutes claims about itself', () => {
    const clock = new ManualClock(0)
    const a = new Membership(options('A'), clock, () => 0)
    const out = a.onSync([
      { peerId: 'B', name: 'b', role: 'archon', addrs: ['/ip4/127.0.0.1/tcp/2'], state: 'alive', incarnation: 3 },
      { peerId: 'C', name: 'c', role: 'member', addrs: [], state: 'dead', incarnation: 1 },
      { peerId: 'A', name: 'a', role: 'member', addrs: [], state: 'dead', incarnation: 4 }
    ], 'B')
    assert.deepEqual(events(out).sort(), ['member:join', 'member:refuted'])
    assert.equal(a.member('B')?.role, 'archon')
    assert.equal(a.member('C')?.state, 'dead')
    assert.equal(a.selfIncarnation, 5)
    const snapshot = a.snapshot()
    assert.deepEqual(snapshot[0], { peerId: 'A', name: 'a', role: 'member', addrs: ['/ip4/127.0.0.1/tcp/1/p2p/A'], state: 'alive', incarnation: 5 })
    assert.equal(snapshot.length, 3)
  })

  it('a member learnt from a sync that never heartbeats is probed once its silence is long enough', () => {
    const clock = new ManualClock(0)
    const a = new Membership(options('A'), clock, () => 0)
    a.onSync([{ peerId: 'B', name: 'b', role: 'member', addrs: [], state: 'alive', incarnation: 1 }], 'C')
    const out = tickUntil(a, clock, 10_000)
    assert.equal(probes(out)[0]?.target, 'B')
  })

  it('picks indirect probe helpers with the injected random source, at most k of them', () => {
    const { a } = observer(['B', 'C', 'D', 'E', 'F'])
    const [probe] = probes(a.onConnectionLost('B'))
    assert.equal(probe?.via.length, 2)
    assert.ok(!probe?.via.includes('B'))
    assert.equal(new Set(probe?.via).size, 2)
  })
})
