/**
 * Cluster services (issue 18): the coordinator's placement table (gossip, decoded in the topic
 * validator and again on delivery), the desired-state requests forwarded to the coordinator and
 * its answers (`/kos/<cluster>/services/1.0.0`), and the API bodies of POST /v1/services and
 * POST /v1/drain.
 */
import { LAN_DEFAULTS } from '../../../src/config/profiles.js'
import { drainBody } from '../../../src/api/service-routes.js'
import { placementTableSchema, serviceRequestSchema, serviceResponseSchema } from '../../../src/services/placement-wire.js'
import { serviceSpecSchema } from '../../../src/services/service-spec.js'
import type { ApiFixtures, WireFixtures } from '../fixtures.js'
import { jsonValueInput } from '../inputs.js'
import { expectSafeParse } from '../outcome.js'
import type { FuzzTarget } from '../target.js'
import { wireTarget } from './membership.js'

export function servicesTargets (wire: WireFixtures, api: ApiFixtures): Array<FuzzTarget<any>> {
  return [
    wireTarget('services.table', placementTableSchema, LAN_DEFAULTS.maxMessageBytes * 4, wire.placementTable),
    wireTarget('services.request', serviceRequestSchema, LAN_DEFAULTS.maxMessageBytes, wire.serviceRequest),
    wireTarget('services.response', serviceResponseSchema, 8192, wire.serviceResponse),
    { name: 'api.service-spec', input: jsonValueInput(api.serviceSpec), check: (v: unknown) => expectSafeParse(serviceSpecSchema, v) },
    { name: 'api.drain-body', input: jsonValueInput(api.drainBody), check: (v: unknown) => expectSafeParse(drainBody, v) }
  ]
}
