/**
 * The election state machine on a non-voter (issue 17): it follows the coordinator from its
 * gossiped announcements, counts in nothing, stands in nothing, and forgets a coordinator it has
 * not heard announce for announceTimeoutMs. A voter ignores announcements.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { Election } from '../src/election/election.js'
import { events, persists, sends } from './helpers/election-core.js'

function nonVoter (): { e: Election, clock: ManualClock } {
  const clock = new ManualClock(0)
  const e = new Election({ selfId: 'z', announceTimeoutMs: 3500 }, { term: 0, votedFor: null }, clock, () => 0)
  e.setVoters(['a', 'b', 'c'], 1)
  e.setRanking(['a', 'b', 'c', 'z'])
  return { e, clock }
}

describe('Election: a non-voter', () => {
  it('learns the coordinator and its term from an announcement, persisting the newer term, and answers nothing', () => {
    const { e } = nonVoter()
    const out = e.learnCoordinator('a', 4)
    assert.deepEqual(events(out), [{ type: 'coordinator:elected', coordinatorId: 'a', term: 4 }])
    assert.deepEqual(persists(out), [{ type: 'persist', term: 4, votedFor: null }])
    assert.deepEqual(sends(out), [])
    assert.equal(e.coordinatorId, 'a')
    assert.equal(e.term, 4)
    assert.deepEqual(e.learnCoordinator('a', 4), [], 'the same news again changes nothing')
  })

  it('ignores an announcement of an older term', () => {
    const { e } = nonVoter()
    e.learnCoordinator('b', 5)
    assert.deepEqual(e.learnCoordinator('a', 4), [])
    assert.equal(e.coordinatorId, 'b')
  })

  it('stands in no election and forgets a coordinator silent for announceTimeoutMs', () => {
    const { e, clock } = nonVoter()
    e.learnCoordinator('a', 1)
    clock.advance(3000)
    assert.deepEqual(e.tick(), [], 'well past an election timeout: a non-voter asks nobody for a vote')
    assert.ok(e.leaseRemainingMs() > 0)
    e.learnCoordinator('a', 1)
    clock.advance(3499)
    assert.deepEqual(e.tick(), [])
    clock.advance(1)
    assert.deepEqual(events(e.tick()), [{ type: 'coordinator:lost', previous: 'a', term: 1 }])
    assert.equal(e.coordinatorId, null)
    clock.advance(60_000)
    assert.deepEqual(e.tick(), [])
  })

  it('a voter ignores announcements: it follows heartbeats, on which the lease rests', () => {
    const clock = new ManualClock(0)
    const e = new Election({ selfId: 'b' }, { term: 0, votedFor: null }, clock, () => 0)
    e.setVoters(['a', 'b', 'c'], 1)
    assert.deepEqual(e.learnCoordinator('a', 3), [])
    assert.equal(e.coordinatorId, null)
    assert.equal(e.term, 0)
  })
})
