/** libp2p's Ed25519 keys with their key objects made once (net/ed25519-keys.ts): the same answers as the library's own. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { memoiseEd25519Keys } from '../src/net/ed25519-keys.js'

const message = new TextEncoder().encode('a gossip message')
/** What the library's callers pass besides bytes: a list of chunks, read with subarray(). */
const chunked = { subarray: () => Uint8Array.from(message) } as unknown as Uint8Array

/** Every answer a key pair gives: its signature, and the verdicts on good and altered input. */
async function answers (keys: PrivateKey[]): Promise<unknown[]> {
  const out: unknown[] = []
  for (const [i, k] of keys.entries()) {
    const sig = await k.sign(message)
    const pub = publicKeyFromRaw(k.publicKey.raw)
    const other = publicKeyFromRaw(keys[(i + 1) % keys.length]!.publicKey.raw)
    const changed = Uint8Array.from(message); changed[0]! ^= 1
    const bad = Uint8Array.from(sig); bad[10]! ^= 1
    out.push(Buffer.from(sig).toString('hex'), await pub.verify(message, sig), await pub.verify(chunked, sig), await other.verify(message, sig), await pub.verify(changed, sig), await pub.verify(message, bad))
  }
  return out
}

describe('memoised Ed25519 key objects', () => {
  it('signs and verifies exactly as the library does', async () => {
    const keys = await Promise.all([0, 1, 2].map(async () => await generateKeyPair('Ed25519')))
    const before = await answers(keys)
    assert.deepEqual(before.slice(1, 6), [true, true, false, false, false])
    assert.equal(memoiseEd25519Keys(), true)
    // Twice: the second time with the key objects made by the first.
    assert.deepEqual(await answers(keys), before)
    assert.deepEqual(await answers(keys), before)
  })

  it('keeps the library checks: a signature of the wrong length throws, an aborted signal throws', async () => {
    memoiseEd25519Keys()
    const k = await generateKeyPair('Ed25519')
    assert.throws(() => k.publicKey.verify(new Uint8Array(3), new Uint8Array(63)), /64 bytes/)
    const aborted = AbortSignal.abort()
    assert.throws(() => k.publicKey.verify(new Uint8Array(3), new Uint8Array(64), { signal: aborted }))
    assert.throws(() => k.sign(new Uint8Array(3), { signal: aborted }))
  })
})
