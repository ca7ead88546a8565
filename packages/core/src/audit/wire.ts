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
import { keptEncoding } from './entry.js'
import { halveAtSeal, SEAL_MAX_BYTES, type Sealable } from './seal.js'

/** Entries per message, as sent (REPLICATION_DEFAULTS.batch) and accepted. */
export const MAX_MESSAGE_ENTRIES = REPLICATION_DEFAULTS.batch
/**
 * The largest replication message accepted. Gossipsub takes at most 1 MiB per RPC
 * (net/host.ts), so a message is at most this less a margin for the gossip envelope; two sealed
 * groups (seal.ts SEAL_MAX_BYTES each, plus one entry) always fit, and `encodeReplicationParts`
 * splits a larger message at a seal.
 */
export const MAX_REPLICATION_BYTES = 1024 * 1024 - 16 * 1024
/** A sealed group's bytes are bounded (SEAL_MAX_BYTES plus its last entry), far below a message's. */
export const MAX_GROUP_BYTES = SEAL_MAX_BYTES + MAX_ENTRY_BYTES

const entries = z.array(z.unknown()).min(1).max(MAX_MESSAGE_ENTRIES)
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)

export const pushSchema = z.object({ kind: z.literal('push'), entries }).strict()

/**
 * What the direct channel carries. A push comes on it too, straight from its origin to each
 * member in a small cluster (the node's service.ts), or by gossip in a large one.
 */
export const directSchema = z.discriminatedUnion('kind', [
  pushSchema,
  z.object({ kind: z.literal('heads'), heads: headsSchema, only: z.array(peerIdString).min(1).max(16).optional() }).strict(),
  z.object({ kind: z.literal('entries'), entries, more: z.boolean() }).strict(),
  z.object({ kind: z.literal('ack'), origin: peerIdString, seq }).strict(),
  // Checked by the store (schema and signature) when accepted.
  z.object({ kind: z.literal('checkpoint'), checkpoint: z.unknown() }).strict()
])

export function encodeReplication (msg: ReplicationMessage): Uint8Array {
  return encodeMessage(msg)
}

/**
 * A message as one or more encodings within MAX_REPLICATION_BYTES: a push or `entries` that is
 * larger is split at a seal (each part whole groups), so no receiver ever refuses it for size.
 */
export function encodeReplicationParts (msg: ReplicationMessage): Uint8Array[] {
  const bytes = encodeCarrier(msg) ?? encodeMessage(msg)
  if (bytes.byteLength <= MAX_REPLICATION_BYTES || (msg.kind !== 'push' && msg.kind !== 'entries')) return [bytes]
  const halves = halveAtSeal(msg.entries as Sealable[])
  if (halves === null) return [bytes]
  return halves.flatMap((entries, k) => encodeReplicationParts(msg.kind === 'push'
    ? { kind: 'push', entries }
    : { kind: 'entries', entries, more: k === 1 && msg.more }))
}

/** Throws MessageDecodeError (oversized, malformed, schema). */
export function decodePush (bytes: Uint8Array): ReplicationMessage & { kind: 'push' } {
  return decodeMessage(bytes, pushSchema, MAX_REPLICATION_BYTES)
}

/** Throws MessageDecodeError (oversized, malformed, schema). */
export function decodeDirect (bytes: Uint8Array): ReplicationMessage {
  return decodeMessage(bytes, directSchema, MAX_REPLICATION_BYTES) as ReplicationMessage
}

const text = (s: string): Uint8Array => Uint8Array.from([0x60 | s.length, ...Array.from(s, (c) => c.charCodeAt(0))])
const KIND = text('kind')
const MORE = text('more')
const ENTRIES = text('entries')
const KIND_PUSH = text('push')
const KIND_ENTRIES = text('entries')

/**
 * A push or `entries` message whose entries all have their whole encoding kept (entry.ts: made
 * or checked here), written by joining those encodings instead of encoding every entry again;
 * undefined otherwise. The same message cborg writes (`kind`, `more`, `entries`, shortest heads;
 * a test compares the two decoded).
 */
function encodeCarrier (msg: ReplicationMessage): Uint8Array | undefined {
  if (msg.kind !== 'push' && msg.kind !== 'entries') return undefined
  const parts: Uint8Array[] = []
  let size = 0
  for (const e of msg.entries) {
    const b = keptEncoding(e)
    if (b === undefined) return undefined
    parts.push(b)
    size += b.byteLength
  }
  const n = parts.length
  const arrayHead = n < 24 ? [0x80 | n] : n < 0x100 ? [0x98, n] : [0x99, n >> 8, n & 0xff]
  const head = msg.kind === 'push'
    ? [0xa2, ...KIND, ...KIND_PUSH, ...ENTRIES, ...arrayHead]
    : [0xa3, ...KIND, ...KIND_ENTRIES, ...MORE, msg.more ? 0xf5 : 0xf4, ...ENTRIES, ...arrayHead]
  if (n >= 0x10000) return undefined
  const out = new Uint8Array(head.length + size)
  out.set(head, 0)
  let pos = head.length
  for (const b of parts) { out.set(b, pos); pos += b.byteLength }
  return out
}
