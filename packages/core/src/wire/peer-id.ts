/**
 * libp2p peer ids as strings, without libp2p: base58btc multihashes, as libp2p
 * writes them. An Ed25519 id is the
 * identity multihash of the protobuf-encoded public key (`12D3KooW…`); an RSA id is the
 * sha2-256 multihash of its key (`Qm…`). The core reads ids only to check their shape and to
 * take the Ed25519 key an id embeds (audit signatures); the node's transport turns them into
 * libp2p PeerIds. A node test checks that every id accepted here libp2p parses too.
 */

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const DIGIT = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i

/** Base58btc bytes of `s`, or null if it has a character outside the alphabet. */
export function base58Decode (s: string): Uint8Array | null {
  let zeros = 0
  while (zeros < s.length && s[zeros] === '1') zeros++
  const out: number[] = []
  for (let i = zeros; i < s.length; i++) {
    const code = s.charCodeAt(i)
    let carry = code < 128 ? DIGIT[code]! : -1
    if (carry < 0) return null
    for (let j = 0; j < out.length; j++) {
      carry += out[j]! * 58
      out[j] = carry & 0xff
      carry >>= 8
    }
    while (carry > 0) { out.push(carry & 0xff); carry >>= 8 }
  }
  const bytes = new Uint8Array(zeros + out.length)
  for (let i = 0; i < out.length; i++) bytes[bytes.length - 1 - i] = out[i]!
  return bytes
}

/** The base58btc string of `bytes`. */
export function base58Encode (bytes: Uint8Array): string {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  const digits: number[] = []
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8
      digits[j] = carry % 58
      carry = (carry / 58) | 0
    }
    while (carry > 0) { digits.push(carry % 58); carry = (carry / 58) | 0 }
  }
  let s = '1'.repeat(zeros)
  for (let i = digits.length - 1; i >= 0; i--) s += ALPHABET[digits[i]!]
  return s
}

const IDENTITY = 0x00
const SHA2_256 = 0x12
/** The protobuf of an Ed25519 public key: field 1 (type) = 1, field 2 (data) of 32 bytes. */
const ED25519_KEY_PREFIX = [0x08, 0x01, 0x12, 0x20]
const ED25519_ID_BYTES = 2 + ED25519_KEY_PREFIX.length + 32

/** The 32-byte Ed25519 public key an Ed25519 peer id embeds, or null for any other string. */
export function ed25519KeyOf (peerId: string): Uint8Array | null {
  if (peerId.length > 128) return null
  const mh = base58Decode(peerId)
  if (mh === null || mh.length !== ED25519_ID_BYTES || mh[0] !== IDENTITY || mh[1] !== ED25519_ID_BYTES - 2) return null
  for (let i = 0; i < ED25519_KEY_PREFIX.length; i++) if (mh[2 + i] !== ED25519_KEY_PREFIX[i]) return null
  return mh.subarray(2 + ED25519_KEY_PREFIX.length)
}

/** The peer id of an Ed25519 public key (32 raw bytes). */
export function ed25519PeerId (publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new RangeError(`an Ed25519 public key has 32 bytes, not ${publicKey.length}`)
  return base58Encode(Uint8Array.from([IDENTITY, ED25519_ID_BYTES - 2, ...ED25519_KEY_PREFIX, ...publicKey]))
}

/**
 * Whether `s` is a peer id kOS mesh accepts: an Ed25519 id, or an RSA id (sha2-256 multihash).
 * Stricter than libp2p, which also parses secp256k1 ids and CID forms that kOS never makes.
 */
export function isPeerId (s: string): boolean {
  if (ed25519KeyOf(s) !== null) return true
  if (s.length > 128 || s[0] !== 'Q') return false
  const mh = base58Decode(s)
  return mh !== null && mh.length === 34 && mh[0] === SHA2_256 && mh[1] === 32
}
