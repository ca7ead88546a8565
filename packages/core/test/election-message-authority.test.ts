import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { announcementRefusal, electionRefusal, MAX_TERM_LEAP } from '../src/election/message-authority.js'

const ours = { term: 3, version: 4, voters: ['A', 'B', 'C'] }

describe('electionRefusal', () => {
  it('refuses an absurd term from anyone, a voter included: it would be persisted and end all elections', () => {
    assert.equal(electionRefusal('A', { type: 'heartbeat-ack', term: 2 ** 53 - 2, sentAt: 0, ok: false }, undefined, ours, 5), 'term-bound')
    assert.equal(electionRefusal('A', { type: 'vote', term: 5 + MAX_TERM_LEAP + 1, configVersion: 1 }, undefined, ours, 5), 'term-bound')
    assert.equal(electionRefusal('A', { type: 'vote', term: 5 + MAX_TERM_LEAP, configVersion: 1 }, undefined, ours, 5), null)
  })

  it('lets no non-voter campaign, vote, or lead without a newer voter set naming it', () => {
    for (const m of [
      { type: 'pre-vote', term: 6, configVersion: 1 }, { type: 'vote', term: 6, configVersion: 1 },
      { type: 'pre-vote-reply', term: 5, granted: true }, { type: 'vote-reply', term: 5, granted: true },
      { type: 'heartbeat', term: 9, sentAt: 0 }, { type: 'heartbeat-ack', term: 6, sentAt: 0, ok: true }
    ] as const) {
      assert.equal(electionRefusal('M', m, undefined, ours, 5), 'not-voter', m.type)
    }
    assert.equal(electionRefusal('M', { type: 'heartbeat', term: 9, sentAt: 0 }, ours, ours, 5), 'not-voter', 'the same set')
    assert.equal(electionRefusal('M', { type: 'heartbeat', term: 9, sentAt: 0 }, { term: 9, version: 5, voters: ['A', 'B', 'C'] }, ours, 5), 'not-voter', 'a newer set without it')
    assert.equal(electionRefusal('M', { type: 'heartbeat', term: 9, sentAt: 0 }, { term: 9, version: 99, voters: ['A', 'B', 'C', 'M'] }, ours, 5), 'not-voter', 'an invented newer set naming it')
  })

  it('takes a joiner\'s first heartbeat naming its sender, a voter\'s messages, and a learner\'s ack at our term', () => {
    assert.equal(electionRefusal('D', { type: 'heartbeat', term: 1, sentAt: 0 }, { term: 1, version: 1, voters: ['D'] }, { term: 0, version: 0, voters: [] }, 0), null, 'a joiner holds no set yet')
    // With no coordinator left, a joiner learns the set from the candidates (the simulator's recovery case).
    const none = { term: 0, version: 0, voters: [] }
    const set = { term: 1, version: 4, voters: ['A', 'B', 'C', 'D'] }
    assert.equal(electionRefusal('A', { type: 'pre-vote', term: 2, configVersion: 4 }, set, none, 0), null, 'a pre-vote carrying a set naming its sender')
    assert.equal(electionRefusal('A', { type: 'vote', term: 2, configVersion: 4 }, set, none, 0), null, 'a vote carrying it')
    assert.equal(electionRefusal('M', { type: 'pre-vote', term: 2, configVersion: 4 }, set, none, 0), 'not-voter', 'a set that does not name the sender')
    assert.equal(electionRefusal('D', { type: 'pre-vote', term: 2, configVersion: 4 }, set, ours, 0), 'not-voter', 'a node that holds a set asks its own voters')
    assert.equal(electionRefusal('L', { type: 'heartbeat-ack', term: 5, sentAt: 0, ok: true }, undefined, ours, 5), null)
    assert.equal(electionRefusal('B', { type: 'pre-vote', term: 6, configVersion: 4 }, undefined, ours, 5), null)
  })
})

describe('announcementRefusal', () => {
  const ours = { term: 3, version: 2, voters: ['a', 'b', 'c'] }
  const none = { term: 0, version: 0, voters: [] }

  it('a non-voter that follows a coordinator takes announcements only from the voters it knows', () => {
    assert.equal(announcementRefusal('z', 'a', 7, ours, true, 6), null)
    assert.equal(announcementRefusal('z', 'x', 7, ours, true, 6), 'not-voter')
  })

  it('a non-voter with no coordinator, or no voter set, takes the first it hears', () => {
    assert.equal(announcementRefusal('z', 'x', 7, ours, false, 6), null)
    assert.equal(announcementRefusal('z', 'x', 7, none, true, 6), null)
  })

  it('a voter refuses only an absurd term: it follows heartbeats, not announcements', () => {
    assert.equal(announcementRefusal('b', 'x', 7, ours, true, 6), null)
    assert.equal(announcementRefusal('b', 'a', 6 + MAX_TERM_LEAP + 1, ours, true, 6), 'term-bound')
    assert.equal(announcementRefusal('z', 'x', 6 + MAX_TERM_LEAP + 1, ours, false, 6), 'term-bound')
  })
})
