/**
 * Mutations of valid encodings: bits flipped, bytes set (often to a CBOR header), cut, inserted
 * or duplicated, so that a decoder meets lengths, types and nesting that disagree with the rest.
 */
import fc from 'fast-check'

export type ByteMutation =
  | { op: 'flip', at: number, bit: number }
  | { op: 'set', at: number, byte: number }
  | { op: 'truncate', at: number }
  | { op: 'insert', at: number, bytes: Uint8Array }
  | { op: 'duplicate', at: number, length: number }

function applyByteMutation (bytes: Uint8Array, m: ByteMutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : m.at % bytes.length
  switch (m.op) {
    case 'flip': {
      const out = Uint8Array.from(bytes)
      if (out.length > 0) out[at] = (out[at] as number) ^ (1 << m.bit)
      return out
    }
    case 'set': {
      const out = Uint8Array.from(bytes)
      if (out.length > 0) out[at] = m.byte
      return out
    }
    case 'truncate': return bytes.subarray(0, at)
    case 'insert': return concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at))
    case 'duplicate': return concat(bytes.subarray(0, at + m.length), bytes.subarray(at, at + m.length), bytes.subarray(at + m.length))
  }
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let i = 0
  for (const p of parts) { out.set(p, i); i += p.length }
  return out
}

/** CBOR's interesting bytes: headers of maps, arrays, tags, floats, break, indefinite lengths. */
const cborByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x18, 0x1b, 0x1f, 0x3b, 0x5f, 0x7f, 0x9f, 0xbf, 0xc0, 0xc2, 0xd8, 0xf4, 0xf5, 0xf6, 0xf7, 0xf9, 0xfa, 0xfb, 0xff))

/** One to four edits of some bytes. */
export const byteMutations: fc.Arbitrary<ByteMutation[]> = fc.array(fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: cborByte }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) })
), { minLength: 1, maxLength: 4 })

export function applyByteMutations (bytes: Uint8Array, ms: readonly ByteMutation[]): Uint8Array {
  return ms.reduce(applyByteMutation, bytes)
}

/** One to four edits of the encoding of one of `encodings`. */
export function mutatedBytes (encodings: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...encodings), byteMutations).map(([bytes, ms]) => applyByteMutations(bytes, ms))
}
