/**
 * The membership gossip topics and their validators. Every message is decoded and checked
 * (size, CBOR, schema, signer rules) inside gossipsub's topic validator, so an invalid message
 * is rejected before it is delivered or forwarded, and gossipsub's peer scoring punishes the
 * sender. The decoded value is kept for the delivery handler so nothing is decoded twice.
 */
import { TopicValidatorResult, type Message, type PubSub } from '@libp2p/interface'
import type { z } from 'zod'
import { decodeMessage, heartbeatSchema, MessageDecodeError, noticeSchema, type Heartbeat, type MemberNotice } from '@kos/core'

export interface MembershipTopics { heartbeat: string, membership: string }

export function membershipTopics (cluster: string): MembershipTopics {
  return { heartbeat: `kos/${cluster}/heartbeat/1`, membership: `kos/${cluster}/membership/1` }
}

export type RejectReason = 'oversized' | 'malformed' | 'schema' | 'version' | 'unsigned' | 'forged'
export type TopicKind = 'heartbeat' | 'membership'

/** The metrics label of each of our topics, for gossipsub's own reports. */
export function topicLabels (topics: MembershipTopics): Map<string, TopicKind> {
  return new Map([[topics.heartbeat, 'heartbeat'], [topics.membership, 'membership']])
}

/**
 * Counts a message gossipsub refused before our validators ran. Its StrictSign check reports a
 * missing or bad signature, sequence number or author; to us all mean "not validly signed".
 * `reject` and `ignore` are our validators' own verdicts, already counted with their reason.
 */
export function countGossipsubRejection (counters: GossipCounters, topicLabel: string, error: string): void {
  if (error === 'reject' || error === 'ignore') return
  if (topicLabel !== 'heartbeat' && topicLabel !== 'membership') return
  const signed = error === 'invalid_signature' || error === 'invalid_seqno' || error === 'invalid_peerid'
  counters.rejected(topicLabel, signed ? 'unsigned' : 'malformed')
}

export interface GossipCounters {
  rejected: (topic: TopicKind, reason: RejectReason) => void
}

export type DecodedGossip = { kind: 'heartbeat', from: string, body: Heartbeat } | { kind: 'notice', from: string, body: MemberNotice }

/** Installs the validators; returns a lookup from a delivered message to its decoded body. */
export function installValidators (
  pubsub: PubSub, topics: MembershipTopics, maxBytes: number, counters: GossipCounters
): (msg: Message) => DecodedGossip | undefined {
  const decoded = new WeakMap<Message, DecodedGossip>()

  function validator<T> (kind: TopicKind, schema: z.ZodType<T>, check: (from: string, body: T) => RejectReason | undefined, wrap: (from: string, body: T) => DecodedGossip) {
    return (_propagationSource: unknown, msg: Message): TopicValidatorResult => {
      // StrictSign already refused unsigned messages (countGossipsubRejection counts them); this
      // guards the type for the code below.
      if (msg.type !== 'signed') { counters.rejected(kind, 'unsigned'); return TopicValidatorResult.Reject }
      let body: T
      try {
        body = decodeMessage(msg.data, schema, maxBytes)
      } catch (err) {
        counters.rejected(kind, err instanceof MessageDecodeError ? err.reason : 'malformed')
        return TopicValidatorResult.Reject
      }
      const from = msg.from.toString()
      const reason = check(from, body)
      if (reason !== undefined) { counters.rejected(kind, reason); return TopicValidatorResult.Reject }
      decoded.set(msg, wrap(from, body))
      return TopicValidatorResult.Accept
    }
  }

  pubsub.topicValidators.set(topics.heartbeat, validator('heartbeat', heartbeatSchema,
    // The heartbeat's origin is its signer by construction; its summary must agree with itself.
    (_from, hb) => hb.health.incarnation === hb.incarnation ? undefined : 'schema',
    (from, body) => ({ kind: 'heartbeat', from, body })))
  pubsub.topicValidators.set(topics.membership, validator('membership', noticeSchema,
    // Anyone may suspect or declare dead (that is the protocol); only a node itself may leave.
    (from, n) => n.state === 'left' && n.target !== from ? 'forged' : undefined,
    (from, body) => ({ kind: 'notice', from, body })))

  return (msg) => decoded.get(msg)
}
