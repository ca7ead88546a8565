/**
 * Ed25519 key objects made once per key, for the signatures libp2p checks and makes.
 *
 * Why: every gossip message is signed by its origin (StrictSign), so a node checks one
 * signature per message it receives and makes one per message it publishes. @libp2p/crypto 5
 * builds a new KeyObject from a JWK (base64url text, parsed by OpenSSL) for each of them, which
 * costs about as much as the signature check itself: on a busy node, the key building was as
 * large a part of the CPU profile as the Ed25519 verification. The audit log already keeps one
 * KeyObject per origin (core's audit/entry.ts); this does the same for libp2p's keys.
 *
 * The library does not export its key classes, so their prototypes are taken from an instance,
 * and `verify` and `sign` replaced once per process, keeping their contract: the same checks of
 * the signature's length, the same results, an aborted signal still throws. `installed` says
 * whether it was done.
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { privateKeyFromRaw, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { AbortOptions } from '@libp2p/interface'

/** Public keys kept (a cluster's members, and then some); the oldest made is dropped first. */
const MAX_PUBLIC_KEYS = 4096
const PUBLIC_KEY_BYTES = 32
const SIGNATURE_BYTES = 64

interface Sliceable { subarray: () => Uint8Array }
type Data = Uint8Array | Sliceable

const publicKeys = new Map<string, KeyObject>()
const privateKeys = new WeakMap<object, KeyObject>()
let installed = false

function publicKeyObject (raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url')
  let key = publicKeys.get(id)
  if (key === undefined) {
    key = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: id } })
    if (publicKeys.size >= MAX_PUBLIC_KEYS) publicKeys.delete(publicKeys.keys().next().value!)
    publicKeys.set(id, key)
  }
  return key
}

function privateKeyObject (owner: object, raw: Uint8Array): KeyObject {
  let key = privateKeys.get(owner)
  if (key === undefined) {
    const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    key = createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d: b.subarray(0, 32).toString('base64url'), x: b.subarray(32, 64).toString('base64url') } })
    privateKeys.set(owner, key)
  }
  return key
}

const bytes = (data: Data): Uint8Array => data instanceof Uint8Array ? data : data.subarray()

/** Installs the memoised key objects (idempotent). Returns false if the library's keys lack the methods. */
export function memoiseEd25519Keys (): boolean {
  if (installed) return true
  const pub = Object.getPrototypeOf(publicKeyFromRaw(new Uint8Array(PUBLIC_KEY_BYTES))) as { verify?: unknown }
  const priv = Object.getPrototypeOf(privateKeyFromRaw(new Uint8Array(64))) as { sign?: unknown }
  if (typeof pub.verify !== 'function' || typeof priv.sign !== 'function') return false
  pub.verify = function (this: { raw: Uint8Array }, data: Data, sig: Uint8Array, options?: AbortOptions): boolean {
    options?.signal?.throwIfAborted()
    if (sig.byteLength !== SIGNATURE_BYTES) throw new TypeError('"sig" must be 64 bytes in length.')
    return cryptoVerify(null, bytes(data), publicKeyObject(this.raw), sig)
  }
  priv.sign = function (this: { raw: Uint8Array }, message: Data, options?: AbortOptions): Uint8Array {
    options?.signal?.throwIfAborted()
    const sig = cryptoSign(null, bytes(message), privateKeyObject(this, this.raw))
    options?.signal?.throwIfAborted()
    return sig
  }
  installed = true
  return true
}
