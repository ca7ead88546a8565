/**
 * The input mixes of the fuzz targets: mostly mutations of valid fixtures (they get past the
 * first checks), then hostile values encoded whole, random bytes, the fixtures as they are (so
 * the accepting path runs too) and an oversized message.
 */
import { encode } from 'cborg'
import fc from 'fast-check'
import { hostileValue } from './hostile.js'
import { mutatedBytes } from './mutate-bytes.js'
import { mutatedValue } from './mutate-value.js'

const NULL_CBOR = encode(null)

/** cborg's encoding, or that of null for what CBOR cannot carry (the generator's problem, not the decoder's). */
function cbor (value: unknown): Uint8Array {
  try {
    return encode(value)
  } catch {
    return NULL_CBOR
  }
}

const utf8 = new TextEncoder()

function json (value: unknown): Uint8Array {
  try {
    return utf8.encode(JSON.stringify(value) ?? 'null')
  } catch {
    return utf8.encode('null')
  }
}

/** One buffer per size, shared by every case: only its length matters to the size check. */
const oversized = new Map<number, Uint8Array>()
function oversizedBuffer (maxBytes: number): Uint8Array {
  let b = oversized.get(maxBytes + 1)
  if (b === undefined) { b = new Uint8Array(maxBytes + 1); oversized.set(maxBytes + 1, b) }
  return b
}

function bytesInput (fixtures: readonly object[], encoder: (v: unknown) => Uint8Array, cborValues: boolean, maxBytes: number): fc.Arbitrary<Uint8Array> {
  const values = hostileValue({ cbor: cborValues })
  const encodings = fixtures.map(encoder)
  return fc.oneof(
    { weight: 10, arbitrary: mutatedValue(fixtures, values).map(encoder) },
    { weight: 6, arbitrary: mutatedBytes(encodings) },
    { weight: 2, arbitrary: values.map(encoder) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 2, arbitrary: fc.constantFrom(...encodings) },
    { weight: 1, arbitrary: fc.constant(maxBytes).map(oversizedBuffer) }
  )
}

/** CBOR messages of a wire decoder whose size bound is `maxBytes`. */
export function cborInput (fixtures: readonly object[], maxBytes: number): fc.Arbitrary<Uint8Array> {
  return bytesInput(fixtures, cbor, true, maxBytes)
}

/** JSON messages (as UTF-8 bytes) of a decoder bounded by `maxBytes`. */
export function jsonBytesInput (fixtures: readonly object[], maxBytes: number): fc.Arbitrary<Uint8Array> {
  return bytesInput(fixtures, json, false, maxBytes)
}

/** Values of the shapes JSON.parse gives a route (plus NaN and Infinity), mostly mutated fixtures. */
export function jsonValueInput (fixtures: readonly object[]): fc.Arbitrary<unknown> {
  const values = hostileValue({ cbor: false })
  return fc.oneof(
    { weight: 10, arbitrary: mutatedValue(fixtures, values) },
    { weight: 3, arbitrary: values },
    { weight: 2, arbitrary: fc.constantFrom(...fixtures) }
  )
}

/** Values as CBOR decodes them (bigint, bytes, undefined too): for validators of decoded `unknown` payloads. */
export function cborValueInput (fixtures: readonly object[]): fc.Arbitrary<unknown> {
  const values = hostileValue({ cbor: true })
  return fc.oneof(
    { weight: 10, arbitrary: mutatedValue(fixtures, values) },
    { weight: 3, arbitrary: values },
    { weight: 2, arbitrary: fc.constantFrom(...fixtures) }
  )
}
