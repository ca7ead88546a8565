/**
 * `GET /v1/openapi.json`: an OpenAPI 3.1 description of the API, built from the routes the app
 * really registered (collected by an `onRoute` hook) and from the zod schemas those routes
 * validate their bodies and queries with, so it cannot describe a route or a field the node does
 * not have. Responses are described by the `@kos/client` type they carry.
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { API_ERRORS, MAX_AUDIT_BATCH } from '@kos/client'
import { auditQuerySchema } from '@kos/core'
import { auditFieldsSchema } from '@kos/core'
import { escalationInputSchema } from '@kos/core'
import { agentSpecSchema } from '../config/agent-spec.js'
import { VERSION } from '../base/version.js'
import { errorsBody, ethicsBody } from './agent-routes.js'
import { ackSchema } from './audit-routes.js'
import { escalationListQuery } from './escalation-routes.js'
import { eventsQuery } from './event-routes.js'
import { serviceSpecSchema } from '../services/service-spec.js'
import { drainBody } from './service-routes.js'
import { joinBody } from './join-body.js'

/** How a route is described: what it does, what it takes, what it answers, and who may call it. */
export interface RouteDoc {
  summary: string
  /** The `@kos/client` type of a success answer, or the media type of a non-JSON one. */
  returns: string
  body?: z.ZodType
  query?: z.ZodType
  /** Needs `Authorization: Bearer <token>`: the node's API token, or (`agent`) the agent's own. */
  auth?: 'token' | 'agent'
}

/** Every route's description, by `METHOD /path`; a test checks that each registered route has one. */
export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /v1/node': { summary: 'this node: identity, addresses, version, mode, coordinator', returns: 'NodeInfo' },
  'GET /v1/peers': { summary: 'the member table as this node sees it', returns: 'PeersResponse' },
  'GET /v1/peers/:peerId': { summary: 'one member', returns: 'PeerInfo' },
  'GET /v1/coordinator': { summary: 'the coordinator, its term and lease, and the voter set', returns: 'CoordinatorInfo' },
  'GET /v1/health': { summary: 'health checks: 200 passing, 429 warning, 503 critical', returns: 'HealthResponse' },
  'GET /v1/health/live': { summary: 'liveness: 503 only when /v1/health is critical, else 200 (never 429: a warning is no reason to restart)', returns: '{ live: boolean, status: HealthStatus, reason: string }' },
  'GET /v1/health/ready': { summary: 'readiness: the status and code of /v1/health (200, 429 warning, 503 critical)', returns: '{ ready: boolean, status: HealthStatus, reason: string }' },
  'POST /v1/join': { summary: 'join the cluster through these peers', returns: 'JoinResponse', body: joinBody, auth: 'token' },
  'POST /v1/leave': { summary: 'leave the cluster gracefully, then stop', returns: 'LeaveResponse', auth: 'token' },
  'POST /v1/audit': { summary: 'append an entry to this node\'s audit chain', returns: 'AuditAppendResponse', body: auditFieldsSchema, query: ackSchema, auth: 'token' },
  'POST /v1/audit/batch': {
    summary: 'append up to 1000 entries in one write, all or none; a bad entry is one 400 naming entries.<index>.<field>',
    returns: 'AuditBatchResponse',
    body: z.object({ entries: z.array(auditFieldsSchema).min(1).max(MAX_AUDIT_BATCH) }).strict(),
    query: ackSchema,
    auth: 'token'
  },
  'GET /v1/audit': { summary: 'a page of audit entries in time order', returns: 'AuditQueryResponse', query: auditQuerySchema },
  'GET /v1/audit/verify': { summary: 'check every chain this node holds', returns: 'AuditVerifyResponse' },
  'GET /v1/audit/stream': { summary: 'new audit entries as Server-Sent Events, one AuditEntryView per data line', returns: 'text/event-stream' },
  'GET /v1/escalations': { summary: 'the outbox (default) or the inbox, newest first', returns: 'EscalationsResponse', query: escalationListQuery },
  'GET /v1/escalations/:id': { summary: 'one escalation in detail', returns: 'EscalationDetail' },
  'POST /v1/escalations': { summary: 'escalate to the authorities and operators', returns: 'EscalationCreated', body: escalationInputSchema, auth: 'token' },
  'POST /v1/escalations/:id/ack': { summary: 'on an authority: acknowledge a received escalation', returns: 'EscalationDetail', auth: 'token' },
  'POST /v1/escalations/:id/resolve': { summary: 'on an authority: resolve a received escalation', returns: 'EscalationDetail', auth: 'token' },
  'GET /v1/agents': { summary: 'the agents this node supervises', returns: 'AgentsResponse' },
  'GET /v1/agents/:id': { summary: 'one agent', returns: 'AgentInfo' },
  'POST /v1/agents': { summary: 'define and start an agent', returns: 'AgentInfo', body: agentSpecSchema, auth: 'token' },
  'DELETE /v1/agents/:id': { summary: 'stop an agent defined through the API and forget it', returns: '{ removed: string }', auth: 'token' },
  'POST /v1/agents/:id/start': { summary: 'start an agent', returns: 'AgentInfo', auth: 'token' },
  'POST /v1/agents/:id/stop': { summary: 'stop an agent', returns: 'AgentInfo', auth: 'token' },
  'POST /v1/agents/:id/restart': { summary: 'restart an agent', returns: 'AgentInfo', auth: 'token' },
  'POST /v1/agents/:id/release': { summary: 'lift an ethics quarantine (the Junzi or the node that imposed it)', returns: '{ released: string }', auth: 'token' },
  'POST /v1/agents/:id/ethics': { summary: 'an agent reports an ethics check', returns: '{ accepted: true }', body: ethicsBody, auth: 'agent' },
  'GET /v1/services': { summary: 'the cluster services with their instances and status, as this node sees the cluster', returns: 'ServicesResponse' },
  'GET /v1/services/:name': { summary: 'one cluster service', returns: 'ServiceInfo' },
  'POST /v1/services': { summary: 'define or update a cluster service, through the coordinator (503 no_coordinator without one)', returns: 'ServiceInfo', body: serviceSpecSchema, auth: 'token' },
  'DELETE /v1/services/:name': { summary: 'remove a cluster service; its instances stop', returns: '{ removed: string }', auth: 'token' },
  'POST /v1/drain': { summary: 'drain a node (this one by default) of its service instances, make-before-break; undo: true ends it', returns: 'DrainResponse', body: drainBody, auth: 'token' },
  'POST /v1/agents/:id/errors': { summary: 'an agent reports errors, for error-rate spikes', returns: '{ accepted: true }', body: errorsBody, auth: 'agent' },
  'GET /v1/events': { summary: 'the node\'s events as Server-Sent Events (id, type, JSON data); Last-Event-ID resumes; ?types= filters', returns: 'text/event-stream', query: eventsQuery },
  'GET /ui': { summary: 'the dashboard: redirects to /ui/', returns: 'text/html' },
  'GET /ui/*': { summary: 'the dashboard page, its scripts and styles', returns: 'text/html' },
  'GET /metrics': { summary: 'metrics, in the text exposition format', returns: 'text/plain' },
  'GET /v1/openapi.json': { summary: 'this description', returns: 'OpenAPI 3.1 document' }
}

