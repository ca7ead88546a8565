/** The election channel's envelope, decoded as the election shell does (the election shell, election-shell.ts in @kos/core). */
import { LAN_DEFAULTS } from '../../../src/config/profiles.js'
import { electionEnvelopeSchema } from '@kos/core'
import type { WireFixtures } from '../fixtures.js'
import type { FuzzTarget } from '../target.js'
import { wireTarget } from './membership.js'

/** The shell's bound: four times maxMessageBytes, since a heartbeat carries the whole voter set. */
const ELECTION_MAX_BYTES = LAN_DEFAULTS.maxMessageBytes * 4

export function electionTargets (f: WireFixtures): Array<FuzzTarget<Uint8Array>> {
  return [wireTarget('wire.election', electionEnvelopeSchema, ELECTION_MAX_BYTES, f.election)]
}
