/**
 * Hostile values: what a peer or an API client can put where a field is expected. Weighted
 * toward the values that break validators in practice: numbers at the edges of every bound the
 * schemas use (2^32, 2^53 - 1, -0, NaN, Infinity), strings that look almost right (base58 that
 * is no peer id, multiaddrs of unknown protocols, lone surrogates), keys that touch prototypes,
 * very long strings and deep nesting.
 */
import fc from 'fast-check'

/** The numbers at the schemas' bounds and the ones JavaScript gets wrong. */
export const edgeNumber: fc.Arbitrary<number> = fc.constantFrom(
  0, -0, 1, -1, 0.5, -0.5, 1e-7, Number.EPSILON, Number.MIN_VALUE,
  255, 256, 65_535, 65_536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1,
  999_999, 1_000_000, 1_000_001, 1e15, 1e15 + 1, 8_640_000_000_000_000, 8_640_000_000_000_001,
  2 ** 53 - 2, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53 - 1), -(2 ** 53), 2 ** 64, 1e21, 1e308,
  Number.MAX_VALUE, -Number.MAX_VALUE, NaN, Infinity, -Infinity
)

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: edgeNumber },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  { weight: 1, arbitrary: fc.double() }
)

const BASE58 = [...'123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz']

/** Strings that pass the base58 peer id pattern without being peer ids, and near misses. */
export const base58ish: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...BASE58), minLength: 30, maxLength: 130 }),
  fc.string({ unit: fc.constantFrom(...BASE58), minLength: 1, maxLength: 44 }).map((s) => `12D3KooW${s}`),
  fc.string({ unit: fc.constantFrom(...BASE58), minLength: 1, maxLength: 44 }).map((s) => `Qm${s}`)
)

/** Strings that start like a multiaddr and may not be one. */
export const multiaddrIsh: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '/', '//', '/foo', '/ip4', '/ip4/', '/ip4/1.2.3.4', '/ip4/256.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/65536',
    '/ip4/127.0.0.1/tcp/99999', '/ip4/127.0.0.1/tcp/-1', '/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/4001',
    '/dns4/example.com/tcp/1', '/ip4/127.0.0.1/udp/1/quic-v1', '/p2p/x', '/ip4/127.0.0.1/tcp/1/p2p/1111',
    '/unix/%2Ftmp%2Fx', '/ip4/127.0.0.1/tcp/1/ws/p2p-circuit', '/ip4/127.0.0.1/tcp/0x10'
  ),
  fc.array(fc.oneof(fc.constantFrom('ip4', 'ip6', 'tcp', 'udp', 'p2p', 'dns', 'ws', '127.0.0.1', '::1', '1', '65536'), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 6 })
    .map((parts) => `/${parts.join('/')}`)
)

const LONE_SURROGATES = ['\ud800', '\udfff', 'a\ud83d', '\ude00b']

/** A character repeated to a length around the schemas' bounds (64, 256, 512, 2048, 65536...). */
const longString: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom('a', '1', '/', 'é', '😀', '\u0000'),
  fc.oneof(fc.constantFrom(63, 64, 65, 128, 129, 256, 257, 511, 512, 513, 2048, 2049, 4097, 8193, 65_536, 65_537), fc.integer({ min: 0, max: 20_000 }))
).map(([c, n]) => c.repeat(n))

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('', ' ', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', '0', '-0', 'NaN',
      '1e400', 'true', '\n', '%00', '../..', '\\', '"', '{}', 'alive', 'dead', 'left', 'suspect', 'junzi', 'archon', 'member',
      'heartbeat', 'notice', 'sync', 'probe', 'election', 'push', 'heads', 'ack', 'checkpoint', 'escalate', 'status', 'authorities',
      '(a+)+$', '(a|a)*b', '([a-z]+)*$', '\\b(ERROR)\\b', '[', '(?<', 'http://127.0.0.1:1/', 'https://[::1]/x', 'file:///etc/passwd',
      '2024-01-01', '2024-02-30T25:61:61Z', '+275760-09-13T00:00:00.001Z', '0'.repeat(64), 'f'.repeat(64), `${'A'.repeat(86)}==`,
      ...LONE_SURROGATES)
  },
  { weight: 2, arbitrary: base58ish },
  { weight: 2, arbitrary: multiaddrIsh },
  { weight: 1, arbitrary: longString }
)

/** A key for an added field: a random one, a prototype-touching one, or one a schema knows. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'v', 't', 'kind', 'type', 'm', 'config', 'held', 'ok',
    'details', 'sig', 'hash', 'prev', 'addrs', 'health', 'members', 'entries', 'heads', 'only', 'checkpoint', 'record', 'route')
)

/** Values nested `depth` levels deep, past every depth bound (audit details stop at 16). */
const deep: fc.Arbitrary<unknown> = fc.tuple(fc.integer({ min: 15, max: 600 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 1
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v }
  return v
})

export interface HostileOptions {
  /** Values CBOR can carry but JSON cannot: bigint, byte strings, undefined. */
  cbor: boolean
}

/** Any hostile value: a leaf, a small structure of them, a deep one or a long array. */
export function hostileValue (opts: HostileOptions): fc.Arbitrary<unknown> {
  const leaves: Array<fc.Arbitrary<unknown>> = [hostileNumber, hostileString, fc.boolean(), fc.constant(null)]
  if (opts.cbor) {
    leaves.push(
      fc.constant(undefined),
      fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }),
      fc.uint8Array({ maxLength: 96 })
    )
  }
  const leaf = fc.oneof(...leaves)
  const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('tree'), { maxLength: 4 }),
      // Plain objects only: null-prototype ones come neither from JSON.parse nor through decodeMessage.
      fc.dictionary(hostileKey, tie('tree'), { maxKeys: 4, noNullPrototype: true })
    )
  }))
  return fc.oneof(
    { weight: 6, arbitrary: leaf },
    { weight: 3, arbitrary: tree },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: fc.integer({ min: 17, max: 20_000 }).map((n) => new Array<number>(n).fill(1)) }
  )
}
