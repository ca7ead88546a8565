/**
 * Retention checkpoints (issue #4 "Retention": "a compaction that keeps the surviving chain
 * verifiable: a signed checkpoint of the dropped prefix").
 *
 * A checkpoint `{ origin, seq, hash, lamport, ts, signer, at, sig }` says: entries 1..seq of
 * `origin` were compacted away, and entry `seq` had hash `hash`, Lamport time `lamport` and
 * wall-clock time `ts`. The surviving chain stays verifiable because entry seq + 1 is signed by
 * the origin and its `prev` must equal `hash`: the checkpoint takes the place of the dropped
 * entry as the link (it is a `ChainLink`).
 *
 * Who signs: every node holds (and compacts) every origin's chain, and only the origin holds its
 * own key, so the checkpoint is signed by the node that compacted (`signer`, its peer id, whose
 * Ed25519 key is embedded like an origin's). The signature makes the claim attributable: a
 * tampered checkpoint fails verification, and a receiver decides whose checkpoints it trusts
 * (`AuditStore.acceptCheckpoint`). What a checkpoint cannot be is a forgery of the surviving
 * chain: those entries still carry the origin's own signatures.
 *
 * Signature: Ed25519 over the sha-256 of the canonical CBOR (the same deterministic profile as
 * entries) of every field but `sig`, plus a `kind` tag, so a checkpoint signature can never be
 * replayed as an entry's, nor the reverse.
 */
import { createHash } from 'node:crypto'
import { encode, rfc8949EncodeOptions } from 'cborg'
import { decodeMessage } from '../wire/messages.js'
import { z } from 'zod'
import { peerIdString } from '../wire/messages.js'
import { verifyPeerSignature, type AuditSigner, type ChainLink, type VerifyResult } from './entry.js'
import { MAX_TS_MS } from './schema.js'

/** Domain separation of checkpoint signatures; a new format gets a new tag. */
export const CHECKPOINT_KIND = 'kos-audit-checkpoint/1'

const positiveSafeInt = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)
const tsMs = z.number().int().min(0).max(MAX_TS_MS)

export const checkpointSchema = z.object({
  origin: peerIdString,
  /** The last compacted seq: the first surviving entry is seq + 1. */
  seq: positiveSafeInt,
  /** The hash of entry `seq`: the `prev` of entry seq + 1. */
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'not a lowercase hex sha-256'),
  /** Entry `seq`'s Lamport time: entry seq + 1 must exceed it. */
  lamport: positiveSafeInt,
  /** Entry `seq`'s wall-clock time (ms): the newest time the dropped prefix covers. */
  ts: tsMs,
  /** Peer id of the node that compacted and signed. */
  signer: peerIdString,
  /** When it compacted, by its wall clock (ms); for humans. */
  at: tsMs,
  sig: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'not the base64 of a 64-byte Ed25519 signature')
}).strict()

export type AuditCheckpoint = z.infer<typeof checkpointSchema>
export type UnsignedCheckpoint = Omit<AuditCheckpoint, 'sig'>

const CANONICAL_OPTIONS = Object.freeze({ ...rfc8949EncodeOptions })

/** The 32 bytes a checkpoint's signature covers. */
export function checkpointDigest (cp: UnsignedCheckpoint): Uint8Array {
  const signed = {
    kind: CHECKPOINT_KIND,
    origin: cp.origin,
    seq: cp.seq,
    hash: cp.hash,
    lamport: cp.lamport,
    ts: cp.ts,
    signer: cp.signer,
    at: cp.at
  }
  return createHash('sha256').update(encode(signed, CANONICAL_OPTIONS)).digest()
}

/** Seals the checkpoint "entries 1..last.seq of last.origin are compacted", signed by `signer`. */
export async function createCheckpoint (last: ChainLink & { ts: number }, signer: AuditSigner, at: number): Promise<AuditCheckpoint> {
  const unsigned: UnsignedCheckpoint = {
    origin: last.origin,
    seq: last.seq,
    hash: last.hash,
    lamport: last.lamport,
    ts: last.ts,
    signer: signer.peerId,
    at
  }
  const sig = await signer.sign(checkpointDigest(unsigned))
  return { ...unsigned, sig: Buffer.from(sig).toString('base64') }
}

/**
 * Checks a checkpoint's shape and that its `signer` signed it: 'schema', 'origin' (the signer is
 * not an Ed25519 peer id) or 'signature'. Whether that signer is trusted is the caller's call.
 */
export function verifyCheckpoint (raw: unknown): VerifyResult {
  const parsed = checkpointSchema.safeParse(raw)
  if (!parsed.success) return { ok: false, reason: 'schema' }
  const cp = parsed.data
  return verifyPeerSignature(cp.signer, checkpointDigest(cp), cp.sig)
}

/** The checkpoint as the link the first surviving entry must follow. */
export function checkpointLink (cp: AuditCheckpoint): ChainLink {
  return { origin: cp.origin, seq: cp.seq, hash: cp.hash, lamport: cp.lamport }
}

/** CBOR for the store and the wire. */
export function encodeCheckpoint (cp: AuditCheckpoint): Uint8Array {
  return encode(cp)
}

/** Bound on an encoded checkpoint from a peer: its fields with margin. */
export const MAX_CHECKPOINT_BYTES = 1024

/**
 * Decodes a checkpoint from a peer (size, strict CBOR, schema; MessageDecodeError otherwise).
 * The result still needs `acceptCheckpoint`, which checks the signature and the signer.
 */
export function decodeCheckpoint (bytes: Uint8Array): AuditCheckpoint {
  return decodeMessage(bytes, checkpointSchema, MAX_CHECKPOINT_BYTES)
}
