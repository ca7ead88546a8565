/**
 * The election's two ways over the transport: a message channel per peer for its messages
 * (`/kos/<cluster>/election/1.0.0`: the coordinator's heartbeats, ten a second to each voter,
 * do not pay for a stream each), and the gossip topic of the coordinator's announcements
 * (`kos/<cluster>/coordinator/1`), whose signer must be one of the voters it announces.
 */
import type { Channel, Topic } from '../transport/transport.js'
import { coordinatorAnnouncementSchema, electionEnvelopeSchema, type CoordinatorAnnouncement, type ElectionEnvelope } from '../wire/election-wire.js'
import { decodeMessage, encodeMessage } from '../wire/messages.js'

export interface ElectionChannels {
  messages: Channel<ElectionEnvelope>
  announcements: Topic<CoordinatorAnnouncement>
}

/** `maxMessageBytes`: the config's bound on one gossip message; an envelope may carry a voter set, four times that. */
export function electionChannels (cluster: string, maxMessageBytes: number): ElectionChannels {
  return {
    messages: {
      name: `/kos/${cluster}/election/1.0.0`,
      breaker: 'election',
      maxBytes: maxMessageBytes * 4,
      codec: { encode: encodeMessage, decode: (bytes) => decodeMessage(bytes, electionEnvelopeSchema, maxMessageBytes * 4) }
    },
    announcements: {
      name: `kos/${cluster}/coordinator/1`,
      codec: { encode: encodeMessage, decode: (bytes) => decodeMessage(bytes, coordinatorAnnouncementSchema, maxMessageBytes) },
      check: (from, a) => a.config.voters.includes(from) ? undefined : 'forged'
    }
  }
}
