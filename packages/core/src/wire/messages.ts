/**
 * Wire messages: zod schemas (the single source of truth for their shape) and a strict CBOR
 * codec. Everything that arrives from the network is decoded by `decodeMessage`, which checks
 * size, encoding and schema before any other code sees it.
 */
import { DIGEST_BUCKETS } from '../membership/table-digest.js'
import { decode, encode } from 'cborg'
import { z } from 'zod'
import { ROLES } from '../vocabulary/members.js'
import { multiaddrString, peerIdString } from './identifiers.js'
import { isPlainData } from './plain-data.js'

/**
 * The kOS protocol version every message carries (`v`). 2: a bounded voter set with gossiped
 * coordinator announcements (net/protocol-version.ts says why a version 1 node is refused).
 */
export const WIRE_VERSION = 2

/** Peer ids and addresses: only what libp2p can parse (identifiers.ts). */
export { peerIdString }
const addrList = z.array(multiaddrString).max(16)
const count = z.number().int().min(0).max(1_000_000)
const finite = z.number().min(0).max(1e15)
/**
 * Incarnations only grow by one per refutation; 2^32 is over a century of one refutation per
 * second, and the bound keeps `+ 1` exact, so no message can push one past what can be refuted.
 */
export const MAX_INCARNATION = 2 ** 32
const incarnation = z.number().int().min(0).max(MAX_INCARNATION)

/** One service instance a node runs, as its heartbeat reports it (issue 18, services/instance-runner.ts). */
export const instanceReportSchema = z.object({
  service: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,47}$/),
  id: z.string().min(3).max(64).regex(/^[a-z0-9][a-z0-9_-]*-[0-9]{1,4}$/),
  generation: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  ready: z.boolean(),
  state: z.string().max(16),
  sinceMs: z.number().int().min(0).max(8_640_000_000_000_000)
}).strict()

/** Bound on the service instances one node reports, and so runs. */
export const MAX_NODE_INSTANCES = 64

export const healthSummarySchema = z.object({
  name: z.string().min(1).max(64),
  role: z.enum(ROLES),
  zone: z.string().min(1).max(63).optional(),
  incarnation,
  version: z.string().max(64),
  uptimeMs: finite,
  // The detail: sent less often while the sender is degraded (HealthSummary).
  cpuPercent: z.number().min(0).max(100_000).optional(),
  machineCpuPercent: z.number().min(0).max(100).optional(),
  rssBytes: finite.optional(),
  heapUsedBytes: finite.optional(),
  eventLoopDelayP99Ms: finite.optional(),
  mode: z.enum(['normal', 'degraded', 'minimal']),
  agents: z.object({ total: count, running: count, failed: count, quarantined: count }).strict().optional(),
  /** The service instances the sender runs (services/instance-runner.ts), in every heartbeat. */
  services: z.array(instanceReportSchema).max(MAX_NODE_INSTANCES).optional(),
  /** With bounded monitors: the summary's version within the incarnation (membership/summary-version.ts). */
  summaryVersion: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional()
}).strict()

/** Published on the heartbeat topic every heartbeatIntervalMs; the sender is the gossip signer. */
export const heartbeatSchema = z.object({
  v: z.literal(WIRE_VERSION),
  t: z.literal('heartbeat'),
  incarnation,
  addrs: addrList,
  health: healthSummarySchema
}).strict()

export const MEMBER_STATES = ['alive', 'suspect', 'dead', 'left'] as const

/** Membership notice (join, suspect, dead, leave, refutation): about `target`, signed by whoever raised it. */
export const noticeSchema = z.object({
  v: z.literal(WIRE_VERSION),
  t: z.literal('notice'),
  state: z.enum(MEMBER_STATES),
  target: peerIdString,
  incarnation,
  name: z.string().min(1).max(64),
  role: z.enum(ROLES),
  addrs: addrList
}).strict()

