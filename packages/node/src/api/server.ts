/**
 * The local HTTP API (`/v1`), built by `buildApi(deps)` without listening, so routes are tested
 * by injection; only the node calls `listen`, on 127.0.0.1 by default. Responses are the API
 * types of @kos/client, never internal objects.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { checkTcpMultiaddr } from '../config/resolve.js'
import { ConfigError } from '../base/errors.js'
import { registerAgentRoutes } from './agent-routes.js'
import type { AgentOperations } from '../healing/agent-operations.js'
import { registerServiceRoutes, type ServicesApi } from './service-routes.js'
import { registerAuditRoutes, type AuditApi } from './audit-routes.js'
import { API_ERRORS } from '@kos/client'
import { ApiError } from './errors.js'
import { ESSENTIAL } from './load-shedding.js'
import { HEALTH_HTTP_STATUS, livenessOf, readinessOf } from '../health/checks.js'
import { registerEscalationRoutes, type EscalationApi } from './escalation-routes.js'
import { EventFeed } from './event-feed.js'
import { registerEventRoutes } from './event-routes.js'
import { registerUiRoutes } from './ui-routes.js'
import type { ApiTls } from './api-tls.js'
import { joinBody } from './join-body.js'
import { registerRequestGuards } from './request-guards.js'
import { requireToken } from './api-token-check.js'
import { collectRoutes, openApiDocument } from './openapi.js'
import type { CoordinatorInfo, HealthResponse, JoinResponse, NodeInfo, PeerInfo, PeersResponse } from '@kos/client'

export interface ApiDeps {
  node: () => NodeInfo
  peers: () => PeersResponse
  peer: (peerId: string) => PeerInfo | undefined
  coordinator: () => CoordinatorInfo
  /** The health checks; /v1/health/live and /v1/health/ready answer from them too (health/checks.ts). */
  health: () => HealthResponse
  join: (addrs: string[]) => Promise<JoinResponse>
  /** Starts a graceful leave; the node stops after answering. */
  leave: () => void
  metrics: () => Promise<{ contentType: string, body: string }>
  /** The replicated audit log (POST/GET /v1/audit, /v1/audit/verify, /v1/audit/stream). */
  audit: AuditApi
  /** Escalations (GET/POST /v1/escalations, ack, resolve). */
  escalations: EscalationApi
  /** Supervised agents (GET/POST /v1/agents, control, release, ethics and error reports); absent in route tests of other parts. */
  agents?: AgentOperations
  services?: ServicesApi
  /** The node's API token (`<data>/api-token`); every call that changes anything must send it as a Bearer token. */
  apiToken: () => string
  /** The addresses the API is configured and listening on (`host:port`); requests naming another host get 421. */
  apiAddresses?: () => readonly string[]
  /** SSE heartbeat period of /v1/audit/stream and /v1/events; tests shorten it. @default 15000 */
  sseHeartbeatMs?: number
  /** GET /v1/events: the node's feed, and how many streams it serves at once (config eventStreamMaxClients); route tests of other parts get an empty feed. */
  events?: { feed: EventFeed, maxClients: number }
  /** The dashboard's built files (GET /ui). @default packages/node/dist/ui */
  uiDir?: string
}

/**
 * The router's own refusals, before any route or hook: a malformed percent-encoding in the path,
 * a path parameter longer than 100 characters. They bypass the error handler, so without this
 * they answer in fastify's format (the latter as a 414); in the API's, they are 400s.
 */
function routerError (err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const known = err.code === 'FST_ERR_BAD_URL' || err.code === 'FST_ERR_MAX_PARAM_LENGTH'
  const code = known ? 'invalid_request' : 'internal'
  void reply.status(API_ERRORS[code].status).send({ error: { code, message: known ? err.message : 'internal error' } })
}

