/**
 * The audit replication messages on the wire (replication.ts): strict CBOR validated by zod.
 * Entries stay `unknown` here: the store checks each one (schema, hash, signature, chain), so a
 * bad entry is refused and audited as tamper, while a malformed message is refused whole.
 */
import { z } from 'zod'
import { decodeMessage, encodeMessage, peerIdString } from '../wire/messages.js'
import { headsSchema } from './heads.js'
import { REPLICATION_DEFAULTS, type ReplicationMessage } from './replication.js'
import { MAX_ENTRY_BYTES } from './schema.js'

/** Entries per message, as sent (REPLICATION_DEFAULTS.batch) and accepted. */
export const MAX_MESSAGE_ENTRIES = REPLICATION_DEFAULTS.batch
/** The largest replication message: a full batch of the largest entries, plus framing. */
export const MAX_REPLICATION_BYTES = MAX_MESSAGE_ENTRIES * MAX_ENTRY_BYTES + 64 * 1024

const entries = z.array(z.unknown()).min(1).max(MAX_MESSAGE_ENTRIES)
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)

export const pushSchema = z.object({ kind: z.literal('push'), entries }).strict()

/** What the direct channel carries (a push comes by gossip only). */
export const directSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('heads'), heads: headsSchema, only: z.array(peerIdString).min(1).max(16).optional() }).strict(),
  z.object({ kind: z.literal('entries'), entries, more: z.boolean() }).strict(),
  z.object({ kind: z.literal('ack'), origin: peerIdString, seq }).strict(),
  // Checked by the store (schema and signature) when accepted.
  z.object({ kind: z.literal('checkpoint'), checkpoint: z.unknown() }).strict()
])

export function encodeReplication (msg: ReplicationMessage): Uint8Array {
  return encodeMessage(msg)
}

/** Throws MessageDecodeError (oversized, malformed, schema). */
export function decodePush (bytes: Uint8Array): ReplicationMessage & { kind: 'push' } {
  return decodeMessage(bytes, pushSchema, MAX_REPLICATION_BYTES)
}

/** Throws MessageDecodeError (oversized, malformed, schema). */
export function decodeDirect (bytes: Uint8Array): ReplicationMessage {
  return decodeMessage(bytes, directSchema, MAX_REPLICATION_BYTES) as ReplicationMessage
}
