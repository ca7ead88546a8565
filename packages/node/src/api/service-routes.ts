/**
 * The cluster-service routes (issue 18), registered by buildApi:
 * - `GET /v1/services`, `GET /v1/services/:name`: the desired services with their instances and
 *   status, as this node sees the cluster;
 * - `POST /v1/services` (token): defines or updates a service, through the coordinator, which
 *   answers once a quorum holds the definition (503 `no_coordinator` without one: nothing stored);
 * - `DELETE /v1/services/:name` (token): removes one; its instances stop;
 * - `POST /v1/drain` (token) `{ node?, undo? }`: moves a node's instances elsewhere (this node's
 *   by default), each successor ready before the old one stops; `undo: true` ends the drain.
 * Reading is essential; changing the desired state is shed under load like defining an agent.
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { API_ERRORS, type ApiErrorCode, type DrainResponse, type ServiceInfo, type ServicesResponse } from '@kos/client'
import { serviceSpecSchema, type ServiceSpec } from '../services/service-spec.js'
import { requireToken } from './api-token-check.js'
import { ApiError } from './errors.js'
import { ESSENTIAL } from './load-shedding.js'
import { peerIdString } from '@kos/core'

/** What the routes need (the node's placement service; a stub in tests). */
export interface ServicesApi {
  list: () => ServiceInfo[]
  get: (name: string) => ServiceInfo | undefined
  define: (spec: ServiceSpec) => Promise<{ code: string, message: string }>
  remove: (name: string) => Promise<{ code: string, message: string }>
  drain: (node: string, draining: boolean) => Promise<{ code: string, message: string }>
  selfId: () => string
}

export const drainBody = z.object({
  /** The peer id of the node to drain; this node if absent. */
  node: peerIdString.optional(),
  undo: z.boolean().default(false)
}).strict()

function parse<T> (schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {})
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const field = issue.path.length > 0 ? issue.path.join('.') : 'body'
  throw new ApiError('invalid_request', `${field}: ${issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message}`)
}

/** A result from the coordinator as an API error, unless it is `ok`. */
function check (r: { code: string, message: string }): void {
  if (r.code === 'ok') return
  const code: ApiErrorCode = r.code in API_ERRORS ? r.code as ApiErrorCode : 'internal'
  throw new ApiError(code, r.message)
}

export function registerServiceRoutes (app: FastifyInstance, services: ServicesApi, opts: { apiToken: () => string }): void {
  app.get('/v1/services', { config: ESSENTIAL }, async (): Promise<ServicesResponse> => ({ services: services.list() }))
  app.get<{ Params: { name: string } }>('/v1/services/:name', { config: ESSENTIAL }, async (req) => {
    const info = services.get(req.params.name)
    if (info === undefined) throw new ApiError('not_found', `no service ${req.params.name}`)
    return info
  })
  app.post('/v1/services', async (req, reply) => {
    requireToken(req, opts.apiToken())
    const spec = parse(serviceSpecSchema, req.body)
    check(await services.define(spec))
    const info: ServiceInfo = services.get(spec.name) ?? { name: spec.name, replicas: spec.replicas, spread: spec.spread, status: 'under-replicated', instances: [] }
    return await reply.status(201).send(info)
  })
  app.delete<{ Params: { name: string } }>('/v1/services/:name', { config: ESSENTIAL }, async (req) => {
    requireToken(req, opts.apiToken())
    check(await services.remove(req.params.name))
    return { removed: req.params.name }
  })
  app.post('/v1/drain', { config: ESSENTIAL }, async (req): Promise<DrainResponse> => {
    requireToken(req, opts.apiToken())
    const body = parse(drainBody, req.body)
    const node = body.node ?? services.selfId()
    check(await services.drain(node, !body.undo))
    return { node, draining: !body.undo }
  })
}
