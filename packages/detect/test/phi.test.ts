/**
 * The pure φ function: checks of the logistic approximation of the normal CDF at known points,
 * plus its input contract.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { phi } from '../src/index.js'

/** The CDF value behind a φ: φ = -log10(1 - F)  ⇔  F = 1 - 10^-φ. */
const cdf = (p: number): number => 1 - Math.pow(10, -p)

function assertClose (actual: number, expected: number, tolerance: number): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`)
}

describe('An AccrualFailureDetector (phi)', () => {
  it('use good enough cumulative distribution function', () => {
    // Reference values of the standard normal CDF at y = 0, 0.6, 1.5, 2, 2.5, 3.5, 4 (std 10 ms).
    assertClose(cdf(phi(0, 0, 10)), 0.5, 0.001)
    assertClose(cdf(phi(6, 0, 10)), 0.7257, 0.001)
    assertClose(cdf(phi(15, 0, 10)), 0.9332, 0.001)
    assertClose(cdf(phi(20, 0, 10)), 0.97725, 0.001)
    assertClose(cdf(phi(25, 0, 10)), 0.99379, 0.001)
    assertClose(cdf(phi(35, 0, 10)), 0.99977, 0.001)
    assertClose(cdf(phi(40, 0, 10)), 0.99997, 0.0001)

    for (let x = 0; x < 40; x++) {
      assert.ok(phi(x, 0, 10) < phi(x + 1, 0, 10), `phi must increase from ${x} to ${x + 1} ms`)
    }

    assertClose(cdf(phi(22, 20, 3)), 0.7475, 0.001)
  })

  it('handle outliers without losing precision or hitting exceptions', () => {
    assertClose(phi(10, 0, 1), 38, 1)
    assert.equal(phi(-25, 0, 1), 0) // strict: +0, not -0
    // Far beyond the two-branch formula's range (exp underflow gives -log10(0) = Infinity there):
    // still finite and growing.
    assert.ok(Number.isFinite(phi(1e6, 0, 1)))
    assert.ok(phi(1e6, 0, 1) > phi(1e5, 0, 1))
  })

  it('return realistic phi values', () => {
    const table: Array<[elapsedMs: number, expectedPhi: number]> = [
      [0, 0.0], [500, 0.1], [1000, 0.3], [1200, 1.6], [1400, 4.7], [1600, 10.8], [1700, 15.3]
    ]
    for (const [elapsedMs, expected] of table) {
      assertClose(phi(elapsedMs, 1000, 100), expected, 0.1)
    }
    // A larger std deviation means a late heartbeat is less surprising: lower phi.
    assert.ok(phi(1100, 1000, 500) < phi(1100, 1000, 100))
  })

  it('rejects a std deviation that is not > 0 and NaN inputs', () => {
    assert.throws(() => phi(1, 0, 0), RangeError)
    assert.throws(() => phi(1, 0, -1), RangeError)
    assert.throws(() => phi(1, 0, Number.NaN), RangeError)
    assert.throws(() => phi(Number.NaN, 0, 1), RangeError)
    assert.throws(() => phi(1, Number.NaN, 1), RangeError)
  })
})
