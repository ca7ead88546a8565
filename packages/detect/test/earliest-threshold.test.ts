/**
 * earliestThresholdAtMs(): until when φ cannot have reached the threshold. A caller skips φ
 * before it, so it must be a true lower bound (never after a time at which φ >= threshold) and
 * tight (φ reaches the threshold within a millisecond after it), for any history. The detector
 * also uses it to skip φ in heartbeat(), which must not change what the history accepts: checked
 * against a reference that evaluates φ on every heartbeat, as the detector did before.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { HeartbeatHistory, ManualClock, PhiAccrualDetector, phi, seededRandom } from '../src/index.js'
import type { Clock, PhiAccrualOptions } from '../src/index.js'

/** A clock the test may move backwards too, to ask φ at several instants between two heartbeats. */
class FreeClock implements Clock {
  t: number
  constructor (t: number) { this.t = t }
  now (): number { return this.t }
}

/** A random but valid option set and a heartbeat script with regular, jittery and long gaps. */
function scenario (random: () => number): { options: PhiAccrualOptions, gapsMs: number[] } {
  const options: PhiAccrualOptions = {
    threshold: [1, 3, 8, 12][Math.floor(random() * 4)]!,
    maxSampleSize: 1 + Math.floor(random() * 50),
    minStdDeviationMs: 1 + random() * 300,
    acceptableHeartbeatPauseMs: Math.floor(random() * 3) * 500,
    firstHeartbeatEstimateMs: 10 + random() * 2000
  }
  const gapsMs: number[] = []
  for (let i = 0; i < 60; i++) {
    const r = random()
    // Mostly near-regular, sometimes tiny (a burst), sometimes a long silence past the threshold.
    gapsMs.push(r < 0.1 ? random() * 5 : r < 0.2 ? 2000 + random() * 20_000 : 900 + random() * 200)
  }
  return { options, gapsMs }
}

describe('PhiAccrualDetector.earliestThresholdAtMs', () => {
  it('is Infinity before the first heartbeat (φ stays 0)', () => {
    const fd = new PhiAccrualDetector({ threshold: 8, maxSampleSize: 10, minStdDeviationMs: 100, acceptableHeartbeatPauseMs: 0, firstHeartbeatEstimateMs: 1000 }, new ManualClock(0))
    assert.equal(fd.earliestThresholdAtMs(), Infinity)
  })

  it('is a lower bound of the crossing, and within a millisecond of it, for random histories', () => {
    const random = seededRandom(20240607)
    let checked = 0
    for (let run = 0; run < 200; run++) {
      const { options, gapsMs } = scenario(random)
      const clock = new FreeClock(random() * 1e6)
      const fd = new PhiAccrualDetector(options, clock)
      fd.heartbeat()
      for (const gap of gapsMs) {
        const start = clock.now()
        const at = fd.earliestThresholdAtMs()
        assert.ok(Number.isFinite(at), 'monitoring, so the crossing is finite')
        // Just before: φ below the threshold; 1 ms after: reached (a tight bound).
        for (const dt of [-1, -0.01, -0.001]) {
          if (at + dt < start) continue
          clock.t = at + dt
          assert.ok(fd.phi() < options.threshold, `φ ${fd.phi()} already >= ${options.threshold} at ${dt} ms before the bound`)
          checked++
        }
        clock.t = Math.max(start, at + 1)
        assert.ok(fd.phi() >= options.threshold, `φ ${fd.phi()} still below ${options.threshold} 1 ms after the bound`)
        clock.t = start + gap
        fd.heartbeat()
      }
    }
    assert.ok(checked > 1000, `only ${checked} points checked`)
  })

  it('lets heartbeat() accept exactly the intervals a φ evaluation on every heartbeat would', () => {
    const random = seededRandom(7)
    for (let run = 0; run < 200; run++) {
      const { options, gapsMs } = scenario(random)
      const clock = new ManualClock(0)
      const fd = new PhiAccrualDetector(options, clock)
      // The reference: the history rule written out, φ evaluated at every arrival.
      const ref = new HeartbeatHistory(options.maxSampleSize)
      const estimate = options.firstHeartbeatEstimateMs
      ref.add(estimate - estimate / 4)
      ref.add(estimate + estimate / 4)
      const refPhi = (elapsed: number): number => phi(elapsed, ref.mean + options.acceptableHeartbeatPauseMs, Math.max(ref.stdDeviation, options.minStdDeviationMs))
      fd.heartbeat()
      let last = 0
      for (const gap of gapsMs) {
        clock.advance(gap)
        const now = clock.now()
        if (now - last > 0 && refPhi(now - last) < options.threshold) ref.add(now - last)
        if (now - last > 0) last = now
        fd.heartbeat()
        assert.equal(fd.phi(), refPhi(clock.now() - last))
        clock.advance(1)
        assert.equal(fd.phi(), refPhi(clock.now() - last))
      }
    }
  })
})
