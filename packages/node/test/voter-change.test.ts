/** The voter set's next change (election/voter-change.ts): one voter at a time, adds first. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { learnersOf, nextVoterChange } from '../src/election/voter-change.js'

type State = 'alive' | 'suspect' | 'dead' | 'left'
const m = (peerId: string, state: State, stateSinceMs = 0): { peerId: string, state: State, stateSinceMs: number } => ({ peerId, state, stateSinceMs })

describe('nextVoterChange', () => {
  it('adds the lowest missing alive member first, one at a time, before removing anyone', () => {
    assert.deepEqual(nextVoterChange('a', ['a', 'x'], [m('c', 'alive'), m('b', 'alive'), m('x', 'left')], 0, 30_000),
      { next: ['a', 'x', 'b'], added: 'b', removed: null })
  })

  it('adds no suspect or dead member: only an alive one can catch up', () => {
    assert.deepEqual(nextVoterChange('a', ['a', 'x'], [m('c', 'alive'), m('b', 'suspect'), m('d', 'dead', 0), m('x', 'alive')], 1000, 30_000),
      { next: ['a', 'x', 'c'], added: 'c', removed: null })
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
    assert.deepEqual(nextVoterChange('a', ['a', 'b', 'c'], members, 0, 30_000, 2, (v) => v === 'b' || v === 'd'), { next: ['a', 'b', 'c', 'd'], added: 'd', removed: null })
  })

  it('adds a member only once it holds the current set itself (the chaos run of seed 3)', () => {
    // The pair a, b holds the set; c and d are alive in a's table but cut off, so they never
    // acknowledged it. Adding them would make a set of four whose quorum needs one of them.
    const members = [m('b', 'alive'), m('c', 'alive'), m('d', 'alive')]
    const pairOnly = (v: string): boolean => v === 'b'
    assert.equal(nextVoterChange('a', ['a', 'b'], members, 0, 30_000, 2, pairOnly), null)
    // c caught up (as a learner): it is added, and d still is not.
    const withC = (v: string): boolean => v === 'b' || v === 'c'
    assert.deepEqual(nextVoterChange('a', ['a', 'b'], members, 0, 30_000, 2, withC), { next: ['a', 'b', 'c'], added: 'c', removed: null })
    assert.equal(nextVoterChange('a', ['a', 'b', 'c'], members, 0, 30_000, 2, withC), null)
  })

  it('removes even while a member waits to catch up', () => {
    const members = [m('b', 'alive'), m('c', 'left'), m('d', 'alive')]
    assert.deepEqual(nextVoterChange('a', ['a', 'b', 'c'], members, 0, 30_000, 2, (v) => v === 'b'), { next: ['a', 'b'], added: null, removed: 'c' })
  })
})

describe('learnersOf', () => {
  it('is every alive member that is not a voter, self excepted', () => {
    assert.deepEqual(learnersOf('a', ['a', 'b'], [m('a', 'alive'), m('b', 'alive'), m('c', 'alive'), m('d', 'suspect'), m('e', 'dead'), m('f', 'left'), m('g', 'alive')]), ['c', 'g'])
  })
})
