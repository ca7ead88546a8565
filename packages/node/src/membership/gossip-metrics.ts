/**
 * The membership gossip topics as the node's metrics see them: each topic's label, and the
 * count of messages refused, whether by our checks (the transport's validators, through the
 * topics' codecs and checks in @kos/core's membership-channels.ts) or by gossipsub's StrictSign
 * before they ran.
 */
import type { RejectReason } from '@kos/core'

export type { RejectReason }
export type TopicKind = 'heartbeat' | 'membership'

export interface MembershipTopics { heartbeat: string, membership: string }

/** The metrics label of each of our topics, for gossipsub's own reports. */
export function topicLabels (topics: MembershipTopics): Map<string, TopicKind> {
  return new Map([[topics.heartbeat, 'heartbeat'], [topics.membership, 'membership']])
}

export interface GossipCounters {
  rejected: (topic: TopicKind, reason: RejectReason) => void
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
