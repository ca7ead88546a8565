/**
 * Peer ids and multiaddrs as peers and config files give them: the schemas accept only what
 * libp2p can parse. The membership shell turns members' ids into PeerIds and their addresses
 * into multiaddrs in its tick, a timer, where a throw stops the node; a base58 string that is no
 * multihash, or an address of an unknown protocol, learnt from one sync or gossip notice, did
 * exactly that (found by fuzzing, issue 16). Apart from messages.ts so that the config schema
 * can share the rule without a circular import.
 *
 * The core parses without libp2p, so the rules are a subset of libp2p's: the peer ids kOS makes
 * (peer-id.ts), and the multiaddrs a node listens on and announces (IPv4, IPv6 or DNS, then
 * TCP or UDP, QUIC, WebSockets, TLS or Noise, a circuit, and a `/p2p/` id). A node test checks
 * that libp2p parses whatever these accept.
 */
import { z } from 'zod'
import { isPeerId } from './peer-id.js'

const MEMO_LIMIT = 8192

/**
 * `check` on strings up to `maxChars`, remembering the ones it accepted: the same ids and
 * addresses arrive in every heartbeat and sync.
 */
function memoisedCheck (check: (s: string) => boolean, maxChars: number): (s: string) => boolean {
  const valid = new Set<string>()
  return (s) => {
    if (valid.has(s)) return true
    if (s.length > maxChars || !check(s)) return false
    if (valid.size >= MEMO_LIMIT) valid.clear()
    valid.add(s)
    return true
  }
}

/** A libp2p peer id string kOS accepts (an Ed25519 or RSA id, base58btc). */
export const isPeerIdString = memoisedCheck(isPeerId, 128)

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`)
const HEX4 = /^[0-9a-fA-F]{1,4}$/

function isIPv6 (s: string): boolean {
  if (s.length > 45 || s.length < 2) return false
  let groups = s
  let tailGroups = 0
  const lastColon = s.lastIndexOf(':')
  if (s.includes('.', lastColon)) {
    if (!IPV4.test(s.slice(lastColon + 1))) return false
    groups = s.slice(0, lastColon + 1) + '0'
    tailGroups = 1
  }
  const halves = groups.split('::')
  if (halves.length > 2) return false
  const parts = halves.map((h) => h === '' ? [] : h.split(':'))
  if (!parts.every((p) => p.every((g) => HEX4.test(g)))) return false
  const count = parts.reduce((n, p) => n + p.length, 0) + tailGroups
  return halves.length === 2 ? count <= 7 : count === 8
}

const PORT = /^(?:0|[1-9]\d{0,4})$/
const isPort = (v: string): boolean => PORT.test(v) && Number(v) <= 65535
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?$/

/** The protocols an address may name: a value check, or null for one without a value. */
const PROTOCOLS = new Map<string, ((v: string) => boolean) | null>([
  ['ip4', (v) => IPV4.test(v)],
  ['ip6', isIPv6],
  ['dns', (v) => HOST.test(v) && v.length <= 253],
  ['dns4', (v) => HOST.test(v) && v.length <= 253],
  ['dns6', (v) => HOST.test(v) && v.length <= 253],
  ['dnsaddr', (v) => HOST.test(v) && v.length <= 253],
  ['tcp', isPort],
  ['udp', isPort],
  ['p2p', isPeerId],
  ['quic-v1', null],
  ['ws', null],
  ['wss', null],
  ['tls', null],
  ['noise', null],
  ['p2p-circuit', null]
])

function isMultiaddr (s: string): boolean {
  if (s[0] !== '/' || s.length < 2) return false
  const parts = s.slice(1).split('/')
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!
    if (!PROTOCOLS.has(name)) return false
    const check = PROTOCOLS.get(name)
    if (check === null || check === undefined) continue
    const value = parts[++i]
    if (value === undefined || !check(value)) return false
  }
  return true
}

/** A multiaddr string of the protocols above, with valid values. */
export const isMultiaddrString = memoisedCheck(isMultiaddr, 512)

/**
 * A base58btc libp2p peer id (Ed25519 ids start 12D3KooW; RSA ones Qm) that libp2p can parse.
 * The pattern aborts first, so a string of any other shape is never parsed.
 */
export const peerIdString = z.string()
  .regex(/^[1-9A-HJ-NP-Za-km-z]{32,128}$/, { message: 'not a base58 peer id', abort: true })
  .refine(isPeerIdString, 'not a libp2p peer id')

/** A multiaddr string, at most 512 characters. */
export const multiaddrString = z.string().min(1).max(512).startsWith('/', { abort: true }).refine(isMultiaddrString, 'not a multiaddr')
