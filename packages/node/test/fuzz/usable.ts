/**
 * What the consumers of a decoded message do with it without a try: they turn its peer ids into
 * libp2p PeerIds (to dial, to look up connections) and its addresses into multiaddrs (to redial
 * members). A decoder that accepts a peer id or an address those functions reject hands its
 * consumers an exception, so an accepted value must pass both.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describeError, type Validity } from './outcome.js'

/** Fields that hold one peer id, a list of them, a list of addresses, or peer ids as keys. */
const PEER_ID_FIELDS = new Set(['target', 'peerId', 'origin', 'signer'])
const PEER_ID_LISTS = new Set(['voters', 'only', 'junzi', 'archon'])
const ADDRESS_LISTS = new Set(['addrs'])
const KEYED_BY_PEER_ID = new Set(['heads'])
/**
 * Not identifiers: payloads a message carries as `unknown` (the audit store checks each entry
 * and checkpoint itself) and an audit entry's free-form `details`.
 */
const OPAQUE = new Set(['entries', 'checkpoint', 'details'])

function problemWith (what: string, value: unknown, parse: (s: string) => unknown): string | null {
  try {
    parse(value as string)
    return null
  } catch (err) {
    return `${what} ${JSON.stringify(value)} is accepted, yet its consumers cannot use it: ${describeError(err)}`
  }
}

/** The first peer id or address in `value` (at any depth) that libp2p cannot parse, or null. */
export const identifiersUsable: Validity<unknown> = (value) => {
  if (Array.isArray(value)) {
    for (const v of value) {
      const p = identifiersUsable(v)
      if (p !== null) return p
    }
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  for (const [key, v] of Object.entries(value)) {
    if (OPAQUE.has(key)) continue
    let p: string | null = null
    if (PEER_ID_FIELDS.has(key) && typeof v === 'string') p = problemWith(`peer id ${key}`, v, peerIdFromString)
    else if (PEER_ID_LISTS.has(key) && Array.isArray(v)) p = firstProblem(v, (s) => problemWith(`peer id in ${key}`, s, peerIdFromString))
    else if (ADDRESS_LISTS.has(key) && Array.isArray(v)) p = firstProblem(v, (s) => problemWith(`address in ${key}`, s, multiaddr))
    else if (KEYED_BY_PEER_ID.has(key) && typeof v === 'object' && v !== null) p = firstProblem(Object.keys(v), (s) => problemWith(`peer id key of ${key}`, s, peerIdFromString))
    p ??= identifiersUsable(v)
    if (p !== null) return p
  }
  return null
}

function firstProblem (items: unknown[], check: (item: unknown) => string | null): string | null {
  for (const item of items) {
    const p = check(item)
    if (p !== null) return p
  }
  return null
}
