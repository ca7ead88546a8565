/**
 * The cluster key's pure parts (net/cluster-key.ts): the key file format, and the proof and
 * direction keys of the handshake, including the keyring lookup a rotation relies on.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  CLUSTER_KEY_PREFIX, ClusterKeyFormatError, clusterKeyId, directionKey, formatClusterKey, handshakeProof,
  matchProof, MAX_CLUSTER_KEYS, NONCE_BYTES, parseClusterKeys, PROOF_BYTES
} from '../src/net/cluster-key.js'

/** A key of 32 equal bytes: readable tests, distinct keys. */
const key = (b: number): Buffer => Buffer.alloc(32, b)
const nonce = (b: number): Buffer => Buffer.alloc(NONCE_BYTES, b)

function formatError (text: string): ClusterKeyFormatError {
  try {
    parseClusterKeys(text)
  } catch (err) {
    assert.ok(err instanceof ClusterKeyFormatError, String(err))
    return err
  }
  assert.fail('parsed')
}

describe('parseClusterKeys', () => {
  it('reads the keys in order, primary first, skipping blank lines and comments', () => {
    const text = `# made by kos keygen\n\n  ${formatClusterKey(key(1))}  \r\n# the next one is accepted only\n${formatClusterKey(key(2))}\n`
    assert.deepEqual(parseClusterKeys(text), [key(1), key(2)])
  })

  it('reads what formatClusterKey writes', () => {
    const line = formatClusterKey(key(7))
    assert.ok(line.startsWith(CLUSTER_KEY_PREFIX))
    assert.equal(line.length, CLUSTER_KEY_PREFIX.length + 44)
    assert.deepEqual(parseClusterKeys(line), [key(7)])
  })

  it('names the line of a malformed key', () => {
    const good = formatClusterKey(key(1))
    const cases: Array<[string, number, RegExp]> = [
      [`${good}\nswarm-key`, 2, /not a cluster key/],
      [`${good}\n\n${CLUSTER_KEY_PREFIX}AAAA`, 3, /32 bytes in base64/],
      [`${CLUSTER_KEY_PREFIX}${key(1).toString('hex')}`, 1, /32 bytes in base64/],
      [`kos-cluster-key-v2:${key(1).toString('base64')}`, 1, /not a cluster key/],
      [`${good}\n# again\n${good}`, 3, /same key as line 1/],
      // The same key spelt with the last character's spare bits set (found by fuzzing).
      [`${good}\n${good.slice(0, -2)}F=`, 2, /canonical base64/]
    ]
    for (const [text, line, message] of cases) {
      const err = formatError(text)
      assert.equal(err.line, line, text)
      assert.match(err.message, new RegExp(`^line ${line}: `))
      assert.match(err.message, message)
    }
  })

  it('refuses a file with no key, or with too many', () => {
    assert.match(formatError('# nothing here\n\n').message, /holds no key/)
    const many = Array.from({ length: MAX_CLUSTER_KEYS + 1 }, (_, i) => formatClusterKey(key(i))).join('\n')
    assert.equal(formatError(many).line, MAX_CLUSTER_KEYS + 1)
  })
})

describe('the handshake proof', () => {
  const a = nonce(0xa)
  const b = nonce(0xb)

  it('is found in the keyring at the index of the key that made it', () => {
    const proof = handshakeProof(key(2), a, b)
    assert.equal(proof.length, PROOF_BYTES)
    // The receiver sees the sender's nonce as the peer's, its own as its own.
    assert.equal(matchProof([key(2)], proof, a, b), 0)
    assert.equal(matchProof([key(1), key(2)], proof, a, b), 1)
    assert.equal(matchProof([key(2), key(1)], proof, a, b), 0)
  })

  it('matches no keyring without its key', () => {
    assert.equal(matchProof([key(1), key(3)], handshakeProof(key(2), a, b), a, b), undefined)
  })

  it('is bound to both nonces: replayed on another connection, or reflected back, it proves nothing', () => {
    const proof = handshakeProof(key(1), a, b)
    assert.equal(matchProof([key(1)], proof, a, nonce(0xc)), undefined, 'another receiver nonce')
    assert.equal(matchProof([key(1)], proof, b, a), undefined, 'sent back to its maker')
  })

  it('refuses a proof of the wrong length', () => {
    assert.equal(matchProof([key(1)], handshakeProof(key(1), a, b).subarray(0, PROOF_BYTES - 1), a, b), undefined)
  })
})

describe('direction keys', () => {
  it('differ between the two directions of a connection, and between keys and connections', () => {
    const a = nonce(0xa)
    const b = nonce(0xb)
    const keys = [directionKey(key(1), a, b), directionKey(key(1), b, a), directionKey(key(2), a, b), directionKey(key(1), a, nonce(0xc))]
    assert.equal(new Set(keys.map((k) => k.toString('hex'))).size, keys.length)
    for (const k of keys) assert.equal(k.length, 32)
  })

  it('are never the proof', () => {
    const a = nonce(0xa)
    const b = nonce(0xb)
    assert.notDeepEqual(directionKey(key(1), a, b).subarray(0, PROOF_BYTES), handshakeProof(key(1), a, b))
  })
})

describe('clusterKeyId', () => {
  it('names a key in 16 hex digits, the same everywhere, different per key', () => {
    assert.match(clusterKeyId(key(1)), /^[0-9a-f]{16}$/)
    assert.equal(clusterKeyId(key(1)), clusterKeyId(Buffer.from(key(1))))
    assert.notEqual(clusterKeyId(key(1)), clusterKeyId(key(2)))
  })
})
