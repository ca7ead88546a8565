/** Which election messages carry the voter set, and from which it is adopted (election/voter-news.ts). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ElectionMessage, ElectionRole } from '../src/election/election-messages.js'
import { adoptsVotersFrom, carriesVoters, reportsHeld, senderHolds } from '../src/election/voter-news.js'

const hb: ElectionMessage = { type: 'heartbeat', term: 3, sentAt: 0 }
const preVote: ElectionMessage = { type: 'pre-vote', term: 4, configVersion: 3_000_004 }
const preVoteReply: ElectionMessage = { type: 'pre-vote-reply', term: 4, granted: false }
const vote: ElectionMessage = { type: 'vote', term: 4, configVersion: 3_000_004 }
const voteReply: ElectionMessage = { type: 'vote-reply', term: 4, granted: true }
const ack: ElectionMessage = { type: 'heartbeat-ack', term: 3, sentAt: 0, ok: true }

describe('carriesVoters', () => {
  it('a heartbeat carries the set to a peer that does not report holding it, and only then', () => {
    assert.equal(carriesVoters(hb, undefined, 7), true)
    assert.equal(carriesVoters(hb, 6, 7), true)
    assert.equal(carriesVoters(hb, 7, 7), false)
  })

  it('so do pre-votes, their replies and vote requests; vote replies and acks never', () => {
    for (const m of [preVote, preVoteReply, vote]) {
      assert.equal(carriesVoters(m, undefined, 7), true, m.type)
      assert.equal(carriesVoters(m, 7, 7), false, m.type)
    }
    for (const m of [voteReply, ack]) assert.equal(carriesVoters(m, undefined, 7), false, m.type)
  })
})

describe('what a peer holds', () => {
  it('acks and replies report it in the envelope; requests by their configVersion', () => {
    assert.deepEqual([hb, preVote, preVoteReply, vote, voteReply, ack].filter(reportsHeld).map((m) => m.type), ['pre-vote-reply', 'vote-reply', 'heartbeat-ack'])
    assert.equal(senderHolds(ack, 5), 5)
    assert.equal(senderHolds(preVote, undefined), 3_000_004)
    assert.equal(senderHolds(vote, undefined), 3_000_004)
    assert.equal(senderHolds(hb, undefined), undefined)
    assert.equal(senderHolds(voteReply, undefined), undefined)
  })
})

describe('adoptsVotersFrom', () => {
  const roles: ElectionRole[] = ['follower', 'pre-candidate', 'candidate', 'coordinator']

  it('a heartbeat: only if its term is not older than ours (fencing), in any role', () => {
    for (const r of roles) {
      assert.equal(adoptsVotersFrom(hb, r, true), true, r)
      assert.equal(adoptsVotersFrom(hb, r, false), false, r)
    }
  })

  it('a pre-vote, its reply or a vote request: on a follower or pre-candidate, whatever the term', () => {
    for (const m of [preVote, preVoteReply, vote]) {
      assert.equal(adoptsVotersFrom(m, 'follower', false), true, m.type)
      assert.equal(adoptsVotersFrom(m, 'pre-candidate', false), true, m.type)
      // They count votes and acks against the set they stood with.
      assert.equal(adoptsVotersFrom(m, 'candidate', true), false, m.type)
      assert.equal(adoptsVotersFrom(m, 'coordinator', true), false, m.type)
    }
  })

  it('never from a vote reply or an ack', () => {
    const never: ElectionMessage[] = [voteReply, ack]
    for (const r of roles) {
      for (const x of never) assert.equal(adoptsVotersFrom(x, r, true), false, `${x.type} ${r}`)
    }
  })
})
