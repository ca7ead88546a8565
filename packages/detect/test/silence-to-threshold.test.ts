/**
 * silenceToThresholdMs(): the inverse of φ used in docs and benchmarks. Checks that φ at the
 * returned silence is the threshold, and pins the combined-effect rule of the README
 * (regular heartbeats every I ms, std floor S, pause A, threshold 8 ⇒ about I + A + 5.2·S).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ManualClock, PhiAccrualDetector } from '../src/index.js'
import type { PhiAccrualOptions } from '../src/index.js'

function regularDetector (intervalMs: number, options: Partial<PhiAccrualOptions>): { fd: PhiAccrualDetector, clock: ManualClock } {
  const clock = new ManualClock()
  const fd = new PhiAccrualDetector({
    threshold: 8,
    maxSampleSize: 100,
    minStdDeviationMs: 100,
    acceptableHeartbeatPauseMs: 3000,
    firstHeartbeatEstimateMs: intervalMs,
    ...options
  }, clock)
  // 101 intervals fill the 100-sample window with exactly intervalMs: std 0, so the floor applies.
  // The clock is left at the last heartbeat.
  fd.heartbeat()
  for (let i = 0; i < 101; i++) { clock.advance(intervalMs); fd.heartbeat() }
  return { fd, clock }
}

function lastHeartbeatAt (fd: PhiAccrualDetector): number {
  const last = fd.lastHeartbeatAt
  assert.ok(last !== undefined, 'the detector should be monitoring')
  return last
}

function assertClose (actual: number, expected: number, tolerance: number): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`)
}

describe('PhiAccrualDetector.silenceToThresholdMs', () => {
  const cases: Array<[threshold: number, intervalMs: number, minStdDeviationMs: number, acceptableHeartbeatPauseMs: number]> = [
    [8, 1000, 100, 3000],
    [8, 500, 50, 0],
    [1, 1000, 100, 3000],
    [3, 200, 20, 1000],
    [12, 1000, 500, 10_000],
    [0.01, 1000, 100, 0]
  ]
  for (const [threshold, intervalMs, minStdDeviationMs, acceptableHeartbeatPauseMs] of cases) {
    it(`phi at that silence ≈ threshold ${threshold} (I ${intervalMs} ms, S ${minStdDeviationMs} ms, A ${acceptableHeartbeatPauseMs} ms)`, () => {
      const { fd, clock } = regularDetector(intervalMs, { threshold, minStdDeviationMs, acceptableHeartbeatPauseMs })
      const silence = fd.silenceToThresholdMs()
      assert.ok(silence > 0 && Number.isFinite(silence))
      clock.set(lastHeartbeatAt(fd) + silence)
      assertClose(fd.phi(), threshold, threshold * 1e-9)
    })
  }

  it('is available just before and unavailable just after that silence', () => {
    const { fd, clock } = regularDetector(1000, {})
    const last = lastHeartbeatAt(fd)
    const silence = fd.silenceToThresholdMs()
    clock.set(last + silence - 1)
    assert.equal(fd.isAvailable(), true)
    clock.set(last + silence + 1)
    assert.equal(fd.isAvailable(), false)
  })

  it('matches the README rule: threshold 8 ⇒ about I + A + 5.2·S of silence', () => {
    for (const [intervalMs, minStdDeviationMs, acceptableHeartbeatPauseMs] of [[1000, 100, 3000], [500, 200, 0], [2000, 50, 8000]] as const) {
      const { fd } = regularDetector(intervalMs, { minStdDeviationMs, acceptableHeartbeatPauseMs })
      const silence = fd.silenceToThresholdMs()
      const stdUnits = (silence - intervalMs - acceptableHeartbeatPauseMs) / minStdDeviationMs
      assertClose(stdUnits, 5.226, 0.001) // "about 5.2": 5.226 standard deviations past the mean
    }
    // 1 s heartbeats, 3 s pause, 100 ms floor ⇒ ≈ 4.52 s.
    assertClose(regularDetector(1000, {}).fd.silenceToThresholdMs(), 4522.6, 0.1)
  })

  it('uses the bootstrap history before the first heartbeat, and is 0 when phi is already at a tiny threshold', () => {
    const fd = new PhiAccrualDetector({
      threshold: 8, maxSampleSize: 10, minStdDeviationMs: 10, acceptableHeartbeatPauseMs: 0, firstHeartbeatEstimateMs: 1000
    }, new ManualClock())
    // Bootstrap: mean 1000 ms, std 250 ms ⇒ 1000 + 5.226 × 250 ms.
    assertClose(fd.silenceToThresholdMs(), 1000 + 5.226 * 250, 0.5)

    const eager = new PhiAccrualDetector({
      threshold: 1e-12, maxSampleSize: 10, minStdDeviationMs: 1000, acceptableHeartbeatPauseMs: 0, firstHeartbeatEstimateMs: 10
    }, new ManualClock())
    assert.equal(eager.silenceToThresholdMs(), 0)
  })
})
