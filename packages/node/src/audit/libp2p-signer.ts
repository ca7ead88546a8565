/**
 * The audit signer for the node's own libp2p key. An Ed25519 key signs through the core's
 * `ed25519Signer` (a node KeyObject built once; @libp2p/crypto rebuilds one on every call,
 * which triples the cost of a signature); any other key type signs through libp2p.
 */
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ed25519Signer, type AuditSigner } from '@kos/core'

export function signerFromPrivateKey (key: PrivateKey): AuditSigner {
  if (key.type === 'Ed25519') return ed25519Signer(key.raw.subarray(0, 32))
  const peerId = peerIdFromPrivateKey(key).toString()
  return { peerId, sign: async (bytes) => await key.sign(bytes) }
}
