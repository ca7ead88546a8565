/**
 * Option validation of the detector: each out-of-range option is a RangeError whose message names
 * the option.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ManualClock, PhiAccrualDetector } from '../src/index.js'
import type { PhiAccrualOptions } from '../src/index.js'

const valid: PhiAccrualOptions = {
  threshold: 8,
  maxSampleSize: 1000,
  minStdDeviationMs: 100,
  acceptableHeartbeatPauseMs: 3000,
  firstHeartbeatEstimateMs: 1000
}

const invalid: Array<[option: keyof PhiAccrualOptions, values: number[]]> = [
  ['threshold', [0, -1, Number.NaN, Number.POSITIVE_INFINITY]],
  ['maxSampleSize', [0, -5, 2.5, Number.NaN]],
  ['minStdDeviationMs', [0, -1, Number.NaN, Number.POSITIVE_INFINITY]],
  ['acceptableHeartbeatPauseMs', [-1, Number.NaN, Number.POSITIVE_INFINITY]],
  ['firstHeartbeatEstimateMs', [0, -1000, Number.NaN, Number.POSITIVE_INFINITY]]
]

describe('PhiAccrualOptions validation', () => {
  for (const [option, values] of invalid) {
    for (const value of values) {
      it(`rejects ${option} = ${value} with a RangeError naming it`, () => {
        assert.throws(
          () => new PhiAccrualDetector({ ...valid, [option]: value }, new ManualClock()),
          (error: unknown) => {
            assert.ok(error instanceof RangeError)
            assert.equal(error.name, 'RangeError')
            assert.match(error.message, new RegExp(`\\b${option}\\b`))
            return true
          }
        )
      })
    }
  }

  it('accepts the boundary values', () => {
    assert.doesNotThrow(() => new PhiAccrualDetector({ ...valid, maxSampleSize: 1, acceptableHeartbeatPauseMs: 0, threshold: 0.001 }, new ManualClock()))
  })

  it('copies the options, so mutating the caller object later changes nothing', () => {
    const options = { ...valid }
    const fd = new PhiAccrualDetector(options, new ManualClock())
    const silence = fd.silenceToThresholdMs()
    options.threshold = 1
    options.acceptableHeartbeatPauseMs = 0
    assert.equal(fd.silenceToThresholdMs(), silence)
  })
})
