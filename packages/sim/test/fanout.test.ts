/**
 * FanoutBuffers: one fan-out's receivers grouped by delay into a pooled buffer, delays in the
 * order first drawn and receivers in index order within each, the buffer reused once every
 * group's event has been delivered.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FanoutBuffers } from '../src/fanout.js'

function groupsOf (f: FanoutBuffers, groups: number): Array<[number, number[]]> {
  const out: Array<[number, number[]]> = []
  let start = 0
  for (let g = 0; g < groups; g++) {
    const end = f.ends[g]!
    out.push([f.delays[g]!, [...f.receivers(f.buffer).subarray(start, end)]])
    start = end
  }
  return out
}

describe('FanoutBuffers', () => {
  it('groups receivers by delay, delays in the order first drawn, receivers in index order', () => {
    const f = new FanoutBuffers(8)
    const drawn: Array<[number, number]> = [[1, 5], [2, 3], [3, 5], [4, 0], [6, 3], [7, 200]]
    for (const [to, d] of drawn) f.add(to, d)
    const groups = f.finish()
    assert.deepEqual(groupsOf(f, groups), [[5, [1, 3]], [3, [2, 6]], [0, [4]], [200, [7]]])
  })

  it('returns no group for an empty fan-out, and starts each fan-out afresh', () => {
    const f = new FanoutBuffers(4)
    assert.equal(f.finish(), 0)
    f.add(0, 2)
    f.add(3, 2)
    assert.equal(f.finish(), 1)
    assert.deepEqual(groupsOf(f, 1), [[2, [0, 3]]])
    f.add(1, 7)
    assert.equal(f.finish(), 1)
    assert.deepEqual(groupsOf(f, 1), [[7, [1]]], 'nothing of the previous fan-out is left')
  })

  it('keeps a buffer until all its events are delivered, then reuses it', () => {
    const f = new FanoutBuffers(4)
    f.add(0, 1); f.add(1, 2)
    assert.equal(f.finish(), 2)
    const first = f.buffer
    f.add(2, 1)
    f.finish()
    assert.notEqual(f.buffer, first, 'the first buffer still has events in flight')
    f.delivered(first)
    f.add(3, 1)
    f.finish()
    assert.notEqual(f.buffer, first, 'one of its two events is still in flight')
    f.delivered(first)
    f.add(0, 4)
    f.finish()
    assert.equal(f.buffer, first, 'all delivered: reused')
    assert.deepEqual(groupsOf(f, 1), [[4, [0]]])
  })
})
