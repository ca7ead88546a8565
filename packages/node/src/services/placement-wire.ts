/**
 * Service placement on the wire (issue 18), strict CBOR checked by zod like every message
 * (wire/messages.ts):
 * - the coordinator's table, gossiped on `kos/<cluster>/placement/1` (signed; the signer must be
 *   the coordinator of the table's term where it arrives, instance-runner's fence);
 * - a change of the desired state asked of the coordinator by another node over
 *   `/kos/<cluster>/services/1.0.0` (define, remove, drain), and its answer.
 * The instance reports ride in the health summary (wire/messages.ts, `services`).
 */
import { z } from 'zod'
import { peerIdString, WIRE_VERSION } from '@kos/core'
import { MAX_REPLICAS, SERVICE_NAME, serviceSpecSchema } from './service-spec.js'

/** Bound on the lines of one table: services × replicas (and drain successors) of the whole cluster. */
export const MAX_TABLE_ASSIGNMENTS = 1024

const serviceName = z.string().regex(SERVICE_NAME)
const instanceIdString = z.string().min(3).max(64).regex(/^[a-z0-9][a-z0-9_-]*-[0-9]{1,4}$/)
const generation = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)

export const assignmentSchema = z.object({
  service: serviceName,
  id: instanceIdString,
  slot: z.number().int().min(0).max(MAX_REPLICAS - 1),
  generation,
  node: peerIdString
}).strict()

export const placementTableSchema = z.object({
  v: z.literal(WIRE_VERSION),
  t: z.literal('placement'),
  term: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  assignments: z.array(assignmentSchema).max(MAX_TABLE_ASSIGNMENTS)
}).strict()

export { instanceReportSchema, MAX_NODE_INSTANCES } from '@kos/core'

export const serviceRequestSchema = z.discriminatedUnion('t', [
  /** The coordinator checks `spec` with the same schema as the asking node did: a refusal names the field. */
  z.object({ v: z.literal(WIRE_VERSION), t: z.literal('define'), spec: serviceSpecSchema }).strict(),
  z.object({ v: z.literal(WIRE_VERSION), t: z.literal('remove'), name: serviceName }).strict(),
  z.object({ v: z.literal(WIRE_VERSION), t: z.literal('drain'), node: peerIdString, draining: z.boolean() }).strict()
])

export const serviceResponseSchema = z.object({
  v: z.literal(WIRE_VERSION),
  t: z.literal('result'),
  /** An API error code (@kos/client API_ERRORS) or `ok`. */
  code: z.string().min(1).max(64),
  message: z.string().max(4096)
}).strict()

export type PlacementTableMessage = z.infer<typeof placementTableSchema>
export type ServiceRequest = z.infer<typeof serviceRequestSchema>
export type ServiceResponse = z.infer<typeof serviceResponseSchema>
