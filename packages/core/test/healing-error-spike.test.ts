/**
 * Error-rate spikes (healing/error-spike.ts): the pure rule as a table, the EWMA, and the
 * detector on a scripted clock: sustained spikes only, a floor for quiet agents, a baseline that
 * does not learn the spike, and recovery after the same sustained calm.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { ErrorSpikeDetector, alphaForHalfLife, ewma, isSpikeRate, spikeThreshold, type ErrorSpikeChange } from '../src/healing/error-spike.js'

const rule = { factor: 3, minRatePerMin: 6 }

/** Feeds `perBucket` errors in each of `buckets` 10 s buckets; returns the changes seen. */
function feed (clock: ManualClock, d: ErrorSpikeDetector, perBucket: number, buckets: number): ErrorSpikeChange[] {
  const changes: ErrorSpikeChange[] = []
  for (let i = 0; i < buckets; i++) {
    d.record(perBucket)
    clock.advance(10_000)
    const c = d.poll()
    if (c !== null) changes.push(c)
  }
  return changes
}

describe('error spike rule', () => {
  it('the threshold is the larger of the floor and factor × baseline', () => {
    const table: Array<[number, number, number, boolean]> = [
      // baseline, rate, threshold, spike?
      [0, 6, 6, false], [0, 6.1, 6, true], [1, 5, 6, false], [2, 6.5, 6, true],
      [10, 29, 30, false], [10, 30, 30, false], [10, 31, 30, true], [100, 250, 300, false]
    ]
    for (const [baseline, rate, threshold, spike] of table) {
      assert.equal(spikeThreshold(baseline, rule), threshold, `threshold at ${baseline}`)
      assert.equal(isSpikeRate(rate, baseline, rule), spike, `rate ${rate} over baseline ${baseline}`)
    }
  })

  it('alpha from a half-life: after the half-life an old value weighs half', () => {
    const alpha = alphaForHalfLife(10_000, 300_000)
    let v = 1
    for (let i = 0; i < 30; i++) v = ewma(v, 0, alpha)
    assert.ok(Math.abs(v - 0.5) < 1e-9)
    assert.equal(ewma(10, 20, 0.25), 12.5)
  })
})

describe('error spike detector', () => {
  it('a quiet agent with a steady low rate never spikes, and the baseline learns it', () => {
    const clock = new ManualClock(0)
    const d = new ErrorSpikeDetector(clock)
    assert.deepEqual(feed(clock, d, 0.5, 200), [], '3/min is under the floor')
    assert.ok(Math.abs(d.baselinePerMin - 3) < 0.1)
  })

  it('the first minute only teaches the baseline: a busy agent does not spike at start', () => {
    const clock = new ManualClock(0)
    const d = new ErrorSpikeDetector(clock)
    assert.deepEqual(feed(clock, d, 3, 60), [], '18/min from the start')
    assert.ok(Math.abs(d.baselinePerMin - 18) < 1e-9, 'averaged, not biased toward 0')
  })

  it('needs three bad buckets in a row: two are noise', () => {
    const clock = new ManualClock(0)
    const d = new ErrorSpikeDetector(clock)
    feed(clock, d, 0, 6)
    assert.deepEqual(feed(clock, d, 5, 2), [])
    assert.deepEqual(feed(clock, d, 0, 1), [])
    assert.deepEqual(feed(clock, d, 5, 2), [])
    const changes = feed(clock, d, 5, 1)
    assert.deepEqual(changes, [{ type: 'spike', ratePerMin: 30, baselinePerMin: 0 }], 'the bursts were not learned as normal')
    assert.equal(d.spiking, true)
  })

  it('over a busy baseline a spike is relative; the baseline is frozen during it; recovery takes 30 s calm', () => {
    const clock = new ManualClock(0)
    const d = new ErrorSpikeDetector(clock)
    feed(clock, d, 3, 300) // 18/min for 50 min
    const baseline = d.baselinePerMin
    assert.ok(Math.abs(baseline - 18) < 0.5)
    assert.deepEqual(feed(clock, d, 8, 10), [], '48/min < 3 × 18')
    const before = d.baselinePerMin
    const spike = feed(clock, d, 15, 30) // 90/min for 5 min
    assert.equal(spike.length, 1)
    assert.equal(spike[0]?.type, 'spike')
    assert.ok(Math.abs(d.baselinePerMin - before) < 1e-9, 'the spike is not folded into the baseline')
    assert.deepEqual(feed(clock, d, 3, 2), [])
    assert.equal(feed(clock, d, 3, 1)[0]?.type, 'recovered')
  })

  it('a long quiet gap closes the buckets in one step and ends a spike', () => {
    const clock = new ManualClock(0)
    const d = new ErrorSpikeDetector(clock)
    feed(clock, d, 0, 6)
    feed(clock, d, 5, 3)
    assert.equal(d.spiking, true)
    clock.advance(3_600_000)
    assert.equal(d.poll()?.type, 'recovered')
    assert.equal(d.lastRatePerMin, 0)
    assert.equal(d.poll(), null)
  })
})
