/**
 * The election channel's wire format (`/kos/<cluster>/election/1.0.0`): the election state
 * machine's messages in an envelope that also carries the voter set (on heartbeats) and the
 * voter-set version a follower holds (on acks), so the coordinator knows when a change has
 * reached the voters. Validated like every other inbound message.
 */
import { z } from 'zod'
import type { ElectionMessage } from '../election/messages.js'
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

/** The voter set, versioned; changed one member at a time by the coordinator. */
export const voterConfigSchema = z.object({ version, voters: z.array(peerIdString).max(1000) }).strict()
export type VoterConfig = z.infer<typeof voterConfigSchema>

export const electionEnvelopeSchema = z.object({
  v: z.literal(WIRE_VERSION),
  t: z.literal('election'),
  m: electionMessageSchema,
  /** On heartbeats: the coordinator's voter set. */
  config: voterConfigSchema.optional(),
  /** On acks: the voter-set version the follower holds. */
  configVersion: version.optional()
}).strict()

export type ElectionEnvelope = z.infer<typeof electionEnvelopeSchema>
