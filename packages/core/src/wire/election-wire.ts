/**
 * The election channel's wire format (`/kos/<cluster>/election/1.0.0`): the election state
 * machine's messages in an envelope that also carries the voter set (on heartbeats) and which
 * voter set a follower holds (on acks), so the coordinator knows when a change has reached the
 * voters. Validated like every other inbound message.
 */
import { z } from 'zod'
import type { ElectionMessage } from '../election/election-messages.js'
import { peerIdString, WIRE_VERSION } from './messages.js'

const term = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER - 1)
const version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER - 1)
const sentAt = z.number().finite()

const electionMessageSchema: z.ZodType<ElectionMessage> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pre-vote'), term, configVersion: version }).strict(),
  z.object({ type: z.literal('pre-vote-reply'), term, granted: z.boolean() }).strict(),
  z.object({ type: z.literal('vote'), term, configVersion: version }).strict(),
  z.object({ type: z.literal('vote-reply'), term, granted: z.boolean() }).strict(),
  z.object({ type: z.literal('heartbeat'), term, sentAt }).strict(),
  z.object({ type: z.literal('heartbeat-ack'), term, sentAt, ok: z.boolean() }).strict()
])

/**
 * The voter set, changed one member at a time by the coordinator. Ordered by (term, version):
 * `term` is the election term of the coordinator that made it, so a set made by a deposed
 * coordinator never outranks one made after it was replaced.
 */
export const voterConfigSchema = z.object({ term, version, voters: z.array(peerIdString).max(1000) }).strict()
export type VoterConfig = z.infer<typeof voterConfigSchema>
const heldSchema = z.object({ term, version }).strict()

/** True if `a` is a newer voter set than `b`. */
export function newerVoters (a: { term: number, version: number }, b: { term: number, version: number }): boolean {
  return a.term > b.term || (a.term === b.term && a.version > b.version)
}

/** One number that orders voter sets as newerVoters does, for the state machine's configVersion. */
export function votersOrdinal (c: { term: number, version: number }): number {
  return c.term * 1_000_000 + Math.min(c.version, 999_999)
}

export const electionEnvelopeSchema = z.object({
  v: z.literal(WIRE_VERSION),
  t: z.literal('election'),
  m: electionMessageSchema,
  /** On heartbeats: the coordinator's voter set. */
  config: voterConfigSchema.optional(),
  /** On acks: which voter set the follower holds. */
  held: heldSchema.optional()
}).strict()

export type ElectionEnvelope = z.infer<typeof electionEnvelopeSchema>

/**
 * The coordinator's announcement (gossip topic `kos/<cluster>/coordinator/1`), published every
 * `coordinatorAnnounceIntervalMs` and at once when it is elected or changes the set: how
 * non-voters learn the coordinator, its term and the voter set without a heartbeat each. The
 * coordinator is the gossip signer; it must be one of the voters it announces.
 */
export const coordinatorAnnouncementSchema = z.object({
  v: z.literal(WIRE_VERSION),
  t: z.literal('coordinator'),
  term,
  config: voterConfigSchema
}).strict()

export type CoordinatorAnnouncement = z.infer<typeof coordinatorAnnouncementSchema>
