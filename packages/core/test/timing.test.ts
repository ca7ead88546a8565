/** The membership timing rules, by table. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { holdBackUntil, probeOverdue, reapDue, rebroadcastDue, suspicionExpired } from '../src/membership/timing.js'

describe('membership timing rules', () => {
  it('suspicionExpired', () => {
    const rows: Array<[number, number, number, boolean]> = [[0, 999, 1000, false], [0, 1000, 1000, true], [500, 1400, 1000, false], [500, 1600, 1000, true], [0, 0, 0, true]]
    for (const [since, now, timeout, want] of rows) assert.equal(suspicionExpired(since, now, timeout), want, `${since} ${now} ${timeout}`)
  })
  it('probeOverdue after two probe deadlines', () => {
    const rows: Array<[number, number, number, boolean]> = [[0, 1000, 500, false], [0, 1001, 500, true], [100, 600, 500, false]]
    for (const [start, now, timeout, want] of rows) assert.equal(probeOverdue(start, now, timeout), want)
  })
  it('reapDue', () => {
    assert.equal(reapDue(0, 59_999, 60_000), false)
    assert.equal(reapDue(0, 60_000, 60_000), true)
  })
  it('rebroadcastDue at most once per interval', () => {
    const rows: Array<[number | null, number, number, boolean]> = [[null, 0, 1000, true], [0, 999, 1000, false], [0, 1000, 1000, true]]
    for (const [last, now, interval, want] of rows) assert.equal(rebroadcastDue(last, now, interval), want)
  })
  it('holdBackUntil only ever extends the hold-back', () => {
    assert.equal(holdBackUntil(1000, 3000, -Infinity), 4000)
    assert.equal(holdBackUntil(1000, 3000, 9000), 9000)
    assert.equal(holdBackUntil(7000, 3000, 9000), 10_000)
  })
})