export interface RegisteredRoute { method: string, url: string }

/** Records every route registered on `app` from now on; call it before registering any. */
export function collectRoutes (app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      // fastify adds a HEAD route for every GET; it is not a route of its own.
      if (method !== 'HEAD') routes.push({ method, url: route.url })
    }
  })
  return routes
}

function jsonSchema (schema: z.ZodType): unknown {
  // io 'input': what a client sends (defaults optional); refinements have no JSON form and are left out.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

function operation (route: RegisteredRoute, doc: RouteDoc | undefined): Record<string, unknown> {
  const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }))
  const query = doc?.query === undefined ? [] : queryParameters(doc.query)
  const json = doc?.returns !== undefined && !doc.returns.includes('/')
  return {
    summary: doc?.summary ?? 'undocumented',
    ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
    ...(doc?.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } } }),
    ...(doc?.auth === undefined ? {} : { security: [{ [doc.auth === 'token' ? 'apiToken' : 'agentToken']: [] }] }),
    responses: {
      '2XX': {
        description: doc?.returns ?? '',
        content: { [json ? 'application/json' : (doc?.returns ?? 'application/json')]: {} }
      },
      default: { description: 'an error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
    }
  }
}

function queryParameters (schema: z.ZodType): unknown[] {
  const s = jsonSchema(schema) as { properties?: Record<string, unknown>, required?: string[] }
  return Object.entries(s.properties ?? {}).map(([name, p]) => ({ name, in: 'query', required: s.required?.includes(name) ?? false, schema: p }))
}

/** The OpenAPI document of `routes`. */
export function openApiDocument (routes: readonly RegisteredRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}')
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route, ROUTE_DOCS[`${route.method} ${route.url}`]) }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'kOS mesh node API', version: VERSION, description: 'The local HTTP API of one kOS node. Response types are those of @kos/client.' },
    paths,
    components: {
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', description: 'the node\'s API token, in <data>/api-token' },
        agentToken: { type: 'http', scheme: 'bearer', description: 'the agent\'s own token (KOS_TOKEN in its environment), or the node\'s' }
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { enum: Object.keys(API_ERRORS) }, message: { type: 'string' } } } }
        }
      }
    }
  }
}
