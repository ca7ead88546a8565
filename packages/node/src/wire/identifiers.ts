/**
 * Peer ids and multiaddrs as peers and config files give them: the schemas accept only what
 * libp2p can parse. The membership shell turns members' ids into PeerIds and their addresses
 * into multiaddrs in its tick, a timer, where a throw stops the node; a base58 string that is no
 * multihash, or an address of an unknown protocol, learnt from one sync or gossip notice, did
 * exactly that (found by fuzzing, issue 16). Apart from messages.ts so that the config schema
 * can share the rule without a circular import.
 *
 * A parse costs microseconds (a peer id about 9, an address about 2) and the same ids and
 * addresses arrive in every heartbeat and sync, so valid ones are remembered, boundedly.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'

const MEMO_LIMIT = 8192

/** `parse` as a predicate on strings up to `maxChars`, remembering the ones it accepted. */
function memoisedCheck (parse: (s: string) => unknown, maxChars: number): (s: string) => boolean {
  const valid = new Set<string>()
  return (s) => {
    if (valid.has(s)) return true
    if (s.length > maxChars) return false
    try {
      parse(s)
    } catch {
      return false
    }
    if (valid.size >= MEMO_LIMIT) valid.clear()
    valid.add(s)
    return true
  }
}

/** A libp2p peer id string (`peerIdFromString` accepts it). */
export const isPeerIdString = memoisedCheck(peerIdFromString, 128)

/** A multiaddr string (`multiaddr()` accepts it: known protocols, valid values). */
export const isMultiaddrString = memoisedCheck(multiaddr, 512)

/**
 * A base58btc libp2p peer id (Ed25519 ids start 12D3KooW; RSA ones Qm) that libp2p can parse.
 * The pattern aborts first, so a string of any other shape is never parsed.
 */
export const peerIdString = z.string()
  .regex(/^[1-9A-HJ-NP-Za-km-z]{32,128}$/, { message: 'not a base58 peer id', abort: true })
  .refine(isPeerIdString, 'not a libp2p peer id')

/** A multiaddr string, at most 512 characters. */
export const multiaddrString = z.string().min(1).max(512).startsWith('/', { abort: true }).refine(isMultiaddrString, 'not a multiaddr')
