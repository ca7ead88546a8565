/**
 * The simulator's world table: node r's entry for member s at slot s·N + r, each node's view
 * seeing only its own entries, and a restarted node's view starting empty.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { Membership, NO_MEMBER, type MembershipOptions } from '@kos/core'
import { WorldMemberTable } from '../src/world-member-table.js'

const PHI = { threshold: 8, maxSampleSize: 10, minStdDeviationMs: 100, acceptableHeartbeatPauseMs: 500, firstHeartbeatEstimateMs: 1000 }
const HEALTH = {
  name: 'b', role: 'member' as const, incarnation: 1, version: 't', uptimeMs: 0, cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0,
  eventLoopDelayP99Ms: 0, mode: 'normal' as const, agents: { total: 0, running: 0, failed: 0, quarantined: 0 }
}

function options (self: string): MembershipOptions {
  return {
    self: { peerId: self, name: self, role: 'member', addrs: [] },
    initialIncarnation: 1,
    phi: PHI,
    heartbeatIntervalMs: 1000,
    probeTimeoutMs: 500,
    indirectProbes: 0,
    suspicionTimeoutMs: 1000,
    localStallGraceMs: 3000,
    reapDeadAfterMs: 60_000,
    reapLeftAfterMs: 30_000
  }
}

/** A world of cores over one table, each knowing the others alive at incarnation 1. */
function world (ids: string[], clock: ManualClock): { table: WorldMemberTable, cores: Membership[] } {
  const table = new WorldMemberTable(ids, PHI, clock)
  const cores = ids.map((id, i) => {
    const core = new Membership(options(id), clock, () => 0.5, table.viewFor(i))
    table.attach(i, core)
    core.onSync(ids.map((peerId) => ({ peerId, name: peerId, role: 'member' as const, addrs: [], state: 'alive' as const, incarnation: 1 })), ids[0]!)
    return core
  })
  return { table, cores }
}

describe('WorldMemberTable', () => {
  it('lays node r\'s entry for member s at r·N + s, one view per node', () => {
    const ids = ['a', 'b', 'c']
    const world = new WorldMemberTable(ids, PHI, new ManualClock(0))
    const v0 = world.viewFor(0)
    const v2 = world.viewFor(2)
    assert.equal(v0.slotOf('b'), -1, 'nothing known yet')
    assert.equal(v0.add('b', 'alive', 3), 0 * 3 + 1)
    assert.equal(v2.add('b', 'suspect', 5), 2 * 3 + 1)
    assert.equal(v0.slotOf('b'), 1)
    assert.equal(v2.slotOf('b'), 7)
    assert.equal(v2.slotOf('a'), -1, 'a view sees its own entries only')
    assert.equal(world.columns.incarnation(7), 5)
    assert.equal(v0.slotOf('stranger'), -1)
    assert.throws(() => v0.add('stranger', 'alive', 1), /not a simulated node/)
    v0.remove('b')
    assert.equal(v0.slotOf('b'), -1)
    assert.equal(v2.slotOf('b'), 7, 'another node\'s entry stays')
  })

  it('takes the common heartbeat exactly as Membership.onHeartbeat would, and leaves every other case to the core', () => {
    const ids = ['a', 'b', 'c']
    const fastClock = new ManualClock(0)
    const slowClock = new ManualClock(0)
    const fast = world(ids, fastClock)
    const slow = world(ids, slowClock)
    // b's heartbeats to a: regular, then a burst (which brings a's crossing for b forward), then silence.
    const beats = [1000, 2000, 3000, 3050, 3100, 4100]
    const outputs = (core: Membership): string => JSON.stringify(core.tick())
    for (let t = 0; t <= 12_000; t += 50) {
      fastClock.set(t)
      slowClock.set(t)
      if (beats.includes(t)) {
        assert.equal(fast.table.acceptHeartbeat(1, 0, 1, [], HEALTH), true, `at ${t}`)
        assert.deepEqual(slow.cores[0]!.onHeartbeat('b', 1, [], HEALTH), [])
      }
      assert.equal(outputs(fast.cores[0]!), outputs(slow.cores[0]!), `a's tick at ${t} ms`)
      assert.equal(fast.table.columns.lastHeartbeatAtMs(0 * 3 + 1), slow.table.columns.lastHeartbeatAtMs(0 * 3 + 1))
      assert.equal(fast.cores[0]!.member('b')?.phi, slow.cores[0]!.member('b')?.phi)
    }
    assert.equal(fast.cores[0]!.member('b')?.state, 'dead', 'the silence was noticed: probe overdue, suspect, dead')
    // Not the common case: left to the core, nothing changed.
    assert.equal(fast.table.acceptHeartbeat(1, 0, 1, [], HEALTH), false, 'held dead')
    assert.equal(fast.table.acceptHeartbeat(2, 0, 2, [], HEALTH), false, 'a newer incarnation')
    fast.table.viewFor(1)
    assert.equal(fast.table.acceptHeartbeat(0, 1, 1, [], HEALTH), false, 'a restarted node that knows no one yet')
    assert.equal(fast.table.columns.state(1 * 3 + 0), NO_MEMBER)
  })

  it('gives a restarted node an empty view (a new life knows no one)', () => {
    const world = new WorldMemberTable(['a', 'b'], PHI, new ManualClock(0))
    const first = world.viewFor(1)
    first.add('a', 'alive', 1)
    const again = world.viewFor(1)
    assert.equal(again.slotOf('a'), -1)
    assert.equal(world.columns.state(1 * 2 + 0), NO_MEMBER)
  })
})
