/**
 * canonical-cbor.ts against cborg (issue 21): the hand-written encoder must give cborg's
 * deterministic bytes (`rfc8949EncodeOptions`) for every JSON value, or an entry's
 * hash would change; and `cborSize` must give the length of cborg's default encoding, which
 * bounds `details`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encode, rfc8949EncodeOptions } from 'cborg'
import fc from 'fast-check'
import { canonicalCbor, cborSize } from '../src/audit/canonical-cbor.js'

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null), fc.boolean(),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: -70000, max: 70000 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0.5, 1.5, -2.25, 65504, 1e-7, 3.4e38, 2 ** 32, -(2 ** 32) - 1, 2 ** 53 - 1, -0),
    fc.string({ unit: 'grapheme' }), fc.string({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 30 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 30 }), tie('value'), { maxKeys: 30 })
  )
})).value

describe('canonical CBOR', () => {
  it('gives cborg\'s deterministic bytes for any JSON value', () => {
    fc.assert(fc.property(json, (v) => {
      assert.deepEqual(Buffer.from(canonicalCbor(v)).toString('hex'), Buffer.from(encode(v, rfc8949EncodeOptions)).toString('hex'))
    }), { numRuns: 3000, seed: 21 })
  })

  it('cborSize is the length of cborg\'s default encoding', () => {
    fc.assert(fc.property(json, (v) => { assert.equal(cborSize(v), encode(v).byteLength) }), { numRuns: 3000, seed: 21 })
  })

  it('refuses what is not JSON, and leaves out keys whose value is undefined', () => {
    assert.throws(() => canonicalCbor({ a: NaN }), TypeError)
    assert.throws(() => canonicalCbor([() => 1]), TypeError)
    assert.deepEqual(canonicalCbor({ a: 1, b: undefined }), encode({ a: 1 }, rfc8949EncodeOptions))
  })
})
