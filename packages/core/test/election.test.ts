/**
 * The election state machine, one core at a time, part 1: pre-vote and votes. Messages are
 * handed to the core by the test, time moves on a ManualClock, `random` is fixed (see
 * helpers/election-core.ts). Names follow the behaviour they pin down.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { core, persists, sends, types, VOTERS, followerB } from './helpers/election-core.js'

describe('Election: pre-vote', () => {
  it('a follower whose timer fires asks for pre-votes for term + 1 without raising its term', () => {
    const { e, clock } = core('a')
    clock.advance(499)
    assert.deepEqual(e.tick(), [])
    clock.advance(1)
    const out = e.tick()
    assert.equal(e.role, 'pre-candidate')
    assert.equal(e.term, 0)
    assert.deepEqual(persists(out), [])
    assert.deepEqual(sends(out).map((o) => [o.to, o.message]), [['b', { type: 'pre-vote', term: 1, configVersion: 0 }], ['c', { type: 'pre-vote', term: 1, configVersion: 0 }]])
  })

  it('answering a pre-vote, granted or not, never changes the voter\'s term', () => {
    const { e, clock } = core('b', {}, { term: 3, votedFor: null })
    clock.advance(400)
    const out = e.receive('a', { type: 'pre-vote', term: 7, configVersion: 0 })
    assert.deepEqual(out, [{ type: 'send', to: 'a', message: { type: 'pre-vote-reply', term: 7, granted: true } }])
    assert.equal(e.term, 3)
    const refused = e.receive('c', { type: 'pre-vote', term: 2, configVersion: 0 })
    assert.deepEqual(refused, [{ type: 'send', to: 'c', message: { type: 'pre-vote-reply', term: 2, granted: false } }])
    assert.equal(e.term, 3)
  })

  it('a pre-vote reply with a higher term does not move the pre-candidate\'s term either', () => {
    const { e, clock } = core('a')
    clock.advance(500)
    e.tick()
    assert.deepEqual(e.receive('b', { type: 'pre-vote-reply', term: 9, granted: false }), [])
    assert.equal(e.term, 0)
    assert.equal(e.role, 'pre-candidate')
  })

  it('a node that hears a live coordinator refuses pre-votes until its trust (leaseMs) ends', () => {
    const { e, clock } = followerB()
    clock.advance(399)
    assert.deepEqual(sends(e.receive('c', { type: 'pre-vote', term: 2, configVersion: 0 }))[0]!.message, { type: 'pre-vote-reply', term: 2, granted: false })
    clock.advance(1)
    assert.deepEqual(sends(e.receive('c', { type: 'pre-vote', term: 2, configVersion: 0 }))[0]!.message, { type: 'pre-vote-reply', term: 2, granted: true })
    assert.equal(e.term, 1)
  })

  it('a quorum of pre-votes makes a candidate: term + 1, vote for self persisted before the vote requests', () => {
    const { e, clock } = core('a')
    clock.advance(500)
    e.tick()
    const out = e.receive('c', { type: 'pre-vote-reply', term: 1, granted: true })
    assert.equal(e.role, 'candidate')
    assert.equal(e.term, 1)
    assert.deepEqual(types(out), ['persist', 'send:vote', 'send:vote'])
    assert.deepEqual(out[0], { type: 'persist', term: 1, votedFor: 'a' })
  })

  it('pre-vote replies from non-voters or for another round do not count', () => {
    const { e, clock } = core('a')
    clock.advance(500)
    e.tick()
    e.receive('x', { type: 'pre-vote-reply', term: 1, granted: true })
    e.receive('b', { type: 'pre-vote-reply', term: 2, granted: true })
    e.receive('b', { type: 'pre-vote-reply', term: 1, granted: false })
    assert.equal(e.role, 'pre-candidate')
  })
})

describe('Election: votes', () => {
  it('grants one vote per term, persisted before the answer is sent', () => {
    const { e, clock } = core('b')
    clock.advance(400)
    const first = e.receive('a', { type: 'vote', term: 1, configVersion: 0 })
    assert.deepEqual(first, [
      { type: 'persist', term: 1, votedFor: 'a' },
      { type: 'send', to: 'a', message: { type: 'vote-reply', term: 1, granted: true } }
    ])
    const second = e.receive('c', { type: 'vote', term: 1, configVersion: 0 })
    assert.deepEqual(second, [{ type: 'send', to: 'c', message: { type: 'vote-reply', term: 1, granted: false } }])
    // A duplicate of the first request gets the same answer, and needs no new write.
    assert.deepEqual(e.receive('a', { type: 'vote', term: 1, configVersion: 0 }), [{ type: 'send', to: 'a', message: { type: 'vote-reply', term: 1, granted: true } }])
  })

  it('a granted vote is a promise for one lease: no pre-vote or vote for anyone else, even in a newer term', () => {
    // The winner dates its first lease from its vote request, so its voters must stay loyal as if they had acked a heartbeat.
    const { e, clock } = core('b')
    clock.advance(400)
    e.receive('a', { type: 'vote', term: 2, configVersion: 0 })
    clock.advance(399)
    assert.deepEqual(sends(e.receive('c', { type: 'pre-vote', term: 3, configVersion: 0 }))[0]!.message, { type: 'pre-vote-reply', term: 3, granted: false })
    assert.deepEqual(e.receive('c', { type: 'vote', term: 3, configVersion: 0 }), [])
    clock.advance(1)
    assert.deepEqual(sends(e.receive('c', { type: 'pre-vote', term: 3, configVersion: 0 }))[0]!.message, { type: 'pre-vote-reply', term: 3, granted: true })
  })

  it('a restarted node keeps its vote: it does not vote again in the persisted term', () => {
    const { e, clock } = core('b', {}, { term: 4, votedFor: 'a' })
    clock.advance(1000)
    assert.deepEqual(sends(e.receive('c', { type: 'vote', term: 4, configVersion: 0 }))[0]!.message, { type: 'vote-reply', term: 4, granted: false })
    const next = e.receive('c', { type: 'vote', term: 5, configVersion: 0 })
    assert.deepEqual(next, [{ type: 'persist', term: 5, votedFor: 'c' }, { type: 'send', to: 'c', message: { type: 'vote-reply', term: 5, granted: true } }])
  })

  it('a restarted node stays loyal for one lease: it may have acked a coordinator just before it crashed', () => {
    const { e, clock } = core('b', {}, { term: 1, votedFor: 'a' })
    assert.deepEqual(sends(e.receive('c', { type: 'pre-vote', term: 2, configVersion: 0 }))[0]!.message, { type: 'pre-vote-reply', term: 2, granted: false })
    assert.deepEqual(e.receive('c', { type: 'vote', term: 2, configVersion: 0 }), [], 'no answer, no term change')
    assert.equal(e.term, 1)
    clock.advance(400)
    assert.deepEqual(types(e.receive('c', { type: 'vote', term: 2, configVersion: 0 })), ['persist', 'send:vote-reply'])
    assert.equal(e.votedFor, 'c')
  })

  it('while it trusts a live coordinator, a vote request with a higher term neither moves its term nor gets an answer', () => {
    const { e, clock } = followerB()
    clock.advance(200)
    assert.deepEqual(e.receive('c', { type: 'vote', term: 5, configVersion: 0 }), [])
    assert.equal(e.term, 1)
  })

  it('a stale vote request is refused with the newer term', () => {
    const { e, clock } = core('b', {}, { term: 6, votedFor: null })
    clock.advance(400)
    assert.deepEqual(e.receive('a', { type: 'vote', term: 5, configVersion: 0 }), [{ type: 'send', to: 'a', message: { type: 'vote-reply', term: 6, granted: false } }])
  })

  it('adopts a higher term even when it refuses the vote (here: an older voter set), in one write', () => {
    const { e, clock } = core('b')
    e.setVoters(VOTERS, 3)
    clock.advance(400)
    const out = e.receive('a', { type: 'vote', term: 2, configVersion: 2 })
    assert.deepEqual(out, [{ type: 'persist', term: 2, votedFor: null }, { type: 'send', to: 'a', message: { type: 'vote-reply', term: 2, granted: false } }])
    assert.deepEqual(sends(e.receive('c', { type: 'pre-vote', term: 3, configVersion: 2 }))[0]!.message, { type: 'pre-vote-reply', term: 3, granted: false })
  })

  it('does not vote for a candidate outside its voter set', () => {
    const { e, clock } = core('b')
    clock.advance(400)
    assert.deepEqual(sends(e.receive('x', { type: 'vote', term: 1, configVersion: 0 }))[0]!.message, { type: 'vote-reply', term: 1, granted: false })
  })
})
