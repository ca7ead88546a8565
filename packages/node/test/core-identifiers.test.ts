/**
 * The core reads peer ids, multiaddrs and Ed25519 keys without libp2p (@kos/core's wire/peer-id.ts
 * and wire/identifiers.ts); the node hands what the core accepted to libp2p. These tests hold
 * the two together: whatever the core accepts libp2p parses (else a decoded member could stop the
 * node's tick, issue 16), the ids and addresses a node really has are accepted, and the core's
 * Ed25519 signer has the peer id libp2p gives the same key (the simulator's trace hashes rest
 * on that).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { base58Decode, base58Encode, ed25519KeyOf, ed25519Signer, isMultiaddrString, isPeerIdString } from '@kos/core'
import { signerFromPrivateKey } from '../src/audit/libp2p-signer.js'

const parses = (parse: (s: string) => unknown, s: string): boolean => {
  try { parse(s); return true } catch { return false }
}

describe('the core reads identifiers as libp2p does', () => {
  it('accepts the Ed25519 and RSA peer ids libp2p makes, and takes the same Ed25519 key', async () => {
    for (let i = 0; i < 20; i++) {
      const key = await generateKeyPair('Ed25519')
      const id = peerIdFromPrivateKey(key).toString()
      assert.equal(isPeerIdString(id), true, id)
      assert.deepEqual(ed25519KeyOf(id), key.publicKey.raw)
    }
    const rsa = peerIdFromPrivateKey(await generateKeyPair('RSA', 1024)).toString()
    assert.equal(isPeerIdString(rsa), true, rsa)
    assert.equal(ed25519KeyOf(rsa), null)
  })

  it('an Ed25519 seed gives the peer id and the signatures libp2p gives it', async () => {
    for (let i = 1; i <= 10; i++) {
      const seed = new Uint8Array(32)
      new DataView(seed.buffer).setUint32(28, i)
      const key = await generateKeyPairFromSeed('Ed25519', seed)
      const core = ed25519Signer(seed)
      assert.equal(core.peerId, peerIdFromPrivateKey(key).toString())
      const msg = new TextEncoder().encode(`message ${i}`)
      assert.deepEqual(await core.sign(msg), await key.sign(msg))
      assert.equal((await signerFromPrivateKey(key)).peerId, core.peerId)
    }
  })

  it('whatever base58 string the core takes for a peer id, libp2p parses', () => {
    const base58 = fc.string({ unit: fc.constantFrom(...'123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'), minLength: 1, maxLength: 60 })
    const mutated = fc.tuple(fc.integer({ min: 0, max: 51 }), fc.constantFrom(...'123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'))
      .map(([at, c]) => { const id = '12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V'; return id.slice(0, at) + c + id.slice(at + 1) })
    fc.assert(fc.property(fc.oneof(base58, mutated), (s) => !isPeerIdString(s) || parses(peerIdFromString, s)), { numRuns: 5000 })
  })

  it('base58 round-trips', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      assert.deepEqual(base58Decode(base58Encode(bytes)), bytes)
    }))
  })

  it('accepts the addresses nodes listen on and announce', () => {
    const id = '12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V'
    for (const a of ['/ip4/127.0.0.1/tcp/4001', `/ip4/127.0.0.5/tcp/0/p2p/${id}`, '/ip6/::1/tcp/4001', '/ip6/fe80::1:2:3/tcp/1',
      '/ip6/2001:db8:0:0:0:0:2:1/tcp/65535', '/ip6/::ffff:10.0.0.1/tcp/1', '/dns4/node-a.example.com/tcp/4001', '/dns/localhost/tcp/1/ws',
      '/ip4/10.0.0.1/udp/4001/quic-v1', `/ip4/1.2.3.4/tcp/1/p2p/${id}/p2p-circuit/p2p/${id}`]) {
      assert.equal(isMultiaddrString(a), true, a)
      assert.equal(parses(multiaddr, a), true, a)
    }
  })

  it('whatever the core takes for a multiaddr, libp2p parses', () => {
    const seg = fc.oneof(
      fc.constantFrom('ip4', 'ip6', 'tcp', 'udp', 'dns4', 'p2p', 'ws', 'quic-v1', 'p2p-circuit', 'hp4', ''),
      fc.ipV4(), fc.ipV4Extended(), fc.ipV6(), fc.domain(),
      fc.array(fc.oneof(fc.integer({ min: 0, max: 999 }).map(String), fc.constantFrom('00', '01', '')), { minLength: 3, maxLength: 5 }).map((o) => o.join('.')), fc.integer({ min: -1, max: 70000 }).map(String),
      fc.constantFrom('12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V', '01', '::', ':::', '1::2::3', '00.1.2.3'),
      fc.string({ maxLength: 8 }))
    const addr = fc.array(seg, { minLength: 1, maxLength: 6 }).map((parts) => '/' + parts.join('/'))
    fc.assert(fc.property(addr, (a) => !isMultiaddrString(a) || parses(multiaddr, a)), { numRuns: 20000 })
  })
})
