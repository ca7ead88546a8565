/**
 * The election state machine, one core at a time, part 2: the coordinator and its lease,
 * followers, fencing and views (see helpers/election-core.ts for the set-up).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { Election } from '../src/election/election.js'
import type { ElectionMessage } from '../src/election/election-messages.js'
import { coordinatorA, core, events, followerB, persists, sends, types, VOTERS } from './helpers/election-core.js'

describe('Election: coordinator', () => {
  it('a quorum of votes elects: event, then heartbeats to every other voter', () => {
    const { e, out } = coordinatorA()
    assert.deepEqual(types(out), ['coordinator:elected', 'send:heartbeat', 'send:heartbeat'])
    assert.deepEqual(events(out), [{ type: 'coordinator:elected', coordinatorId: 'a', term: 1 }])
    assert.equal(e.coordinatorId, 'a')
    assert.equal(e.since, 500)
  })

  it('heartbeats every heartbeatIntervalMs', () => {
    const { e, clock } = coordinatorA()
    clock.advance(99)
    assert.deepEqual(e.tick(), [])
    clock.advance(1)
    assert.deepEqual(sends(e.tick()).map((o) => o.message), [{ type: 'heartbeat', term: 1, sentAt: 600 }, { type: 'heartbeat', term: 1, sentAt: 600 }])
  })

  it('the lease runs from the send time of the newest heartbeat a quorum acked', () => {
    const { e, clock } = coordinatorA()
    // Elected at 500 on votes asked at 500: the first lease ends at 900.
    assert.equal(e.leaseRemainingMs(), 400)
    clock.advance(100)
    e.tick() // heartbeat sentAt 600
    clock.advance(30)
    e.receive('c', { type: 'heartbeat-ack', term: 1, sentAt: 600, ok: true })
    assert.equal(e.leaseRemainingMs(), 370) // 600 + 400 − 630
    e.receive('c', { type: 'heartbeat-ack', term: 1, sentAt: 500, ok: true }) // a late duplicate changes nothing
    assert.equal(e.leaseRemainingMs(), 370)
    assert.equal(e.nextDeadlineMs(), 700) // the next heartbeat comes before the lease's end
  })

  it('keeps the lease the old voter set granted across a single-member change, and heartbeats a new voter at once', () => {
    // A sole voter elects itself; adding a second doubles the quorum before the newcomer acked.
    const clock = new ManualClock(0)
    const e = new Election({ selfId: 'a' }, { term: 0, votedFor: null }, clock, () => 0)
    e.setVoters(['a'], 1)
    e.setRanking(['a'])
    clock.advance(500)
    e.tick()
    assert.equal(e.coordinatorId, 'a')
    clock.advance(50)
    const out = e.setVoters(['a', 'b'], 2)
    assert.deepEqual(sends(out).map((o) => [o.to, o.message.type]), [['b', 'heartbeat']])
    assert.equal(e.quorum, 2)
    assert.equal(e.coordinatorId, 'a', 'still coordinator on the lease the one-voter set granted')
    assert.deepEqual(events(e.tick()), [])
    e.receive('b', { type: 'heartbeat-ack', term: 1, sentAt: 550, ok: true })
    clock.advance(350)
    assert.equal(e.coordinatorId, 'a', 'the newcomer\'s ack renewed the lease, to 550 + 400')
    clock.advance(50)
    assert.equal(e.coordinatorId, null, 'without further acks the lease ends')
  })

  it('heartbeats its learners with its voters, and their acks count for no lease until they are voters', () => {
    const { e, clock } = coordinatorA()
    e.setLearners(['d', 'a', 'b']) // self and voters are ignored
    clock.advance(100)
    assert.deepEqual(sends(e.tick()).map((o) => o.to), ['b', 'c', 'd'])
    // Only d acks: no quorum of the voters a, b, c, so the first lease (to 900) is not renewed.
    e.receive('d', { type: 'heartbeat-ack', term: 1, sentAt: 600, ok: true })
    clock.advance(300)
    assert.equal(e.leaseRemainingMs(), 0)
    assert.equal(e.coordinatorId, null)
  })

  it('a learner follows the coordinator it hears, acks, and never stands', () => {
    const { e, clock } = core('d')
    e.receive('a', { type: 'heartbeat', term: 1, sentAt: 0 })
    assert.equal(e.coordinatorId, 'a')
    clock.advance(5000)
    assert.deepEqual(types(e.tick()), ['coordinator:lost'])
    assert.equal(e.role, 'follower')
  })

  it('stops acting when its lease expires, and steps down after twice the election timeout without a quorum (check-quorum)', () => {
    const { e, clock } = coordinatorA()
    clock.advance(399)
    e.tick()
    assert.equal(e.coordinatorId, 'a')
    clock.advance(1)
    // At once, before any tick: it no longer claims to coordinate.
    assert.equal(e.coordinatorId, null)
    assert.equal(e.since, null)
    assert.equal(e.leaseRemainingMs(), 0)
    // But it keeps its term and heartbeats: a stall of its followers must not cost an election.
    assert.deepEqual(events(e.tick()), [])
    assert.equal(e.role, 'coordinator')
    clock.advance(99)
    assert.deepEqual(types(e.tick()), ['send:heartbeat', 'send:heartbeat'])
    assert.equal(e.nextDeadlineMs(), 1099, 'the next heartbeat; check-quorum comes at 500 + 2 × 500')
    clock.advance(500) // 1499: one ms short of 2 × electionTimeoutMinMs after the lease's start (500)
    assert.deepEqual(events(e.tick()), [])
    clock.advance(1)
    const out = e.tick()
    assert.deepEqual(events(out), [{ type: 'coordinator:stepped-down', term: 1, reason: 'lease-expired' }])
    assert.equal(e.role, 'follower')
    assert.equal(e.term, 1)
  })

  it('renews its lease from the acks that come after it lapsed: a stall costs no election', () => {
    const { e, clock } = coordinatorA()
    // Silent (its process stalled) from 500 to 950: the first lease ended at 900.
    clock.advance(450)
    assert.equal(e.coordinatorId, null)
    const hb = sends(e.tick()).map((o) => o.message)
    assert.deepEqual(hb, [{ type: 'heartbeat', term: 1, sentAt: 950 }, { type: 'heartbeat', term: 1, sentAt: 950 }])
    clock.advance(5)
    e.receive('b', { type: 'heartbeat-ack', term: 1, sentAt: 950, ok: true })
    assert.equal(e.coordinatorId, 'a', 'a quorum (a, b) acked a heartbeat sent at 950')
    assert.equal(e.leaseRemainingMs(), 395)
    assert.equal(e.term, 1)
  })

  it('an ack that waited in the socket through a stall counts before check-quorum is judged', () => {
    const { e, clock } = coordinatorA()
    clock.advance(100)
    e.tick() // heartbeat sentAt 600; its acks arrive while the process is stalled
    clock.advance(905) // 1505: past 500 + 2 × 500, counted from the first lease alone
    e.receive('c', { type: 'heartbeat-ack', term: 1, sentAt: 600, ok: true })
    assert.deepEqual(events(e.tick()), [], 'a quorum acked a heartbeat sent at 600, less than 1000 ms ago')
    assert.equal(e.role, 'coordinator')
  })

  it('a message with a higher term makes a coordinator step down and adopt it', () => {
    const { e, clock } = coordinatorA()
    clock.advance(50)
    const out = e.receive('b', { type: 'heartbeat-ack', term: 5, sentAt: 500, ok: false })
    assert.deepEqual(types(out), ['coordinator:stepped-down', 'persist'])
    assert.deepEqual(events(out)[0], { type: 'coordinator:stepped-down', term: 1, reason: 'higher-term' })
    assert.deepEqual(persists(out)[0], { type: 'persist', term: 5, votedFor: null })
    assert.equal(e.role, 'follower')
    assert.equal(e.coordinatorId, null)
  })

  it('a coordinator holding its lease ignores a vote request with a higher term (no disruption)', () => {
    const { e, clock } = coordinatorA()
    clock.advance(50)
    assert.deepEqual(e.receive('c', { type: 'vote', term: 9, configVersion: 0 }), [])
    assert.deepEqual(sends(e.receive('c', { type: 'pre-vote', term: 9, configVersion: 0 }))[0]!.message, { type: 'pre-vote-reply', term: 9, granted: false })
    assert.equal(e.role, 'coordinator')
    assert.equal(e.term, 1)
  })

  it('a heartbeat from a newer coordinator makes it step down and follow', () => {
    const { e, clock } = coordinatorA()
    clock.advance(50)
    const out = e.receive('c', { type: 'heartbeat', term: 2, sentAt: 7 })
    assert.deepEqual(types(out), ['coordinator:stepped-down', 'persist', 'coordinator:elected', 'send:heartbeat-ack'])
    assert.equal(e.coordinatorId, 'c')
  })

  it('steps down when removed from the voter set', () => {
    const { e } = coordinatorA()
    assert.deepEqual(events(e.setVoters(['b', 'c'])), [{ type: 'coordinator:stepped-down', term: 1, reason: 'not-a-voter' }])
  })

  it('a single voter elects itself at its first timeout', () => {
    const clock = new ManualClock(0)
    const e = new Election({ selfId: 'solo' }, { term: 0, votedFor: null }, clock, () => 0)
    e.setVoters(['solo'])
    clock.advance(500)
    assert.deepEqual(types(e.tick()), ['persist', 'coordinator:elected'])
    clock.advance(10_000)
    e.tick()
    assert.equal(e.coordinatorId, 'solo')
    assert.equal(e.quorum, 1)
  })
})

describe('Election: followers', () => {
  it('learns the coordinator from its heartbeat, adopting the term, and acks it', () => {
    const { e, clock } = core('b')
    clock.advance(10)
    const out = e.receive('a', { type: 'heartbeat', term: 3, sentAt: 42 })
    assert.deepEqual(out, [
      { type: 'persist', term: 3, votedFor: null },
      { type: 'event', event: { type: 'coordinator:elected', coordinatorId: 'a', term: 3 } },
      { type: 'send', to: 'a', message: { type: 'heartbeat-ack', term: 3, sentAt: 42, ok: true } }
    ])
    assert.equal(e.coordinatorId, 'a')
    assert.equal(e.since, 10)
    assert.equal(e.leaseRemainingMs(), 400)
  })

  it('answers a stale heartbeat with its newer term, so the old coordinator steps down', () => {
    const { e } = core('b', {}, { term: 4, votedFor: null })
    assert.deepEqual(e.receive('a', { type: 'heartbeat', term: 3, sentAt: 1 }), [{ type: 'send', to: 'a', message: { type: 'heartbeat-ack', term: 4, sentAt: 1, ok: false } }])
    assert.equal(e.coordinatorId, null)
  })

  it('a candidate that hears the winner of its term follows it', () => {
    const { e, clock } = core('c')
    clock.advance(800)
    e.tick()
    e.receive('b', { type: 'pre-vote-reply', term: 1, granted: true })
    assert.equal(e.role, 'candidate')
    e.receive('a', { type: 'heartbeat', term: 1, sentAt: 800 })
    assert.equal(e.role, 'follower')
    assert.equal(e.coordinatorId, 'a')
  })

  it('emits coordinator:lost once when the coordinator falls silent, then starts the pre-vote', () => {
    const { e, clock } = followerB()
    // b is rank 0 once a (the coordinator) is not counted: it fires 500 ms after the last heartbeat.
    clock.advance(499)
    assert.deepEqual(e.tick(), [])
    clock.advance(1)
    const out = e.tick()
    assert.deepEqual(types(out), ['coordinator:lost', 'send:pre-vote', 'send:pre-vote'])
    assert.deepEqual(events(out), [{ type: 'coordinator:lost', previous: 'a', term: 1 }])
    assert.equal(e.coordinatorId, null)
    clock.advance(500)
    assert.deepEqual(events(e.tick()), [], 'lost is not repeated')
  })

  it('the rank delays the timer: rank 1 fires rankStepMs after rank 0', () => {
    const { e, clock } = core('c')
    e.receive('a', { type: 'heartbeat', term: 1, sentAt: 0 })
    clock.advance(649)
    assert.deepEqual(e.tick(), [])
    clock.advance(1)
    assert.equal(events(e.tick())[0]!.type, 'coordinator:lost')
  })

  it('a new ranking applies to the timer already running', () => {
    const { e, clock } = core('c')
    e.receive('a', { type: 'heartbeat', term: 1, sentAt: 0 })
    e.setRanking(['c', 'a', 'b'])
    clock.advance(500)
    assert.equal(events(e.tick())[0]!.type, 'coordinator:lost')
  })

  it('peerLost(coordinator) starts the pre-vote as soon as trust ends, not at the full timeout', () => {
    const { e, clock } = followerB()
    clock.advance(20)
    assert.deepEqual(e.peerLost('a'), [])
    clock.advance(379)
    assert.deepEqual(e.tick(), [], 'still within its own trust: it would refuse itself')
    clock.advance(1)
    assert.deepEqual(types(e.tick()), ['coordinator:lost', 'send:pre-vote', 'send:pre-vote'])
  })

  it('a heartbeat after peerLost cancels the hurry (a benign reconnect)', () => {
    const { e, clock } = followerB()
    e.peerLost('a')
    clock.advance(100)
    e.receive('a', { type: 'heartbeat', term: 1, sentAt: 100 })
    clock.advance(400)
    assert.deepEqual(e.tick(), [])
  })

  it('peerLost of another peer changes nothing', () => {
    const { e, clock } = followerB()
    e.peerLost('c')
    clock.advance(400)
    assert.deepEqual(e.tick(), [])
  })

  it('a node outside its own voter set never stands', () => {
    const { e, clock } = core('x')
    clock.advance(5000)
    assert.deepEqual(e.tick(), [])
    assert.equal(e.role, 'follower')
  })
})

describe('Election: fencing and views', () => {
  it('acceptDecision refuses decisions from a term older than the newest seen', () => {
    const { e } = core('b', {}, { term: 5, votedFor: null })
    assert.equal(e.acceptDecision(4), false)
    assert.equal(e.acceptDecision(5), true)
    assert.equal(e.acceptDecision(6), true)
    e.receive('a', { type: 'heartbeat', term: 7, sentAt: 0 })
    assert.equal(e.acceptDecision(6), false)
  })

  it('exposes voters, quorum and the next deadline', () => {
    const { e } = core('b')
    assert.deepEqual(e.voters, VOTERS)
    assert.equal(e.quorum, 2)
    e.setVoters(['a', 'b', 'c', 'd', 'e', 'a'])
    assert.deepEqual(e.voters, ['a', 'b', 'c', 'd', 'e'])
    assert.equal(e.quorum, 3)
    assert.equal(e.nextDeadlineMs(), 650) // rank 1 of a, b, c, …
  })

  it('ignores a voter set older than the one it holds', () => {
    const { e } = core('b')
    e.setVoters(['a', 'b', 'c', 'd', 'e'], 2)
    e.setVoters(['a', 'b', 'c', 'd'], 1)
    assert.equal(e.voters.length, 5)
    assert.equal(e.configVersion, 2)
  })

  it('rejects a corrupt persisted term', () => {
    assert.throws(() => new Election({ selfId: 'a' }, { term: -1, votedFor: null }, new ManualClock(0), () => 0), RangeError)
  })

  it('ignores messages that claim to come from itself', () => {
    const { e } = core('a')
    const m: ElectionMessage = { type: 'vote', term: 9, configVersion: 0 }
    assert.deepEqual(e.receive('a', m), [])
    assert.equal(e.term, 0)
  })
})
