/** The seeded PRNG: one seed, one sequence; forks independent of each other's draws. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createRng } from '../src/random.js'

const draws = (seed: number, n: number): number[] => { const r = createRng(seed); return Array.from({ length: n }, () => r.next()) }

describe('createRng', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    assert.deepEqual(draws(7, 50), draws(7, 50))
    assert.notDeepEqual(draws(7, 50), draws(8, 50))
  })

  it('draws floats in [0, 1) with a mean near 1/2', () => {
    const xs = draws(1, 100_000)
    assert.ok(xs.every((x) => x >= 0 && x < 1))
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`)
  })

  it('int(lo, hi) covers both bounds and nothing outside', () => {
    const r = createRng(3)
    const seen = new Set<number>()
    for (let i = 0; i < 10_000; i++) { const v = r.int(2, 5); assert.ok(v >= 2 && v <= 5); seen.add(v) }
    assert.deepEqual([...seen].sort(), [2, 3, 4, 5])
  })

  it('forks by label: stable, different from each other, unaffected by the parent\'s draws', () => {
    const a = createRng(9); const b = createRng(9)
    b.next(); b.next()
    assert.deepEqual([a.fork('net').next(), a.fork('net').next()], [b.fork('net').next(), b.fork('net').next()])
    assert.notEqual(createRng(9).fork('net').next(), createRng(9).fork('faults').next())
  })

  it('fill gives the next floats of the stream, as next() would, and next() goes on after them', () => {
    const a = createRng(42)
    const b = createRng(42)
    const block = new Float64Array(1000)
    a.fill(block)
    for (let i = 0; i < block.length; i++) assert.equal(block[i], b.next(), `draw ${i}`)
    assert.equal(a.next(), b.next())
    a.fill(block.subarray(0, 3))
    assert.deepEqual([...block.subarray(0, 3)], [b.next(), b.next(), b.next()])
  })

  it('refuses a seed that is not an integer', () => {
    assert.throws(() => createRng(1.5), RangeError)
  })
})
