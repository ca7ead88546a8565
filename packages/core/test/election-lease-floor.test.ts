/**
 * The coordinator answers "is my lease valid?" from a floor of its lease start (acks only grow)
 * and re-ranks the acks only when the floor no longer shows it valid. The answer must be the
 * exact rule's at every instant: checked against leaseRemainingMs(), which ranks every ack, over
 * random acks, ticks and single-voter changes.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock, seededRandom } from '@kos/detect'
import { Election } from '../src/election/election.js'

const ALL = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']

describe('Election: the lease floor', () => {
  it('coordinatorId agrees with the exact lease rule at every step', () => {
    const random = seededRandom(5)
    let checks = 0; let lapses = 0
    for (let run = 0; run < 100; run++) {
      const clock = new ManualClock(0)
      const e = new Election({ selfId: 'a' }, { term: 0, votedFor: null }, clock, () => 0)
      let voters = ALL.slice(0, 7)
      e.setVoters(voters, 1)
      e.setRanking(voters)
      clock.advance(500)
      e.tick()
      for (const v of ['b', 'c', 'd']) e.receive(v, { type: 'pre-vote-reply', term: 1, granted: true })
      for (const v of ['b', 'c', 'd']) e.receive(v, { type: 'vote-reply', term: 1, granted: true })
      assert.equal(e.role, 'coordinator')
      const sentAt: number[] = [clock.now()]
      let version = 1
      let lapsed = false
      for (let step = 0; step < 400 && e.role === 'coordinator'; step++) {
        clock.advance(Math.floor(random() * 40))
        const r = random()
        if (r < 0.6) {
          // An ack of some heartbeat sent earlier (late, reordered, or the newest).
          const from = voters[1 + Math.floor(random() * (voters.length - 1))]!
          e.receive(from, { type: 'heartbeat-ack', term: 1, sentAt: random() < 0.8 ? sentAt[sentAt.length - 1]! : sentAt[Math.floor(random() * sentAt.length)]!, ok: true })
        } else if (r < 0.9) {
          if (e.tick().some((o) => o.type === 'send' && o.message.type === 'heartbeat')) sentAt.push(clock.now())
        } else {
          // One voter added or removed (never self).
          const outside = ALL.filter((v) => !voters.includes(v))
          voters = outside.length > 0 && (random() < 0.5 || voters.length <= 3)
            ? [...voters, outside[0]!]
            : voters.filter((v) => v !== voters[1 + Math.floor(random() * (voters.length - 1))])
          e.setVoters(voters, ++version)
        }
        assert.equal(e.coordinatorId === 'a', e.leaseRemainingMs() > 0, `run ${run} step ${step} at ${clock.now()} ms`)
        if (e.coordinatorId === null) lapsed = true
        checks++
      }
      if (lapsed) lapses++
    }
    assert.ok(checks > 2000, `only ${checks} checks`)
    assert.ok(lapses > 5, `only ${lapses} runs lost the lease: the script should expire it often`)
  })
})
