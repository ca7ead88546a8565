/**
 * Whole requests through the real fastify app (buildApi over inert stubs), by injection: the
 * request guards, the body parser, the routes' own parsing and the error handler together. Any
 * input must get a 2xx, or a 4xx in the API's error format: a 5xx means a route threw what it
 * did not map. Slower per case than the direct targets, so fewer cases in `npm test`.
 */
import { API_ERRORS, type AgentInfo } from '@kos/client'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import type { AgentOperations } from '../../../src/healing/agent-operations.js'
import { buildApi } from '../../../src/api/server.js'
import { stubApiDeps } from '../../helpers/api-deps.js'
import type { ApiFixtures } from '../fixtures.js'
import { hostileString } from '../hostile.js'
import { jsonValueInput } from '../inputs.js'
import { FuzzFinding, type Outcome } from '../outcome.js'
import type { FuzzTarget } from '../target.js'

export interface FuzzRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT'
  url: string
  headers: Record<string, string>
  payload?: string
}

function agentInfo (name: string): AgentInfo {
  return {
    name, state: 'running', reason: '', source: 'api', pid: null, ready: true, critical: false, essential: false, restarts: 0,
    lastExit: null, probes: {}, quarantine: null, safeMode: false,
    memory: { rssBytes: null, limitMb: null, enforcement: 'none' }, cpu: { limitPercent: null, enforcement: 'none' }
  } as AgentInfo
}

/** Agents that exist (`worker-1`), accept every report and every definition. */
const agents: AgentOperations = {
  list: () => [agentInfo('worker-1')],
  get: (name) => name === 'worker-1' ? agentInfo(name) : undefined,
  define: async (spec) => agentInfo(spec.name),
  remove: async (name) => name === 'worker-1' ? 'removed' : 'not-found',
  control: async (name) => name === 'worker-1' ? agentInfo(name) : undefined,
  release: () => 'not-quarantined',
  ethics: (name) => name === 'worker-1',
  errors: (name) => name === 'worker-1',
  agentTokenMatches: () => false
}

/** Each route with a body: its fixtures. */
function routes (f: ApiFixtures): Array<{ method: FuzzRequest['method'], path: string, bodies: readonly object[] }> {
  return [
    { method: 'POST', path: '/v1/audit', bodies: f.auditBody },
    { method: 'GET', path: '/v1/audit', bodies: [] },
    { method: 'POST', path: '/v1/join', bodies: f.joinBody },
    { method: 'POST', path: '/v1/leave', bodies: [{}] },
    { method: 'POST', path: '/v1/escalations', bodies: f.escalationInput },
    { method: 'GET', path: '/v1/escalations', bodies: [] },
    { method: 'POST', path: '/v1/escalations/:id/ack', bodies: [{}] },
    { method: 'POST', path: '/v1/agents', bodies: f.agentSpec },
    { method: 'POST', path: '/v1/agents/:id/ethics', bodies: f.ethicsBody },
    { method: 'POST', path: '/v1/agents/:id/errors', bodies: f.errorsBody },
    { method: 'POST', path: '/v1/agents/:id/restart', bodies: [{}] },
    { method: 'DELETE', path: '/v1/agents/:id', bodies: [] },
    { method: 'GET', path: '/v1/peers/:id', bodies: [] }
  ]
}

const queryPair = fc.tuple(
  fc.oneof(fc.constantFrom('ack', 'origin', 'class', 'severity', 'since', 'until', 'limit', 'cursor', 'box', 'status'), fc.string({ maxLength: 6 })),
  fc.oneof(hostileString, fc.constantFrom('quorum', 'local', 'inbox', 'acked', 'node', 'warning', '10', '0', '2024-01-01'))
)

/** Percent-encoding of any string; lone surrogates (which encodeURIComponent refuses) as U+FFFD. */
function percent (s: string): string {
  return encodeURIComponent(s.replace(/\p{Surrogate}/gu, '\ufffd'))
}

export function requestInput (f: ApiFixtures): fc.Arbitrary<FuzzRequest> {
  const route = fc.constantFrom(...routes(f))
  const id = fc.oneof(fc.constantFrom('worker-1', 'esc-1'), hostileString)
  /** Path parameters put in as they are: malformed percent-encodings reach the router. */
  const rawId = fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', 'a%2Fb', '%C0%AF')
  const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/x-www-form-urlencoded') })
  const auth = fc.oneof({ weight: 8, arbitrary: fc.constant('Bearer tok') }, { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer tok2', 'bearer   tok  ', 'Basic dG9r') })
  return fc.record({ route, id: fc.oneof({ weight: 9, arbitrary: id.map(percent) }, { weight: 1, arbitrary: rawId }), query: fc.array(queryPair, { maxLength: 3 }), contentType, auth, raw: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.string({ maxLength: 64 }) }) })
    .chain((r) => (r.route.bodies.length > 0 ? jsonValueInput(r.route.bodies) : fc.constant(undefined)).map((body) => {
      const path = r.route.path.replace(':id', r.id)
      const query = r.query.map(([k, v]) => `${percent(k)}=${percent(v)}`).join('&')
      const headers: Record<string, string> = { authorization: r.auth }
      const request: FuzzRequest = { method: r.route.method, url: query === '' ? path : `${path}?${query}`, headers }
      if (r.route.method !== 'GET') {
        headers['content-type'] = r.contentType
        request.payload = r.raw ?? JSON.stringify(body) ?? ''
      }
      return request
    }))
}

/** A 2xx, or a 4xx whose body is the API's error format with a known code. */
function judgeResponse (status: number, body: string): Outcome {
  if (status >= 200 && status < 300) return 'accepted'
  if (status >= 500) throw new FuzzFinding(`answered ${status}: ${body.slice(0, 300)}`)
  let code: unknown
  try {
    code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code
  } catch {
    throw new FuzzFinding(`answered ${status} without a JSON error: ${body.slice(0, 300)}`)
  }
  if (typeof code !== 'string' || !(code in API_ERRORS)) throw new FuzzFinding(`answered ${status} with an unknown error code ${String(code)}`)
  return 'refused'
}

export async function apiInjectTarget (f: ApiFixtures): Promise<FuzzTarget<FuzzRequest>> {
  const app: FastifyInstance = buildApi(stubApiDeps({ agents }))
  await app.ready()
  return {
    name: 'api.inject',
    input: requestInput(f),
    testCases: 2_000,
    checkAsync: async (req) => {
      const res = await app.inject({ method: req.method, url: req.url, headers: req.headers, ...(req.payload === undefined ? {} : { payload: req.payload }) })
      return judgeResponse(res.statusCode, res.body)
    }
  }
}
