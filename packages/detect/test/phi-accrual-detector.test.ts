/**
 * The detector against a scripted clock: its behaviours on fixed time scripts with known
 * expectations, then the rest of its contract. No sleeping: every
 * reading of time comes from the script.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ManualClock, PhiAccrualDetector, phi } from '../src/index.js'
import type { Clock, PhiAccrualOptions } from '../src/index.js'
import { scriptedClock } from './helpers/scripted-clock.js'

/** The options these scripted behaviours are written against. */
const specDefaults: PhiAccrualOptions = {
  threshold: 8,
  maxSampleSize: 1000,
  minStdDeviationMs: 100,
  acceptableHeartbeatPauseMs: 0,
  firstHeartbeatEstimateMs: 1000
}

function detector (clock: Clock, options: Partial<PhiAccrualOptions> = {}): PhiAccrualDetector {
  return new PhiAccrualDetector({ ...specDefaults, ...options }, clock)
}

function assertClose (actual: number, expected: number, tolerance: number): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`)
}

describe('An AccrualFailureDetector', () => {
  it('return phi value of 0.0 on startup for each address, when no heartbeats', () => {
    const fd = detector(new ManualClock(12_345))
    assert.equal(fd.phi(), 0)
    assert.equal(fd.phi(), 0)
    assert.equal(fd.isAvailable(), true)
  })

  it('return phi based on guess when only one heartbeat', () => {
    const clock = scriptedClock([0, 1000, 1000, 1000])
    const fd = detector(clock, { firstHeartbeatEstimateMs: 1000 })

    fd.heartbeat() // 0: bootstrap history, mean 1000 ms, std 250 ms
    assertClose(fd.phi(), 0.3, 0.2) // 1000
    assertClose(fd.phi(), 4.5, 0.3) // 2000
    assert.ok(fd.phi() > 15) // 3000
    assert.equal(clock.remaining, 0)
  })

  it('return phi value using first interval after second heartbeat', () => {
    const clock = scriptedClock([0, 100, 100, 100])
    const fd = detector(clock)

    fd.heartbeat() // 0
    assert.ok(fd.phi() > 0) // 100
    fd.heartbeat() // 200
    assert.ok(fd.phi() > 0) // 300
    assert.equal(clock.remaining, 0)
  })

  it('mark node as monitored after a series of successful heartbeats', () => {
    const clock = scriptedClock([0, 1000, 100, 100])
    const fd = detector(clock)
    assert.equal(fd.isMonitoring, false)

    fd.heartbeat() // 0
    fd.heartbeat() // 1000
    fd.heartbeat() // 1100

    assert.equal(fd.isMonitoring, true)
    assert.equal(fd.isAvailable(), true) // 1200
    assert.equal(clock.remaining, 0)
  })

  it('mark node as dead if heartbeat are missed', () => {
    const clock = scriptedClock([0, 1000, 100, 100, 7000])
    const fd = detector(clock, { threshold: 3 })

    fd.heartbeat() // 0
    fd.heartbeat() // 1000
    fd.heartbeat() // 1100

    assert.equal(fd.isAvailable(), true) // 1200
    assert.equal(fd.isAvailable(), false) // 8200
    assert.equal(clock.remaining, 0)
  })

  it('mark node as available if it starts heartbeat again after being marked dead due to detection of failure', () => {
    // 1000 regular intervals, a 5 minute pause, then a short pause again that should trigger unreachable again.
    const regular = [0, ...Array<number>(999).fill(1000)]
    const clock = scriptedClock([...regular, 5 * 60 * 1000, 100, 900, 100, 7000, 100, 900, 100, 900])
    const fd = detector(clock, { threshold: 8, acceptableHeartbeatPauseMs: 3000 })

    for (let i = 0; i < 1000; i++) fd.heartbeat()
    assert.equal(fd.isAvailable(), false) // after the long pause
    fd.heartbeat()
    assert.equal(fd.isAvailable(), true)
    fd.heartbeat()
    assert.equal(fd.isAvailable(), false) // after the 7 seconds pause
    fd.heartbeat()
    assert.equal(fd.isAvailable(), true)
    fd.heartbeat()
    assert.equal(fd.isAvailable(), true)
    assert.equal(clock.remaining, 0)
  })

  it('accept some configured missing heartbeats', () => {
    const clock = scriptedClock([0, 1000, 1000, 1000, 4000, 1000, 1000])
    const fd = detector(clock, { acceptableHeartbeatPauseMs: 3000 })

    fd.heartbeat() // 0
    fd.heartbeat() // 1000
    fd.heartbeat() // 2000
    fd.heartbeat() // 3000
    assert.equal(fd.isAvailable(), true) // 7000: three heartbeats lost, within the 3000 ms pause
    fd.heartbeat() // 8000
    assert.equal(fd.isAvailable(), true) // 9000
    assert.equal(clock.remaining, 0)
  })

  it('fail after configured acceptable missing heartbeats', () => {
    const clock = scriptedClock([0, 1000, 1000, 1000, 1000, 1000, 500, 500, 5000])
    const fd = detector(clock, { acceptableHeartbeatPauseMs: 3000 })

    fd.heartbeat() // 0
    fd.heartbeat() // 1000
    fd.heartbeat() // 2000
    fd.heartbeat() // 3000
    fd.heartbeat() // 4000
    fd.heartbeat() // 5000
    assert.equal(fd.isAvailable(), true) // 5500
    fd.heartbeat() // 6000
    assert.equal(fd.isAvailable(), false) // 11000: 5000 ms of silence, beyond 1000 + 3000 ms
    assert.equal(clock.remaining, 0)
  })

  it('use maxSampleSize heartbeats', () => {
    const clock = scriptedClock([0, 100, 100, 100, 100, 600, 500, 500, 500, 500, 500])
    const fd = detector(clock, { maxSampleSize: 3 })

    // 100 ms interval
    fd.heartbeat() // 0
    fd.heartbeat() // 100
    fd.heartbeat() // 200
    fd.heartbeat() // 300
    const phi1 = fd.phi() // 400
    // 500 ms interval, should become same phi when 100 ms intervals have been dropped
    fd.heartbeat() // 1000
    fd.heartbeat() // 1500
    fd.heartbeat() // 2000
    fd.heartbeat() // 2500
    const phi2 = fd.phi() // 3000
    assertClose(phi2, phi1, 0.001)
    assert.equal(clock.remaining, 1) // the script carries one reading it never uses
  })
})

describe('PhiAccrualDetector contract', () => {
  it('reads the clock once per heartbeat(), phi() and isAvailable(), and never for the getters', () => {
    const clock = scriptedClock([0, 100, 100, 100])
    const fd = detector(clock)
    fd.heartbeat()
    fd.phi()
    fd.isAvailable()
    fd.heartbeat()
    void fd.isMonitoring
    void fd.lastHeartbeatAt
    fd.silenceToThresholdMs()
    assert.equal(clock.remaining, 0)
  })

  it('first heartbeat only starts monitoring and records its time', () => {
    const clock = new ManualClock(5000)
    const fd = detector(clock)
    const bootstrapSilence = fd.silenceToThresholdMs()
    assert.equal(fd.isMonitoring, false)
    assert.equal(fd.lastHeartbeatAt, undefined)

    fd.heartbeat()
    assert.equal(fd.isMonitoring, true)
    assert.equal(fd.lastHeartbeatAt, 5000)
    assert.equal(fd.silenceToThresholdMs(), bootstrapSilence) // no interval added yet
    // No silence yet: y = (0 - 1000) / 250 = -4 on the bootstrap distribution, a tiny but positive phi.
    assert.equal(fd.phi(), phi(0, 1000, 250))
    assert.ok(fd.phi() > 0 && fd.phi() < 0.001)
  })

  it('does not use the first heartbeat after a failure for the history', () => {
    const clock = new ManualClock()
    const fd = detector(clock, { acceptableHeartbeatPauseMs: 3000 })
    for (let i = 0; i < 20; i++) { fd.heartbeat(); clock.advance(1000) }
    const before = fd.silenceToThresholdMs()

    clock.advance(60_000) // peer silent for a minute: unavailable
    assert.equal(fd.isAvailable(), false)
    fd.heartbeat() // ends the silence: interval of 61 s left out of the statistics
    assert.equal(fd.isAvailable(), true)
    assert.equal(fd.lastHeartbeatAt, clock.now())
    assert.equal(fd.silenceToThresholdMs(), before)

    clock.advance(1000)
    fd.heartbeat() // a regular interval while available is added again
    assert.equal(fd.silenceToThresholdMs(), before) // 1000 ms, same as the window: statistics unchanged
    clock.advance(500)
    fd.heartbeat()
    assert.notEqual(fd.silenceToThresholdMs(), before)
  })

  it('ignores a heartbeat whose interval is not positive (clock not advanced)', () => {
    const clock = new ManualClock()
    const fd = detector(clock)
    fd.heartbeat()
    clock.advance(1000)
    fd.heartbeat()
    const silence = fd.silenceToThresholdMs()
    const last = fd.lastHeartbeatAt

    fd.heartbeat() // same instant: a 0 ms interval would drag the mean down
    fd.heartbeat()
    assert.equal(fd.silenceToThresholdMs(), silence)
    assert.equal(fd.lastHeartbeatAt, last)
  })

  it('phi grows with silence and uses mean + acceptable pause and the std floor', () => {
    const clock = new ManualClock()
    const fd = detector(clock, { acceptableHeartbeatPauseMs: 2000, minStdDeviationMs: 200 })
    for (let i = 0; i < 1001; i++) { fd.heartbeat(); clock.advance(1000) } // window of 1000 × 1000 ms: std 0
    // Now 1000 ms after the last heartbeat. Effective mean 1000 + 2000 ms, std floored at 200 ms.
    clock.advance(2000) // silence = effective mean ⇒ y = 0 ⇒ phi = log10 2
    assertClose(fd.phi(), Math.log10(2), 1e-9)
    let previous = fd.phi()
    for (let i = 0; i < 10; i++) {
      clock.advance(100)
      const next = fd.phi()
      assert.ok(next > previous)
      previous = next
    }
  })
})
