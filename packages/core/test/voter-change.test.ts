/** The voter set's next change (election/voter-change.ts): one voter at a time, adds first. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { candidatesOf, learnersOf, nextVoterChange, type VoterMember } from '../src/election/voter-change.js'

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

/** A member with a zone label in its health summary. */
const z = (peerId: string, zone: string, state: State = 'alive', stateSinceMs = 0): VoterMember => ({ peerId, state, stateSinceMs, health: { zone } })

describe('the bounded voter set', () => {
  const five = { max: 5, selfZone: '' }
  const all = (): boolean => true

  it('grows to the bound and no further, however many members are alive', () => {
    const members = ['b', 'c', 'd', 'e', 'f', 'g'].map((id) => m(id, 'alive'))
    let voters = ['a']
    for (let i = 0; i < 10; i++) {
      const change = nextVoterChange('a', voters, members, 0, 30_000, 0, all, five)
      if (change === null) break
      voters = change.next
    }
    assert.deepEqual(voters, ['a', 'b', 'c', 'd', 'e'])
  })

  it('replaces a voter dead past removeAfterMs: removed first (the set is full), then the best candidate added', () => {
    const members = [m('b', 'alive'), m('c', 'dead', 0), m('d', 'alive'), m('e', 'alive'), m('f', 'alive'), m('g', 'alive')]
    assert.equal(nextVoterChange('a', ['a', 'b', 'c', 'd', 'e'], members, 29_999, 30_000, 3, all, five), null)
    const removed = nextVoterChange('a', ['a', 'b', 'c', 'd', 'e'], members, 30_000, 30_000, 3, all, five)
    assert.deepEqual(removed, { next: ['a', 'b', 'd', 'e'], added: null, removed: 'c' })
    assert.deepEqual(nextVoterChange('a', removed!.next, members, 30_000, 30_000, 3, all, five), { next: ['a', 'b', 'd', 'e', 'f'], added: 'f', removed: null })
  })

  it('spreads the voters across zones: a zone without a voter comes first', () => {
    const members = [z('b', 'east'), z('c', 'east'), z('d', 'east'), z('x', 'west'), z('y', 'north')]
    assert.deepEqual(candidatesOf('a', ['a'], members, { max: 5, selfZone: 'east' }), ['x', 'y', 'b', 'c', 'd'])
    let voters = ['a']
    for (let i = 0; i < 10; i++) {
      const change = nextVoterChange('a', voters, members, 0, 30_000, 0, all, { max: 3, selfZone: 'east' })
      if (change === null) break
      voters = change.next
    }
    assert.deepEqual(voters, ['a', 'x', 'y'])
  })

  it('rebalances a lopsided full set one change at a time, and only while every voter is alive', () => {
    const bounds = { max: 3, selfZone: 'east' }
    const members = [z('b', 'east'), z('c', 'east'), z('x', 'west')]
    // a, b, c all in east; x (west) is ready: the highest id of east that is not self goes.
    assert.deepEqual(nextVoterChange('a', ['a', 'b', 'c'], members, 0, 30_000, 2, all, bounds), { next: ['a', 'b'], added: null, removed: 'c' })
    assert.deepEqual(nextVoterChange('a', ['a', 'b'], members, 0, 30_000, 2, all, bounds), { next: ['a', 'b', 'x'], added: 'x', removed: null })
    assert.equal(nextVoterChange('a', ['a', 'b', 'x'], members, 0, 30_000, 2, all, bounds), null, 'balanced: no more changes')
    // b is suspect: nobody healthy is given up meanwhile.
    const shaky = [z('b', 'east', 'suspect'), z('c', 'east'), z('x', 'west')]
    assert.equal(nextVoterChange('a', ['a', 'b', 'c'], shaky, 0, 30_000, 2, all, bounds), null)
    // Members without zones never rebalance.
    assert.equal(nextVoterChange('a', ['a', 'b', 'c'], [m('b', 'alive'), m('c', 'alive'), m('x', 'alive')], 0, 30_000, 2, all, { max: 3, selfZone: '' }), null)
  })

  it('shrinks a set over the bound one voter at a time, never self', () => {
    const members = ['b', 'c', 'd', 'e'].map((id) => m(id, 'alive'))
    assert.deepEqual(nextVoterChange('e', ['a', 'b', 'c', 'd', 'e'], members.filter((x) => x.peerId !== 'e').concat(m('a', 'alive')), 0, 30_000, 3, all, { max: 3, selfZone: '' }),
      { next: ['a', 'b', 'c', 'e'], added: null, removed: 'd' })
  })

  it('heartbeats a bounded number of learners: one more than the free seats', () => {
    const members = Array.from({ length: 100 }, (_, i) => m(`p${String(i).padStart(3, '0')}`, 'alive'))
    assert.deepEqual(learnersOf('a', ['a'], members, five), ['p000', 'p001', 'p002', 'p003', 'p004'])
    assert.deepEqual(learnersOf('a', ['a', 'p000', 'p001', 'p002', 'p003'], members, five), ['p004'])
    assert.deepEqual(learnersOf('a', ['a', 'p000', 'p001'], members, five), ['p002', 'p003', 'p004'])
  })
})
