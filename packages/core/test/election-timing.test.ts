/** The election's timing rules and options, by table. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { tickIsLate } from '../src/election/late-tick.js'
import { ELECTION_DEFAULTS, ElectionOptionError, resolveElectionOptions } from '../src/election/options.js'
import {
  checkQuorumMs, electionTakesMs, electionTimeoutMs, fastFailoverAtMs, heartbeatDue, leaseRemaining, leaseValid, quorumAckedAt, quorumSize, rankOf, trustsCoordinator,
  type ElectionTimingOptions
} from '../src/election/timing.js'

const T: ElectionTimingOptions = { electionTimeoutMinMs: 500, electionTimeoutMaxMs: 600, rankStepMs: 150, leaseMs: 400 }
const fixed = (x: number) => () => x

describe('election timing rules', () => {
  it('quorumSize is a strict majority', () => {
    const rows: Array<[number, number]> = [[1, 1], [2, 2], [3, 2], [4, 3], [5, 3], [6, 4], [7, 4]]
    for (const [n, want] of rows) assert.equal(quorumSize(n), want, `n=${n}`)
  })

  it('electionTimeoutMs: random in [min, max) plus rank × rankStepMs', () => {
    const rows: Array<[number, number, number]> = [[0, 0, 500], [0, 0.5, 550], [0, 0.999, 599.9], [1, 0, 650], [2, 0.5, 850], [4, 0, 1100]]
    for (const [rank, r, want] of rows) assert.ok(Math.abs(electionTimeoutMs(rank, fixed(r), T) - want) < 1e-9, `rank ${rank} random ${r}`)
  })

  it('electionTimeoutMs: the spread stays below the rank step, so rank r always fires before rank r + 1', () => {
    assert.ok(electionTimeoutMs(0, fixed(0.999999), T) < electionTimeoutMs(1, fixed(0), T))
  })

  it('fastFailoverAtMs: when trust ends, plus the same jitter and rank spacing', () => {
    const rows: Array<[number, number, number, number]> = [[1000, 0, 0, 1400], [1000, 0, 0.5, 1450], [1000, 2, 0, 1700], [0, 1, 0.999, 649.9]]
    for (const [heard, rank, r, want] of rows) assert.ok(Math.abs(fastFailoverAtMs(heard, rank, fixed(r), T) - want) < 1e-9, `${heard} ${rank} ${r}`)
  })

  it('fastFailoverAtMs never precedes the end of trust', () => {
    assert.ok(fastFailoverAtMs(1000, 0, fixed(0), T) >= 1000 + T.leaseMs)
  })

  it('electionTakesMs: twice the slowest voter\'s timeout; no voters known counts as one', () => {
    const rows: Array<[number, number]> = [[0, 1500], [1, 1500], [3, 2100], [5, 2700]]
    for (const [voters, want] of rows) assert.equal(electionTakesMs(600, 150, voters), want, `${voters} voters`)
  })

  it('trustsCoordinator for leaseMs after hearing it', () => {
    const rows: Array<[number | null, number, boolean]> = [[null, 0, false], [0, 0, true], [0, 399, true], [0, 400, false], [100, 450, true], [100, 500, false]]
    for (const [heard, now, want] of rows) assert.equal(trustsCoordinator(heard, now, 400), want, `${heard} ${now}`)
  })

  it('leaseValid and leaseRemaining', () => {
    const rows: Array<[number | null, number, boolean, number]> = [[null, 0, false, 0], [0, 0, true, 400], [0, 399, true, 1], [0, 400, false, 0], [0, 900, false, 0], [250, 300, true, 350]]
    for (const [start, now, valid, left] of rows) {
      assert.equal(leaseValid(start, now, 400), valid, `valid ${start} ${now}`)
      assert.equal(leaseRemaining(start, now, 400), left, `left ${start} ${now}`)
    }
  })

  it('quorumAckedAt: the quorum-th newest acknowledged send time', () => {
    const rows: Array<[Array<number | null>, number, number | null]> = [
      [[1000, 900, 800], 2, 900],
      [[1000, null, null], 2, null],
      [[1000, null, 700], 2, 700],
      [[1000, 950, 990, 500, null], 3, 950],
      [[1000], 1, 1000],
      [[], 1, null],
      [[5, 9], 0, null]
    ]
    for (const [acks, q, want] of rows) assert.equal(quorumAckedAt(acks, q), want, JSON.stringify([acks, q]))
  })

  it('checkQuorumMs: twice the minimum election timeout, beyond the lease and every follower\'s first timeout', () => {
    const rows: Array<[number, number]> = [[500, 1000], [750, 1500], [1000, 2000]]
    for (const [min, want] of rows) assert.equal(checkQuorumMs({ electionTimeoutMinMs: min }), want, `min ${min}`)
    assert.ok(checkQuorumMs(T) > T.electionTimeoutMaxMs && checkQuorumMs(T) > T.leaseMs)
  })

  it('tickIsLate: more than one tick period after it was due', () => {
    const rows: Array<[number, number, boolean]> = [[50, 50, false], [50, 100, false], [50, 101, true], [1000, 1600, true], [-Infinity, 0, true]]
    for (const [due, now, want] of rows) assert.equal(tickIsLate(due, now, 50), want, `${due} → ${now}`)
  })

  it('heartbeatDue at once, then every interval', () => {
    const rows: Array<[number | null, number, boolean]> = [[null, 0, true], [0, 99, false], [0, 100, true], [50, 149, false]]
    for (const [last, now, want] of rows) assert.equal(heartbeatDue(last, now, 100), want, `${last} ${now}`)
  })

  it('rankOf skips the failed coordinator; unlisted nodes rank last', () => {
    const order = ['a', 'b', 'c', 'd']
    const rows: Array<[string, string | null, number]> = [['a', null, 0], ['c', null, 2], ['b', 'a', 0], ['d', 'b', 2], ['x', null, 4], ['x', 'a', 3], ['a', 'a', 3]]
    for (const [self, exclude, want] of rows) assert.equal(rankOf(self, order, exclude), want, `${self} excluding ${exclude}`)
  })
})

describe('election options', () => {
  it('pins the defaults', () => {
    assert.deepEqual({ ...ELECTION_DEFAULTS }, { heartbeatIntervalMs: 100, electionTimeoutMinMs: 500, electionTimeoutMaxMs: 600, leaseMs: 400, rankStepMs: 150, announceTimeoutMs: 3500 })
    const o = resolveElectionOptions({ selfId: 'a' })
    assert.deepEqual({ ...o }, { selfId: 'a', ...ELECTION_DEFAULTS })
    assert.ok(Object.isFrozen(o))
  })

  it('fills in only what is missing', () => {
    assert.equal(resolveElectionOptions({ selfId: 'a', leaseMs: 300, heartbeatIntervalMs: 50 }).leaseMs, 300)
    assert.equal(resolveElectionOptions({ selfId: 'a', leaseMs: undefined }).leaseMs, 400)
  })

  it('names the option at fault, as a RangeError', () => {
    const rows: Array<[Record<string, unknown>, string]> = [
      [{ leaseMs: 450 }, 'leaseMs'],
      [{ leaseMs: 500 }, 'leaseMs'],
      [{ electionTimeoutMinMs: 450 }, 'leaseMs'],
      [{ electionTimeoutMaxMs: 499 }, 'electionTimeoutMaxMs'],
      [{ heartbeatIntervalMs: 400 }, 'heartbeatIntervalMs'],
      [{ heartbeatIntervalMs: 0 }, 'heartbeatIntervalMs'],
      [{ leaseMs: Number.NaN }, 'leaseMs'],
      [{ rankStepMs: -1 }, 'rankStepMs'],
      [{ selfId: '' }, 'selfId'],
      [{ electionTimoutMinMs: 500 }, 'electionTimoutMinMs']
    ]
    for (const [init, key] of rows) {
      assert.throws(() => resolveElectionOptions({ selfId: 'a', ...init } as never), (err: unknown) => {
        assert.ok(err instanceof RangeError)
        assert.ok(err instanceof ElectionOptionError)
        assert.equal(err.name, 'ElectionOptionError')
        assert.equal(err.key, key)
        assert.ok(err.message.startsWith(`${key}:`), err.message)
        return true
      }, JSON.stringify(init))
    }
  })

  it('says why the lease must stay below the minimum election timeout', () => {
    assert.throws(() => resolveElectionOptions({ selfId: 'a', leaseMs: 450 }), /leaseMs: \(450\) must be clearly below electionTimeoutMinMs \(500\)/)
  })
})
