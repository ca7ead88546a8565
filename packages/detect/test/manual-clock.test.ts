/** ManualClock: the hand-moved Clock of tests and the simulator keeps the monotonic contract. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ManualClock } from '../src/index.js'
import type { Clock } from '../src/index.js'

describe('ManualClock', () => {
  it('starts at 0 by default, or at the given reading', () => {
    assert.equal(new ManualClock().now(), 0)
    assert.equal(new ManualClock(1_700_000).now(), 1_700_000)
    assert.equal(new ManualClock(-50).now(), -50) // the origin is arbitrary
  })

  it('does not move by itself', () => {
    const clock: Clock = new ManualClock(10)
    assert.equal(clock.now(), 10)
    assert.equal(clock.now(), 10)
  })

  it('advance(ms) moves forward, including fractions and zero', () => {
    const clock = new ManualClock()
    clock.advance(1000)
    clock.advance(0.5)
    clock.advance(0)
    assert.equal(clock.now(), 1000.5)
  })

  it('set(ms) jumps forward or stays, and throws RangeError going backwards', () => {
    const clock = new ManualClock(100)
    clock.set(250)
    assert.equal(clock.now(), 250)
    clock.set(250)
    assert.equal(clock.now(), 250)
    assert.throws(() => { clock.set(249) }, { name: 'RangeError', message: /backwards/ })
    assert.equal(clock.now(), 250)
  })

  it('rejects negative or non-finite moves and starts', () => {
    const clock = new ManualClock()
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => { clock.advance(bad) }, RangeError)
    }
    assert.throws(() => { clock.set(Number.NaN) }, RangeError)
    assert.throws(() => { clock.set(Number.POSITIVE_INFINITY) }, RangeError)
    assert.throws(() => new ManualClock(Number.NaN), RangeError)
    assert.equal(clock.now(), 0)
  })
})
