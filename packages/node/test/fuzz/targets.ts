/**
 * Every fuzz target, built once per process: the decoders and validators of what peers send
 * (membership, election, audit, escalation, the cluster key handshake), of the cluster key file,
 * and of what API clients send. Shared by the fixed-seed unit test (test/fuzz.test.ts) and the
 * long runs of `npm run fuzz` (run.ts).
 */
import { apiFixtures, auditFixtures, wireFixtures } from './fixtures.js'
import type { FuzzTarget } from './target.js'
import { apiTargets } from './targets/api.js'
import { apiInjectTarget } from './targets/api-inject.js'
import { auditTargets } from './targets/audit.js'
import { clusterKeyTargets } from './targets/cluster-key.js'
import { electionTargets } from './targets/election.js'
import { escalationTargets } from './targets/escalation.js'
import { membershipTargets } from './targets/membership.js'
import { servicesTargets } from './targets/services.js'

export async function fuzzTargets (): Promise<FuzzTarget[]> {
  const audit = await auditFixtures()
  const wire = wireFixtures(audit)
  const api = apiFixtures(audit)
  return [
    ...membershipTargets(wire),
    ...electionTargets(wire),
    ...auditTargets(audit, wire),
    ...escalationTargets(wire),
    ...clusterKeyTargets(),
    ...apiTargets(api),
    ...servicesTargets(wire, api),
    await apiInjectTarget(api)
  ]
}
