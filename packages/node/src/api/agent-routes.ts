/**
 * The agent routes (issue 6), registered by buildApi:
 * - `GET /v1/agents`, `GET /v1/agents/:id`: state, restarts, last exit, probe results, quarantine;
 * - `POST /v1/agents` (token): defines and starts an agent (the node config's `agents` schema);
 *   `DELETE /v1/agents/:id` (token) stops and forgets an API-defined one;
 * - `POST /v1/agents/:id/start|stop|restart` (token): operator control;
 * - `POST /v1/agents/:id/release` (token): lifts an ethics quarantine, if this node may (403 if not);
 * - `POST /v1/agents/:id/ethics` and `/errors`: the agent's own reports, with the node token or
 *   the agent's own `KOS_TOKEN` (so an agent can report but not release itself).
 * Under load shedding, defining, starting and restarting agents is refused (503): that is the
 * non-essential work; reading, stopping, releasing and the agents' reports always go through.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { agentSpecSchema } from '../config/agent-spec.js'
import type { AgentOperations } from '../healing/agent-operations.js'
import { authorized, requireToken as requireApiToken, TOKEN_HELP } from './api-token-check.js'
import { ApiError } from './errors.js'
import { ESSENTIAL } from './load-shedding.js'
import type { AgentsResponse } from '@kos/client'


export const ethicsBody = z.object({
  verdict: z.enum(['pass', 'violation', 'filter_error']),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  rule: z.string().min(1).max(256),
  details: z.record(z.string(), z.unknown()).optional()
}).strict()

export const errorsBody = z.object({
  count: z.number().int().min(1).max(1_000_000).default(1),
  message: z.string().max(4096).optional()
}).strict()

function parse<T> (schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {})
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const field = issue.path.length > 0 ? issue.path.join('.') : 'body'
  throw new ApiError('invalid_request', `${field}: ${issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message}`)
}

export function registerAgentRoutes (app: FastifyInstance, agents: AgentOperations, opts: { apiToken: () => string }): void {
  const requireToken = (req: FastifyRequest): void => {
    requireApiToken(req, opts.apiToken())
  }
  const requireReporter = (req: FastifyRequest, name: string): void => {
    if (authorized(req, opts.apiToken())) return
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    if (m === null || !agents.agentTokenMatches(name, m[1]!)) throw new ApiError('unauthorized', `${TOKEN_HELP}, or the agent's own KOS_TOKEN`)
  }
  const notFound = (name: string): ApiError => new ApiError('not_found', `no agent ${name} on this node`)

  app.get('/v1/agents', { config: ESSENTIAL }, async (): Promise<AgentsResponse> => ({ agents: agents.list() }))
  app.get<{ Params: { id: string } }>('/v1/agents/:id', { config: ESSENTIAL }, async (req) => {
    const info = agents.get(req.params.id)
    if (info === undefined) throw notFound(req.params.id)
    return info
  })

  app.post('/v1/agents', async (req, reply) => {
    requireToken(req)
    const spec = parse(agentSpecSchema, req.body)
    const defined = await agents.define(spec, req.body)
    if (defined === 'conflict') throw new ApiError('conflict', `an agent named ${spec.name} already runs on this node`)
    return await reply.status(201).send(defined)
  })
  app.delete<{ Params: { id: string } }>('/v1/agents/:id', { config: ESSENTIAL }, async (req) => {
    requireToken(req)
    const r = await agents.remove(req.params.id)
    if (r === 'not-found') throw notFound(req.params.id)
    if (r === 'config') throw new ApiError('conflict', `agent ${req.params.id} is defined in the node's config; remove it there`)
    if (r === 'service') throw new ApiError('conflict', `agent ${req.params.id} is an instance of a cluster service; remove the service (DELETE /v1/services/:name) or drain the node`)
    return { removed: req.params.id }
  })

  for (const action of ['start', 'stop', 'restart'] as const) {
    app.post<{ Params: { id: string } }>(`/v1/agents/:id/${action}`, action === 'stop' ? { config: ESSENTIAL } : {}, async (req) => {
      requireToken(req)
      const before = agents.get(req.params.id)
      if (before === undefined) throw notFound(req.params.id)
      if (before.state === 'quarantined' && action !== 'stop') {
        throw new ApiError('conflict', `agent ${req.params.id} is quarantined (${before.quarantine?.reason ?? 'ethics'}); a Junzi peer or the quarantining node must release it first`)
      }
      const after = await agents.control(req.params.id, action)
      if (after === undefined) throw notFound(req.params.id) // removed meanwhile
      return after
    })
  }

  app.post<{ Params: { id: string } }>('/v1/agents/:id/release', { config: ESSENTIAL }, async (req) => {
    requireToken(req)
    const r = agents.release(req.params.id)
    if (r === 'not-found') throw notFound(req.params.id)
    if (r === 'not-quarantined') throw new ApiError('conflict', `agent ${req.params.id} is not quarantined`)
    if (r === 'forbidden') throw new ApiError('forbidden', `only a designated Junzi peer or the node that quarantined agent ${req.params.id} may release it`)
    return { released: req.params.id }
  })

  app.post<{ Params: { id: string } }>('/v1/agents/:id/ethics', { config: ESSENTIAL }, async (req, reply) => {
    requireReporter(req, req.params.id)
    const report = parse(ethicsBody, req.body)
    if (!agents.ethics(req.params.id, report)) throw notFound(req.params.id)
    return await reply.status(202).send({ accepted: true })
  })
  app.post<{ Params: { id: string } }>('/v1/agents/:id/errors', { config: ESSENTIAL }, async (req, reply) => {
    requireReporter(req, req.params.id)
    const body = parse(errorsBody, req.body)
    if (!agents.errors(req.params.id, body.count)) throw notFound(req.params.id)
    return await reply.status(202).send({ accepted: true })
  })
}