export const memberSnapshotSchema = z.object({
  peerId: peerIdString,
  name: z.string().min(1).max(64),
  role: z.enum(ROLES),
  addrs: addrList,
  state: z.enum(MEMBER_STATES),
  incarnation,
  /**
   * The summary held of an alive or suspect member: in a join's whole table, in push/pull's
   * entries of the buckets that differ (bounded, MAX_SYNC_SUMMARIES), and in a member's answer
   * about itself (its own, current). With bounded monitors summaries travel by gossip only on change.
   */
  health: healthSummarySchema.optional()
}).strict()

/**
 * State sync (`/kos/<cluster>/sync/2.0.0`, the version's own id). A join sends the whole member
 * table, self included, and gets the other's (without summaries). Push/pull sends `digest`
 * (membership/table-digest.ts) and gets the entries of `buckets`, buckets whose digests differ
 * (all of them, or as many whole buckets as MAX_SYNC_SUMMARIES summaries allow); it then sends
 * its own entries of those `buckets`, answered by nothing.
 */
/** Summaries one push/pull message carries at most (about 400 bytes each); the rest follow at later ones. */
export const MAX_SYNC_SUMMARIES = 256

export const syncSchema = z.object({
  v: z.literal(WIRE_VERSION),
  t: z.literal('sync'),
  members: z.array(memberSnapshotSchema).max(10_000),
  digest: z.array(z.number().int().min(0).max(2 ** 32 - 1)).length(DIGEST_BUCKETS).optional(),
  buckets: z.array(z.number().int().min(0).max(DIGEST_BUCKETS - 1)).max(DIGEST_BUCKETS).optional()
}).strict()

/** Indirect probe request (`/kos/probe/1.0.0`, ping-req: ping `target` for me) and its answer. */
export const probeRequestSchema = z.object({ v: z.literal(WIRE_VERSION), t: z.literal('probe'), target: peerIdString }).strict()
export const probeResponseSchema = z.object({ v: z.literal(WIRE_VERSION), t: z.literal('probe-ack'), target: peerIdString, reachable: z.boolean() }).strict()

export type Heartbeat = z.infer<typeof heartbeatSchema>
export type MemberNotice = z.infer<typeof noticeSchema>
export type MemberSnapshot = z.infer<typeof memberSnapshotSchema>
export type SyncMessage = z.infer<typeof syncSchema>
export type ProbeRequest = z.infer<typeof probeRequestSchema>
export type ProbeResponse = z.infer<typeof probeResponseSchema>

/** Why a message was refused; the reason is a metrics label, so it is a small closed set. */
export type DecodeFailure = 'oversized' | 'malformed' | 'schema' | 'version'

export class MessageDecodeError extends Error {
  override name = 'MessageDecodeError'
  readonly reason: DecodeFailure
  constructor (reason: DecodeFailure, message: string, options?: ErrorOptions) {
    super(message, options)
    this.reason = reason
  }
}

/** Encodes a message as CBOR; `message` is one of the schemas' types, already valid by construction. */
export function encodeMessage (message: object): Uint8Array {
  return encode(message)
}

/** Size check, strict CBOR decode into plain data, schema check. Throws MessageDecodeError. */
export function decodeMessage<T> (bytes: Uint8Array, schema: z.ZodType<T>, maxBytes: number): T {
  if (bytes.byteLength > maxBytes) {
    throw new MessageDecodeError('oversized', `message of ${bytes.byteLength} bytes exceeds ${maxBytes}`)
  }
  let value: unknown
  try {
    value = decode(bytes, { strict: true, rejectDuplicateMapKeys: true, useMaps: false })
  } catch (err) {
    throw new MessageDecodeError('malformed', `not valid CBOR: ${(err as Error).message}`, { cause: err })
  }
  if (!isPlainData(value)) throw new MessageDecodeError('malformed', 'a map has a __proto__ key')
  // Another protocol version's message says so by name, rather than as a mere schema mismatch.
  const v = (value !== null && typeof value === 'object') ? (value as { v?: unknown }).v : undefined
  if (typeof v === 'number' && v !== WIRE_VERSION) throw new MessageDecodeError('version', `kOS protocol version ${v}, this node speaks version ${WIRE_VERSION}`)
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new MessageDecodeError('schema', `invalid message at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'schema mismatch'}`)
  }
  return parsed.data
}
