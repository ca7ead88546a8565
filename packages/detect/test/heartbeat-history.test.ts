/**
 * The bounded window of inter-arrival intervals: its statistics (mean, variance, the bound on
 * samples kept), plus the ring buffer and its contract.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { HeartbeatHistory } from '../src/index.js'

function assertClose (actual: number, expected: number, tolerance = 0.00001): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`)
}

function historyOf (maxSampleSize: number, intervalsMs: readonly number[]): HeartbeatHistory {
  const history = new HeartbeatHistory(maxSampleSize)
  for (const interval of intervalsMs) history.add(interval)
  return history
}

describe('Statistics for heartbeats', () => {
  it('calculate correct mean and variance', () => {
    const stats = historyOf(20, [100, 200, 125, 340, 130])
    assertClose(stats.mean, 179)
    assertClose(stats.variance, 7584)
    assertClose(stats.stdDeviation, Math.sqrt(7584))
    assert.equal(stats.size, 5)
  })

  it('have 0.0 variance for one sample', () => {
    assertClose(historyOf(600, [1000]).variance, 0)
  })

  it('be capped by the specified maxSampleSize', () => {
    const history = historyOf(3, [100, 110, 90])
    assertClose(history.mean, 100)
    assertClose(history.variance, 66.6666667)

    history.add(140) // drops 100
    assertClose(history.mean, 113.333333)
    assertClose(history.variance, 422.222222)
    assert.equal(history.size, 3)

    history.add(80) // drops 110
    assertClose(history.mean, 103.333333)
    assertClose(history.variance, 688.88888889)
    assert.equal(history.size, 3)
  })

  it('keeps exact statistics of the last window over many wrap-arounds of fractional intervals', () => {
    const history = new HeartbeatHistory(7)
    const added: number[] = []
    for (let i = 0; i < 100_003; i++) {
      const interval = 1000 + Math.sin(i) * 37.123456789 // deterministic, fractional ms
      history.add(interval)
      added.push(interval)
    }
    const window = added.slice(-7)
    const mean = window.reduce((a, b) => a + b, 0) / window.length
    const variance = window.reduce((a, b) => a + (b - mean) ** 2, 0) / window.length
    assert.equal(history.size, 7)
    assertClose(history.mean, mean, 1e-9)
    assertClose(history.variance, variance, 1e-6)
  })

  it('never reports a negative variance (nor a NaN std) for constant samples', () => {
    const history = historyOf(3, [0.1, 0.1, 0.1, 0.1, 0.1])
    assert.ok(history.variance >= 0)
    assert.ok(!Number.isNaN(history.stdDeviation))
  })

  it('rejects invalid sizes and intervals, and has no statistics when empty', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new HeartbeatHistory(bad), { name: 'RangeError', message: /maxSampleSize/ })
    }
    const history = new HeartbeatHistory(3)
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => { history.add(bad) }, RangeError)
    }
    assert.equal(history.size, 0)
    assert.throws(() => history.mean, { name: 'RangeError', message: /empty/ })
    assert.throws(() => history.variance, { name: 'RangeError', message: /empty/ })
    history.add(0) // a zero interval is a valid sample for the history itself
    assert.equal(history.mean, 0)
  })
})
