/**
 * The cluster key's connection protector over in-memory connections: admission with a shared
 * key and across a rotation, refusal of a wrong key, of a peer without a key, of a reflected
 * handshake and of a silent one, the bytes on the wire, and a keyring replaced while running. The real-process version is test/cluster-key.test.ts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { MultiaddrConnection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { duplexPair } from 'it-pair/duplex'
import { pino } from 'pino'
import { type ClusterKeyring } from '../src/net/cluster-key.js'
import { ClusterKeyProtector, ClusterKeyRefusedError, HELLO, type AdmittedBy, type RefusalReason } from '../src/net/cluster-key-protector.js'

const key = (b: number): Buffer => Buffer.alloc(32, b)
const silent = pino({ level: 'silent' })

interface Side {
  protector: ClusterKeyProtector
  refused: RefusalReason[]
  admitted: AdmittedBy[]
}

function side (keyring: ClusterKeyring, handshakeTimeoutMs = 5000): Side {
  const refused: RefusalReason[] = []
  const admitted: AdmittedBy[] = []
  const protector = new ClusterKeyProtector({
    keyring,
    handshakeTimeoutMs,
    log: silent,
    onRefused: (r) => { refused.push(r) },
    onAdmitted: (b) => { admitted.push(b) }
  })
  return { protector, refused, admitted }
}

interface RawConnection extends MultiaddrConnection {
  /** Every byte this end wrote to the wire. */
  wire: Buffer[]
  aborted: Error[]
}

/** Two ends of an in-memory connection, each recording what it writes and whether it was aborted. */
function connectionPair (): [RawConnection, RawConnection] {
  const [x, y] = duplexPair<Uint8Array>()
  const end = (d: typeof x): RawConnection => {
    const wire: Buffer[] = []
    const aborted: Error[] = []
    return {
      source: d.source,
      sink: async (source) => {
        await d.sink((async function * () {
          for await (const chunk of source) { const b = Buffer.from(chunk.subarray()); wire.push(b); yield b }
        })())
      },
      remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/4001'),
      timeline: { open: Date.now() },
      log: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => { throw new Error('unused') } }) as unknown as MultiaddrConnection['log'],
      close: async () => {},
      abort: (err) => { aborted.push(err) },
      wire,
      aborted
    }
  }
  return [end(x), end(y)]
}

async function firstChunk (conn: MultiaddrConnection): Promise<string> {
  for await (const chunk of conn.source) return Buffer.from(chunk.subarray()).toString()
  throw new Error('the stream ended')
}

async function drain (conn: MultiaddrConnection): Promise<void> {
  for await (const _ of conn.source) { /* read and dropped */ }
}

async function refusal (p: Promise<unknown>): Promise<RefusalReason> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof ClusterKeyRefusedError, String(err))
    return err.reason
  }
  assert.fail('admitted')
}

describe('the cluster key protector', () => {
  it('admits a peer with the same key; the protocols above talk in both directions, and the wire carries no plaintext', async () => {
    const a = side([key(1)])
    const b = side([key(1)])
    const [ra, rb] = connectionPair()
    const [ca, cb] = await Promise.all([a.protector.protect(ra), b.protector.protect(rb)])
    assert.deepEqual([a.admitted, b.admitted], [['primary'], ['primary']])
    void ca.sink((async function * () { yield Buffer.from('secret from a') })())
    void cb.sink((async function * () { yield Buffer.from('secret from b') })())
    assert.equal(await firstChunk(cb), 'secret from a')
    assert.equal(await firstChunk(ca), 'secret from b')
    const wire = Buffer.concat([...ra.wire, ...rb.wire]).toString('latin1')
    assert.ok(wire.startsWith(HELLO.toString('latin1')))
    assert.ok(!wire.includes('secret'), 'the payload is not on the wire in the clear')
  })

  it('admits across a rotation: each side proves its primary, and accepts the other key', async () => {
    const a = side([key(1), key(2)])
    const b = side([key(2), key(1)])
    const [ra, rb] = connectionPair()
    const [ca, cb] = await Promise.all([a.protector.protect(ra), b.protector.protect(rb)])
    assert.deepEqual([a.admitted, b.admitted], [['accepted'], ['accepted']])
    void ca.sink((async function * () { yield Buffer.from('k1 out') })())
    void cb.sink((async function * () { yield Buffer.from('k2 out') })())
    assert.equal(await firstChunk(cb), 'k1 out')
    assert.equal(await firstChunk(ca), 'k2 out')
  })

  it('refuses a wrong key on both sides, counted as wrong-key', async () => {
    const a = side([key(1)])
    const b = side([key(2)])
    const [ra, rb] = connectionPair()
    assert.deepEqual(await Promise.all([refusal(a.protector.protect(ra)), refusal(b.protector.protect(rb))]), ['wrong-key', 'wrong-key'])
    assert.deepEqual([a.refused, b.refused, a.admitted, b.admitted], [['wrong-key'], ['wrong-key'], [], []])
  })

  it('refuses a peer that runs no cluster key as soon as its first bytes arrive', async () => {
    const a = side([key(1)], 60_000)
    const [ra, rb] = connectionPair()
    // What a libp2p node without a protector sends first: multistream-select's header. It reads what we send, as TCP would.
    void drain(rb)
    void rb.sink((async function * () { yield Buffer.from('\x13/multistream/1.0.0\n'); await new Promise(() => {}) })())
    assert.equal(await refusal(a.protector.protect(ra)), 'no-key')
    assert.deepEqual(a.refused, ['no-key'])
  })

  it('refuses its own handshake sent back', async () => {
    const a = side([key(1)])
    const [ra, rb] = connectionPair()
    void rb.sink(rb.source)
    assert.equal(await refusal(a.protector.protect(ra)), 'reflected')
  })

  it('refuses a peer that says nothing, once the handshake deadline passes', async () => {
    const a = side([key(1)], 100)
    const [ra] = connectionPair()
    assert.equal(await refusal(a.protector.protect(ra)), 'timeout')
  })

  it('counts a peer that closes during the handshake as closed', async () => {
    const a = side([key(1)])
    const [ra, rb] = connectionPair()
    void rb.sink((async function * () {})())
    assert.equal(await refusal(a.protector.protect(ra)), 'closed')
  })

  it('proves and accepts a replaced keyring from the next connection on', async () => {
    const a = side([key(1)])
    a.protector.setKeyring([key(2), key(1)])
    const b = side([key(2)])
    const [ra, rb] = connectionPair()
    await Promise.all([a.protector.protect(ra), b.protector.protect(rb)])
    assert.deepEqual([a.admitted, b.admitted], [['primary'], ['primary']])
    a.protector.setKeyring([key(1)])
    const [ra2, rb2] = connectionPair()
    assert.deepEqual(await Promise.all([refusal(a.protector.protect(ra2)), refusal(b.protector.protect(rb2))]), ['wrong-key', 'wrong-key'])
    assert.deepEqual([ra.aborted, rb.aborted], [[], []], 'the open connection stays')
  })
})
