/**
 * The simulator's world table: node r's entry for member s at slot s·N + r, each node's view
 * seeing only its own entries, and a restarted node's view starting empty.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { NO_MEMBER } from '@kos/node'
import { WorldMemberTable } from '../src/world-member-table.js'

const PHI = { threshold: 8, maxSampleSize: 10, minStdDeviationMs: 100, acceptableHeartbeatPauseMs: 500, firstHeartbeatEstimateMs: 1000 }

describe('WorldMemberTable', () => {
  it('lays node r\'s entry for member s at s·N + r, one view per node', () => {
    const ids = ['a', 'b', 'c']
    const world = new WorldMemberTable(ids, PHI, new ManualClock(0))
    const v0 = world.viewFor(0)
    const v2 = world.viewFor(2)
    assert.equal(v0.slotOf('b'), -1, 'nothing known yet')
    assert.equal(v0.add('b', 'alive', 3), 1 * 3 + 0)
    assert.equal(v2.add('b', 'suspect', 5), 1 * 3 + 2)
    assert.equal(v0.slotOf('b'), 3)
    assert.equal(v2.slotOf('b'), 5)
    assert.equal(v2.slotOf('a'), -1, 'a view sees its own entries only')
    assert.equal(world.columns.incarnation(5), 5)
    assert.equal(v0.slotOf('stranger'), -1)
    assert.throws(() => v0.add('stranger', 'alive', 1), /not a simulated node/)
    v0.remove('b')
    assert.equal(v0.slotOf('b'), -1)
    assert.equal(v2.slotOf('b'), 5, 'another node\'s entry stays')
  })

  it('gives a restarted node an empty view (a new life knows no one)', () => {
    const world = new WorldMemberTable(['a', 'b'], PHI, new ManualClock(0))
    const first = world.viewFor(1)
    first.add('a', 'alive', 1)
    const again = world.viewFor(1)
    assert.equal(again.slotOf('a'), -1)
    assert.equal(world.columns.state(0 * 2 + 1), NO_MEMBER)
  })
})
