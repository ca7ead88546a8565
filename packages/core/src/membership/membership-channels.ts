/**
 * Membership's ways over the transport: two gossip topics (heartbeats with health summaries;
 * notices of join, suspect, dead, leave and refutation), the state sync protocol (join and
 * push/pull: each side sends its whole member table) and ping-req (an indirect probe through a
 * helper). The topics' checks run before delivery and forwarding: a heartbeat's summary must agree
 * with itself, and only a node itself may announce that it leaves.
 */
import type { Channel, Protocol, Topic } from '../transport/transport.js'
import {
  decodeMessage, encodeMessage, heartbeatSchema, noticeSchema, probeRequestSchema, probeResponseSchema, syncSchema, WIRE_VERSION,
  type Heartbeat, type MemberNotice, type ProbeRequest, type ProbeResponse, type SyncMessage
} from '../wire/messages.js'

/** A whole member table of 10,000 members fits. */
export const MAX_SYNC_BYTES = 4 * 1024 * 1024
/** A probe request or answer: a peer id and a few fields. */
export const MAX_PROBE_BYTES = 1024

export interface MembershipChannels {
  heartbeats: Topic<Heartbeat>
  /** With bounded monitors: the heartbeat to each monitor, point to point. */
  beats: Channel<Heartbeat>
  notices: Topic<MemberNotice>
  sync: Protocol<SyncMessage, SyncMessage>
  probe: Protocol<ProbeRequest, ProbeResponse>
}

/** The topic names, for the gossip metrics' labels. */
export function membershipTopics (cluster: string): { heartbeat: string, membership: string } {
  return { heartbeat: `kos/${cluster}/heartbeat/1`, membership: `kos/${cluster}/membership/1` }
}

/** `maxMessageBytes`: the config's bound on one gossip message. */
export function membershipChannels (cluster: string, maxMessageBytes: number): MembershipChannels {
  const topics = membershipTopics(cluster)
  const sync = { encode: encodeMessage, decode: (bytes: Uint8Array) => decodeMessage(bytes, syncSchema, MAX_SYNC_BYTES) }
  return {
    heartbeats: {
      name: topics.heartbeat,
      codec: { encode: encodeMessage, decode: (bytes) => decodeMessage(bytes, heartbeatSchema, maxMessageBytes) },
      // The heartbeat's origin is its signer by construction; its summary must agree with itself.
      check: (_from, hb) => hb.health.incarnation === hb.incarnation ? undefined : 'schema'
    },
    beats: {
      name: `/kos/${cluster}/beat/${WIRE_VERSION}.0.0`,
      codec: { encode: encodeMessage, decode: (bytes) => decodeMessage(bytes, heartbeatSchema, maxMessageBytes) },
      maxBytes: maxMessageBytes
    },
    notices: {
      name: topics.membership,
      codec: { encode: encodeMessage, decode: (bytes) => decodeMessage(bytes, noticeSchema, maxMessageBytes) },
      // Anyone may suspect or declare dead (that is the protocol); only a node itself may leave.
      check: (from, n) => n.state === 'left' && n.target !== from ? 'forged' : undefined
    },
    sync: {
      // The protocol's id carries the version: a node of another version cannot join (net/protocol-version.ts in the node).
      name: `/kos/${cluster}/sync/${WIRE_VERSION}.0.0`,
      request: sync,
      response: sync,
      maxRequestBytes: MAX_SYNC_BYTES,
      maxResponseBytes: MAX_SYNC_BYTES
    },
    probe: {
      name: `/kos/${cluster}/probe/1.0.0`,
      request: { encode: encodeMessage, decode: (bytes) => decodeMessage(bytes, probeRequestSchema, MAX_PROBE_BYTES) },
      response: { encode: encodeMessage, decode: (bytes) => decodeMessage(bytes, probeResponseSchema, MAX_PROBE_BYTES) },
      maxRequestBytes: MAX_PROBE_BYTES,
      maxResponseBytes: MAX_PROBE_BYTES
    }
  }
}
