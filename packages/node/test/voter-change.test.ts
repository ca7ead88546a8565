/** The voter set's next change (election/voter-change.ts): one voter at a time, adds first. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { nextVoterChange } from '../src/election/voter-change.js'

type State = 'alive' | 'suspect' | 'dead' | 'left'
const m = (peerId: string, state: State, stateSinceMs = 0): { peerId: string, state: State, stateSinceMs: number } => ({ peerId, state, stateSinceMs })

describe('nextVoterChange', () => {
  it('adds the lowest missing member first, one at a time, before removing anyone', () => {
    assert.deepEqual(nextVoterChange('a', ['a', 'x'], [m('c', 'alive'), m('b', 'suspect'), m('x', 'left')], 0, 30_000),
      { next: ['a', 'x', 'b'], added: 'b', removed: null })
  })

  it('removes a member that left, or has been dead longer than removeAfterMs; keeps a recent death', () => {
    assert.deepEqual(nextVoterChange('a', ['a', 'b', 'c'], [m('b', 'left'), m('c', 'dead', 0)], 10_000, 30_000),
      { next: ['a', 'c'], added: null, removed: 'b' })
    assert.equal(nextVoterChange('a', ['a', 'c'], [m('c', 'dead', 0)], 29_999, 30_000), null)
    assert.deepEqual(nextVoterChange('a', ['a', 'c'], [m('c', 'dead', 0)], 30_000, 30_000), { next: ['a'], added: null, removed: 'c' })
  })

  it('never removes self, and answers null when the set is what it should be', () => {
    assert.equal(nextVoterChange('a', ['a', 'b'], [m('b', 'alive')], 0, 30_000), null)
    assert.deepEqual(nextVoterChange('a', ['b'], [m('b', 'alive')], 0, 30_000), { next: ['b', 'a'], added: 'a', removed: null })
  })

  it('changes nothing until a quorum of the voters holds the current set', () => {
    const members = [m('b', 'alive'), m('c', 'alive'), m('d', 'alive')]
    assert.equal(nextVoterChange('a', ['a', 'b', 'c'], members, 0, 30_000, 2, () => false), null)
    assert.deepEqual(nextVoterChange('a', ['a', 'b', 'c'], members, 0, 30_000, 2, (v) => v === 'b'), { next: ['a', 'b', 'c', 'd'], added: 'd', removed: null })
  })
})
