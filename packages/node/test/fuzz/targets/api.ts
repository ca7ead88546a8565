/**
 * The local API's bodies and query strings, through the functions and schemas the routes call.
 * A refusal is ApiError `invalid_request` (a 400 naming the field) or a zod failure the route
 * turns into one; anything the route would let through must be valid for what consumes it.
 */
import fc from 'fast-check'
import type { z } from 'zod'
import { auditQuerySchema } from '@kos/core'
import { decodeCursor } from '@kos/core'
import { auditFieldsSchema } from '@kos/core'
import { errorsBody, ethicsBody } from '../../../src/api/agent-routes.js'
import { ackSchema, parseAuditBody, parseAuditQuery } from '../../../src/api/audit-routes.js'
import { ApiError } from '../../../src/api/errors.js'
import { escalationListQuery } from '../../../src/api/escalation-routes.js'
import { joinBody } from '../../../src/api/join-body.js'
import { checkTcpMultiaddr } from '../../../src/config/resolve.js'
import { ConfigError } from '../../../src/base/errors.js'
import { escalationInputSchema, escalationSchema, makeEscalation } from '@kos/core'
import { agentSpecSchema } from '../../../src/config/agent-spec.js'
import type { ApiFixtures } from '../fixtures.js'
import { hostileKey, hostileString } from '../hostile.js'
import { jsonValueInput } from '../inputs.js'
import { mutatedValue } from '../mutate-value.js'
import { describeError, expectOutcome, FuzzFinding, expectSafeParse, revalidates, type Outcome } from '../outcome.js'
import type { FuzzTarget } from '../target.js'

const isInvalidRequest = (err: unknown): boolean => err instanceof ApiError && err.code === 'invalid_request'

/** What fastify's query string parser gives a route: string values, or arrays of them for repeated keys. */
function queryInput (fixtures: readonly object[], keys: readonly string[]): fc.Arbitrary<unknown> {
  const value = fc.oneof(
    { weight: 4, arbitrary: hostileString },
    { weight: 2, arbitrary: fc.oneof(fc.integer().map(String), fc.maxSafeInteger().map(String), fc.constantFrom('1e3', ' 5', '0x10', '00', '9'.repeat(17), '1000000')) },
    { weight: 2, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
    { weight: 1, arbitrary: fc.constantFrom('2024-01-01T00:00:00+99:99', '2024-13-01', '1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59Z', '275760-09-13') },
    { weight: 1, arbitrary: fc.array(hostileString, { minLength: 2, maxLength: 3 }) }
  )
  // Node's querystring, which fastify uses, gives an object without a prototype.
  const asParsed = (q: unknown): unknown => typeof q === 'object' && q !== null && !Array.isArray(q) ? Object.assign(Object.create(null) as object, q) : q
  return fc.oneof(
    { weight: 4, arbitrary: mutatedValue(fixtures, value) },
    { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...keys), hostileKey), value, { maxKeys: 5, noNullPrototype: true }) },
    { weight: 1, arbitrary: fc.constantFrom(...fixtures) }
  ).map(asParsed)
}

/** A schema a route applies with safeParse, on a JSON body or a query. */
function schemaTarget<T> (name: string, schema: z.ZodType<T>, input: fc.Arbitrary<unknown>, extra?: (value: T) => string | null): FuzzTarget<unknown> {
  return { name, input, check: (body) => expectSafeParse(schema, body, extra) }
}

/** POST /v1/join: the schema, then each address as a TCP multiaddr (ConfigError, which the route turns into a 400). */
function joinCheck (body: unknown): Outcome {
  const outcome = expectSafeParse(joinBody, body)
  if (outcome === 'refused') return 'refused'
  const { addrs } = joinBody.parse(body)
  for (const [i, addr] of addrs.entries()) {
    try {
      checkTcpMultiaddr(addr, `addrs.${i}`, true)
    } catch (err) {
      if (err instanceof ConfigError) return 'refused'
      throw new FuzzFinding(`checkTcpMultiaddr threw ${describeError(err)}`, { cause: err })
    }
  }
  return 'accepted'
}

const ESCALATION_ORIGIN = '12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V'

/** The record made of an accepted input goes on the wire: the authorities' schema must accept it. */
function recordValid (input: z.infer<typeof escalationInputSchema>): string | null {
  const record = makeEscalation(input, ESCALATION_ORIGIN, new Date(1_700_000_000_000))
  return revalidates(escalationSchema)(record)
}

export function apiTargets (f: ApiFixtures): FuzzTarget[] {
  const auditQueryKeys = ['origin', 'class', 'severity', 'since', 'until', 'limit', 'cursor']
  return [
    {
      name: 'api.audit-body',
      input: jsonValueInput(f.auditBody),
      check: (body) => expectOutcome(() => parseAuditBody(body), isInvalidRequest, revalidates(auditFieldsSchema))
    },
    {
      name: 'api.audit-query',
      input: queryInput(f.auditQuery, auditQueryKeys),
      check: (query) => expectOutcome(() => parseAuditQuery(query), isInvalidRequest, (q) => {
        // The store reads the cursor next: it must tell ours from anything else without throwing.
        if (q.cursor !== undefined) decodeCursor(q.cursor)
        return revalidates(auditQuerySchema)(q)
      })
    },
    schemaTarget('api.audit-ack-query', ackSchema, queryInput(f.ackQuery, ['ack'])),
    { name: 'api.join-body', input: jsonValueInput(f.joinBody), check: joinCheck },
    schemaTarget('api.escalation-input', escalationInputSchema, jsonValueInput(f.escalationInput), recordValid),
    schemaTarget('api.escalation-list-query', escalationListQuery, queryInput(f.escalationListQuery, ['box', 'status'])),
    schemaTarget('api.agent-spec', agentSpecSchema, jsonValueInput(f.agentSpec)),
    schemaTarget('api.ethics-body', ethicsBody, jsonValueInput(f.ethicsBody)),
    schemaTarget('api.errors-body', errorsBody, jsonValueInput(f.errorsBody))
  ]
}
