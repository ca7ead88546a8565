/**
 * Message sizes for the bytes-per-node figures: each kind of message is encoded once with the
 * node's own wire codec (strict CBOR, `encodeMessage`), filled with realistic values (52-char
 * base58 peer ids, a TCP multiaddr with /p2p/, a health summary), and that size is charged per
 * message, plus the frames around it on the wire (the constants below): the simulation charges
 * gossip as gossipsub carries it, with its relays and duplicates (simulation.ts `broadcast`).
 */
import { encodeMessage, WIRE_VERSION, type ElectionMessage } from '@kos/core'

const PEER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const ADDR = `/ip4/10.1.2.3/tcp/7946/p2p/${PEER}`
const HEALTH = {
  name: 'node-042', role: 'member', incarnation: 7, version: '0.1.0', uptimeMs: 123456789, cpuPercent: 3.25, rssBytes: 112345678,
  heapUsedBytes: 45678901, eventLoopDelayP99Ms: 12.5, mode: 'normal', agents: { total: 4, running: 4, failed: 0, quarantined: 0 }
}
const snapshot = { peerId: PEER, name: 'node-042', role: 'member', addrs: [ADDR], state: 'alive', incarnation: 7 }

const size = (m: object): number => encodeMessage(m).length
const election = (m: ElectionMessage, extra: object = {}): number => size({ v: WIRE_VERSION, t: 'election', m, ...extra })

export const WIRE_SIZES = Object.freeze({
  heartbeat: size({ v: WIRE_VERSION, t: 'heartbeat', incarnation: 7, addrs: [ADDR], health: HEALTH }),
  /** Bounded monitors: the heartbeat to a monitor, point to point, without addresses, services or the summary's detail (membership-shell.ts). */
  beat: size({ v: WIRE_VERSION, t: 'heartbeat', incarnation: 7, addrs: [], health: { name: 'node-042', role: 'member', incarnation: 7, version: '0.1.0', uptimeMs: 123456789, mode: 'normal' } }),
  /** Bounded monitors: a changed health summary, gossiped (the fields that change: mode, CPU, memory, loop delay, agents). */
  healthDelta: size({ v: WIRE_VERSION, t: 'health', incarnation: 7, version: 12, cpuPercent: 3.25, rssBytes: 112345678, heapUsedBytes: 45678901, eventLoopDelayP99Ms: 12.5, mode: 'normal', agents: { total: 4, running: 4, failed: 0, quarantined: 0 } }),
  notice: size({ v: WIRE_VERSION, t: 'notice', state: 'suspect', target: PEER, incarnation: 7, name: 'node-042', role: 'member', addrs: [ADDR] }),
  syncBase: size({ v: WIRE_VERSION, t: 'sync', members: [] }),
  syncPerMember: size(snapshot),
  /** A health summary a join's table entry carries (bounded monitors). */
  syncHealthPerMember: size({ health: HEALTH }) - size({}),
  /** Push/pull's digest of a member table (membership/table-digest.ts): 64 numbers of 32 bits. */
  syncDigest: size({ digest: Array.from({ length: 64 }, () => 0xfedcba98) }) - size({}),
  /** A bucket index named in a push/pull. */
  syncPerBucket: 1,
  probe: size({ v: WIRE_VERSION, t: 'probe', target: PEER }) + size({ v: WIRE_VERSION, t: 'probe-ack', target: PEER, reachable: true }),
  /** A libp2p ping: 32 random bytes each way. */
  ping: 64,
  preVote: election({ type: 'pre-vote', term: 12, configVersion: 12_000_031 }),
  preVoteReply: election({ type: 'pre-vote-reply', term: 12, granted: true }),
  vote: election({ type: 'vote', term: 12, configVersion: 12_000_031 }),
  voteReply: election({ type: 'vote-reply', term: 12, granted: true }),
  heartbeatElection: election({ type: 'heartbeat', term: 12, sentAt: 123456789.5 }),
  heartbeatAck: election({ type: 'heartbeat-ack', term: 12, sentAt: 123456789.5, ok: true }, { held: { term: 12, version: 31 } }),
  /** A voter set carried on a heartbeat: a base plus one peer id per voter. */
  voterConfigBase: size({ term: 12, version: 31, voters: [] }),
  voterConfigPerVoter: size([PEER]) - size([]),
  /** The coordinator's gossiped announcement, without its voter set. */
  announcementBase: size({ v: WIRE_VERSION, t: 'coordinator', term: 12 })
})

/** A coordinator announcement carrying a set of `voters`. */
export function announcementBytes (voters: number): number {
  return WIRE_SIZES.announcementBase + WIRE_SIZES.voterConfigBase + voters * WIRE_SIZES.voterConfigPerVoter
}

export function electionMessageBytes (m: ElectionMessage, voters: number | null): number {
  switch (m.type) {
    case 'pre-vote': return WIRE_SIZES.preVote
    case 'pre-vote-reply': return WIRE_SIZES.preVoteReply
    case 'vote': return WIRE_SIZES.vote
    case 'vote-reply': return WIRE_SIZES.voteReply
    case 'heartbeat': return WIRE_SIZES.heartbeatElection + (voters === null ? 0 : WIRE_SIZES.voterConfigBase + voters * WIRE_SIZES.voterConfigPerVoter)
    case 'heartbeat-ack': return WIRE_SIZES.heartbeatAck
  }
}

/**
 * Around every stream message: a length prefix (2), yamux's frame header (12), and noise's
 * length (2) and tag (16), one each as long as a message fits one noise frame.
 */
export const STREAM_FRAME_BYTES = 2 + 12 + 2 + 16

/**
 * Around every gossip message, per copy: the stream frame, plus gossipsub's RPC envelope under
 * StrictSign: the author's peer id (38), sequence number (8), Ed25519 signature (64), the topic
 * (about 24) and protobuf tags and lengths (about 12).
 */
export const GOSSIP_FRAME_BYTES = STREAM_FRAME_BYTES + 38 + 8 + 64 + 24 + 12

/**
 * Gossipsub's mesh degree D, the node's default (`gossipMeshDegree`): every node that receives
 * a message forwards it to its D mesh peers, so each node receives it up to 1 + D times (from the
 * publisher's flood and from its mesh), and checks its signature once (duplicates are dropped by
 * message id before validation).
 */
export const GOSSIP_MESH_DEGREE = 2

/**
 * CPU time of one Ed25519 signature check (node:crypto, a 400-byte message), measured on the
 * 2-core machine of docs/benchmarks.md: what a gossip message costs each node that receives it.
 */
export const SIGNATURE_CHECK_MS = 0.28