/** `https`: serve TLS with this certificate and key (api-tls.ts); absent, plain HTTP. */
export function buildApi (deps: ApiDeps, options: { https?: ApiTls } = {}): FastifyInstance {
  // fastify types an HTTPS server apart; the routes and hooks are the same.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, frameworkErrors: routerError, ...(options.https === undefined ? {} : { https: options.https }) }) as unknown as FastifyInstance
  const routes = collectRoutes(app)
  registerRequestGuards(app, deps.apiAddresses ?? (() => []))

  app.setErrorHandler((err: FastifyError | ApiError, _req, reply) => {
    if (err instanceof ApiError) return reply.status(err.status).send({ error: { code: err.code, message: err.message } })
    const status = err.statusCode ?? 500
    const code = err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? 'unsupported_media_type'
      : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'payload_too_large'
        : status === 400 && err.code?.startsWith('FST_ERR_CTP') === true ? 'invalid_json' : status >= 500 ? 'internal' : 'invalid_request'
    return reply.status(API_ERRORS[code].status).send({ error: { code, message: status >= 500 ? 'internal error' : err.message } })
  })
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } })
  })

  app.get('/v1/node', { config: ESSENTIAL }, async () => deps.node())
  app.get('/v1/peers', { config: ESSENTIAL }, async () => deps.peers())
  app.get<{ Params: { peerId: string } }>('/v1/peers/:peerId', { config: ESSENTIAL }, async (req) => {
    const peer = deps.peer(req.params.peerId)
    if (peer === undefined) throw new ApiError('not_found', `no peer ${req.params.peerId} is known to this node`)
    return peer
  })

  app.get('/v1/coordinator', { config: ESSENTIAL }, async () => deps.coordinator())

  app.get('/v1/health', { config: ESSENTIAL }, async (_req, reply) => {
    const health = deps.health()
    return await reply.status(HEALTH_HTTP_STATUS[health.status]).send(health)
  })
  app.get('/v1/health/live', { config: ESSENTIAL }, async (_req, reply) => {
    const live = livenessOf(deps.health())
    return await reply.status(live.httpStatus).send(live.body)
  })
  app.get('/v1/health/ready', { config: ESSENTIAL }, async (_req, reply) => {
    const ready = readinessOf(deps.health())
    return await reply.status(ready.httpStatus).send(ready.body)
  })

  app.post('/v1/join', { config: ESSENTIAL }, async (req) => {
    requireToken(req, deps.apiToken())
    const parsed = joinBody.safeParse(req.body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const field = issue.path.length > 0 ? issue.path.join('.') : 'body'
      throw new ApiError('invalid_request', `${field}: ${issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message}`)
    }
    for (const [i, addr] of parsed.data.addrs.entries()) {
      try {
        checkTcpMultiaddr(addr, `addrs.${i}`, true)
      } catch (err) {
        if (err instanceof ConfigError) throw new ApiError('invalid_request', err.message, { cause: err })
        throw err
      }
    }
    return await deps.join(parsed.data.addrs)
  })
  app.post('/v1/leave', { config: ESSENTIAL }, async (req) => {
    requireToken(req, deps.apiToken())
    deps.leave()
    return { left: true }
  })

  registerAuditRoutes(app, deps.audit, { apiToken: deps.apiToken, sseHeartbeatMs: deps.sseHeartbeatMs, maxStreams: deps.events?.maxClients })
  registerEscalationRoutes(app, deps.escalations, { apiToken: deps.apiToken })
  if (deps.agents !== undefined) registerAgentRoutes(app, deps.agents, { apiToken: deps.apiToken })
  if (deps.services !== undefined) registerServiceRoutes(app, deps.services, { apiToken: deps.apiToken })
  const events = deps.events ?? { feed: new EventFeed({ sampleIntervalMs: 1000, sample: () => undefined, peer: () => undefined }), maxClients: 32 }
  registerEventRoutes(app, events.feed, { maxClients: events.maxClients, peerId: () => deps.node().peerId, heartbeatMs: deps.sseHeartbeatMs })
  registerUiRoutes(app, deps.uiDir)

  app.get('/metrics', { config: ESSENTIAL }, async (_req, reply) => {
    const m = await deps.metrics()
    return await reply.type(m.contentType).send(m.body)
  })
  app.get('/v1/openapi.json', { config: ESSENTIAL }, async () => openApiDocument(routes))

  return app
}

/**
 * Listens on `address` (`host:port`, the config's `api`; port 0 picks one) and returns the
 * `host:port` it listens on. A failure is the operator's: a ConfigError on `--api`.
 */
export async function listenApi (api: FastifyInstance, address: string): Promise<string> {
  const i = address.lastIndexOf(':')
  const host = address.slice(0, i)
  const port = Number(address.slice(i + 1))
  try {
    await api.listen({ host, port })
  } catch (err) {
    throw new ConfigError('--api', `cannot listen on ${address}: ${(err as Error).message}`, { cause: err })
  }
  const addr = api.server.address()
  return typeof addr === 'object' && addr !== null ? `${host}:${addr.port}` : address
}
