/**
 * Membership messages: gossip heartbeats and notices (decoded in gossipsub's topic validator
 * with the config's maxMessageBytes), state sync and indirect probes (request/response streams).
 */
import type { z } from 'zod'
import { LAN_DEFAULTS } from '../../../src/config/profiles.js'
import { MAX_PROBE_BYTES, MAX_SYNC_BYTES } from '@kos/core'
import {
  decodeMessage, heartbeatSchema, noticeSchema, probeRequestSchema, probeResponseSchema, syncSchema
} from '@kos/core'
import type { WireFixtures } from '../fixtures.js'
import { cborInput } from '../inputs.js'
import { allOf, expectOutcome, isDecodeError, revalidates } from '../outcome.js'
import type { FuzzTarget } from '../target.js'
import { identifiersUsable } from '../usable.js'

/** A target of `decodeMessage` with one schema and bound: MessageDecodeError, or a valid, usable message. */
export function wireTarget<T> (name: string, schema: z.ZodType<T>, maxBytes: number, fixtures: readonly object[]): FuzzTarget<Uint8Array> {
  return {
    name,
    input: cborInput(fixtures, maxBytes),
    check: (bytes) => expectOutcome(() => decodeMessage(bytes, schema, maxBytes), isDecodeError, allOf(revalidates(schema), identifiersUsable))
  }
}

export function membershipTargets (f: WireFixtures): Array<FuzzTarget<Uint8Array>> {
  return [
    wireTarget('wire.heartbeat', heartbeatSchema, LAN_DEFAULTS.maxMessageBytes, f.heartbeat),
    wireTarget('wire.notice', noticeSchema, LAN_DEFAULTS.maxMessageBytes, f.notice),
    wireTarget('wire.sync', syncSchema, MAX_SYNC_BYTES, f.sync),
    wireTarget('wire.probe-request', probeRequestSchema, MAX_PROBE_BYTES, f.probeRequest),
    wireTarget('wire.probe-response', probeResponseSchema, MAX_PROBE_BYTES, f.probeResponse)
  ]
}
