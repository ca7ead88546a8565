/**
 * The cluster key: its file format, and every value derived from it (docs/design/admission.md).
 * Pure: no I/O, no clock, no randomness (nonces come from the caller); node:crypto's HMAC is a
 * function of its inputs. The connection protector (cluster-key-protector.ts) uses these.
 *
 * File format: one key per line, `kos-cluster-key-v1:<base64 of 32 bytes>`; the first key is the
 * primary (this node proves it, and encrypts with it), the others are accepted from peers too,
 * which is what lets a cluster rotate its key without a stop. Blank lines and lines starting
 * with `#` are ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export const CLUSTER_KEY_PREFIX = 'kos-cluster-key-v1:'
export const CLUSTER_KEY_BYTES = 32
/** Keys one file may hold: a rotation needs two; each key costs an HMAC per refused connection. */
export const MAX_CLUSTER_KEYS = 16
/** Random bytes each side of a connection contributes. */
export const NONCE_BYTES = 32
/** HMAC-SHA256 truncated to 128 bits: a forgery is a 2^-128 guess per connection. */
export const PROOF_BYTES = 16

/** Domain separation: a proof is never a stream key, and neither is the key id. */
const LABEL_PROOF = Buffer.from('kos-cluster-key-v1 proof\0')
const LABEL_STREAM = Buffer.from('kos-cluster-key-v1 stream\0')
const LABEL_ID = Buffer.from('kos-cluster-key-v1 id\0')

const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/

/** The keys of a file, primary first; never empty. */
export type ClusterKeyring = readonly Buffer[]

/** A line of a key file that is not a key; `line` counts from 1. */
export class ClusterKeyFormatError extends Error {
  override name = 'ClusterKeyFormatError'
  constructor (readonly line: number, message: string) {
    super(line === 0 ? message : `line ${line}: ${message}`)
  }
}

/** One key as a line of a key file (what `kos keygen` prints). */
export function formatClusterKey (key: Uint8Array): string {
  if (key.length !== CLUSTER_KEY_BYTES) throw new RangeError(`a cluster key is ${CLUSTER_KEY_BYTES} bytes, not ${key.length}`)
  return CLUSTER_KEY_PREFIX + Buffer.from(key).toString('base64')
}

/** The keys of a key file's text, primary first. Throws ClusterKeyFormatError naming the line. */
export function parseClusterKeys (text: string): ClusterKeyring {
  const keys: Buffer[] = []
  const seen = new Map<string, number>()
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const n = i + 1
    if (!line.startsWith(CLUSTER_KEY_PREFIX)) {
      throw new ClusterKeyFormatError(n, `not a cluster key: expected ${CLUSTER_KEY_PREFIX}<base64>, as \`kos keygen\` writes`)
    }
    const encoded = line.slice(CLUSTER_KEY_PREFIX.length)
    if (!BASE64_32_BYTES.test(encoded)) {
      throw new ClusterKeyFormatError(n, `the key must be ${CLUSTER_KEY_BYTES} bytes in base64 (44 characters ending in =)`)
    }
    const key = Buffer.from(encoded, 'base64')
    // 43 characters carry 258 bits: decoding ignores the last one's two spare bits, so four
    // spellings give one key. Only the canonical one (kos keygen's) is read, so that the same
    // key on two lines is always seen as such (found by fuzzing, issue 16).
    if (key.toString('base64') !== encoded) throw new ClusterKeyFormatError(n, 'the key is not in canonical base64 (as `kos keygen` writes it)')
    const earlier = seen.get(encoded)
    if (earlier !== undefined) throw new ClusterKeyFormatError(n, `the same key as line ${earlier}`)
    seen.set(encoded, n)
    keys.push(key)
    if (keys.length > MAX_CLUSTER_KEYS) throw new ClusterKeyFormatError(n, `more than ${MAX_CLUSTER_KEYS} keys`)
  }
  if (keys.length === 0) throw new ClusterKeyFormatError(0, 'holds no key (make one with `kos keygen`)')
  return keys
}

function hmac (key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha256', key)
  for (const p of parts) h.update(p)
  return h.digest()
}

/**
 * A name for a key that is safe to log and compare across nodes (16 hex digits): an operator
 * checks that every node has the same primary without the key itself ever being printed.
 */
export function clusterKeyId (key: Uint8Array): string {
  return hmac(key, LABEL_ID).subarray(0, 8).toString('hex')
}

/**
 * What a side sends to prove it holds `key`: bound to both nonces, its own first, so a proof
 * recorded from another connection, or reflected back at its sender, proves nothing.
 */
export function handshakeProof (key: Uint8Array, ownNonce: Uint8Array, peerNonce: Uint8Array): Buffer {
  return hmac(key, LABEL_PROOF, ownNonce, peerNonce).subarray(0, PROOF_BYTES)
}

/** The index in `keyring` of the key the peer's `proof` was made with, or undefined if none. */
export function matchProof (keyring: ClusterKeyring, proof: Uint8Array, peerNonce: Uint8Array, ownNonce: Uint8Array): number | undefined {
  if (proof.length !== PROOF_BYTES) return undefined
  // Every key is tried, matched or not, so the time taken says nothing about which one matched.
  let found: number | undefined
  for (const [i, key] of keyring.entries()) {
    if (timingSafeEqual(handshakeProof(key, peerNonce, ownNonce), proof) && found === undefined) found = i
  }
  return found
}

/**
 * The stream-cipher key of one direction: the sender's key, the sender's nonce first. The two
 * directions of a connection differ in the order of the nonces (which the protector refuses to
 * see equal), so they never share a keystream, even when both sides use the same key.
 */
export function directionKey (senderKey: Uint8Array, senderNonce: Uint8Array, receiverNonce: Uint8Array): Buffer {
  return hmac(senderKey, LABEL_STREAM, senderNonce, receiverNonce)
}
