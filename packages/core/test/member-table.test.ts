/**
 * LocalMemberTable: a node's slots for its members. Slots are dense and reused, and growing the
 * columns keeps what every member's slot holds (state, incarnation, health, detector).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { ALIVE, DEAD, LocalMemberTable, NO_MEMBER } from '../src/membership/member-table.js'

const PHI = { threshold: 8, maxSampleSize: 10, minStdDeviationMs: 100, acceptableHeartbeatPauseMs: 500, firstHeartbeatEstimateMs: 1000 }
const health = (name: string) => ({ name, role: 'member' as const, incarnation: 1, version: 'test', uptimeMs: 0, mode: 'normal' as const })

describe('LocalMemberTable', () => {
  it('gives each member a slot, reuses a removed one, and answers -1 for strangers', () => {
    const t = new LocalMemberTable(PHI, new ManualClock(0))
    const a = t.add('A', 'alive', 1)
    const b = t.add('B', 'dead', 4)
    assert.notEqual(a, b)
    assert.equal(t.slotOf('A'), a)
    assert.equal(t.columns.state(b), DEAD)
    assert.equal(t.columns.incarnation(b), 4)
    assert.ok(Number.isNaN(t.columns.lastHeartbeatAtMs(a)))
    t.remove('A')
    assert.equal(t.slotOf('A'), -1)
    assert.equal(t.columns.state(a), NO_MEMBER)
    assert.equal(t.add('C', 'alive', 1), a, 'the freed slot is taken again')
    assert.equal(t.slotOf('nobody'), -1)
  })

  it('grows past its first capacity keeping every slot, its detector included', () => {
    const clock = new ManualClock(0)
    const t = new LocalMemberTable(PHI, clock, 2)
    const slots: number[] = []
    for (let i = 0; i < 40; i++) {
      const s = t.add(`m${i}`, 'alive', i)
      t.columns.health[s] = health(`m${i}`)
      t.columns.detectors.reset(s)
      t.columns.detectors.heartbeat(s)
      slots.push(s)
    }
    clock.advance(1000)
    const before = slots.map((s) => t.columns.detectors.phi(s))
    assert.ok(t.columns.capacity >= 40)
    for (let i = 0; i < 40; i++) {
      const s = t.slotOf(`m${i}`)
      assert.equal(s, slots[i])
      assert.equal(t.columns.state(s), ALIVE)
      assert.equal(t.columns.incarnation(s), i)
      assert.equal(t.columns.health[s]?.name, `m${i}`)
      assert.equal(t.columns.detectors.phi(s), before[i])
      assert.equal(t.columns.detectors.lastHeartbeatAt(s), 0)
    }
  })

  it('lists the alive members whose crossing comes before a horizon (the crossing scan)', () => {
    const clock = new ManualClock(0)
    const t = new LocalMemberTable(PHI, clock)
    const start = (peer: string, state: 'alive' | 'suspect' | 'dead'): number => {
      const s = t.add(peer, state, 1)
      t.columns.detectors.reset(s)
      t.columns.detectors.heartbeat(s)
      return s
    }
    const early = start('early', 'alive')
    clock.set(5_000)
    const late = start('late', 'alive')
    start('suspected', 'suspect')
    start('gone', 'dead')
    const never = t.add('never', 'alive', 1) // no heartbeat yet: φ stays 0, no crossing
    t.columns.detectors.reset(never)
    const crossing = (s: number): number => t.columns.detectors.earliestThresholdAtMs(s)
    assert.ok(crossing(early) < crossing(late))
    const found = (horizon: number): number[] => { const out: number[] = []; t.crossingsBefore(horizon, out); return out }
    assert.deepEqual(found(crossing(early) - 1), [])
    assert.deepEqual(found(crossing(early)), [early])
    assert.deepEqual(found(crossing(late)), [early, late], 'alive members only, by slot')
    t.remove('early')
    assert.deepEqual(found(crossing(late)), [late], 'a removed member is not listed')
  })

  it('records a heartbeat into the columns: health, arrival, detector; nothing for a dead member', () => {
    const clock = new ManualClock(0)
    const t = new LocalMemberTable(PHI, clock)
    const s = t.add('a', 'alive', 1)
    t.columns.detectors.reset(s)
    const h = health('a')
    assert.equal(t.columns.recordHeartbeat(s, ['/ip4/127.0.0.1/tcp/1'], h, 0), true, 'the first heartbeat starts the detector: its crossing comes from Infinity')
    assert.equal(t.columns.health[s], h)
    assert.deepEqual(t.columns.addrs[s], ['/ip4/127.0.0.1/tcp/1'])
    clock.set(1000)
    assert.equal(t.columns.recordHeartbeat(s, [], h, 1000), false, 'a regular interval moves the crossing later')
    assert.equal(t.columns.lastHeartbeatAtMs(s), 1000)
    assert.deepEqual(t.columns.addrs[s], ['/ip4/127.0.0.1/tcp/1'], 'no addresses: the ones held stay')
    t.columns.setState(s, DEAD)
    clock.set(2000)
    assert.equal(t.columns.recordHeartbeat(s, [], h, 2000), false)
    assert.equal(t.columns.lastHeartbeatAtMs(s), 1000, 'a dead member\'s detector does not run')
  })
})
