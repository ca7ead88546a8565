/**
 * The escalation routes (issue #5), registered by buildApi:
 * - `GET /v1/escalations?box=inbox|outbox&status=…` lists one box (default outbox), newest first;
 * - `GET /v1/escalations/:id` shows one, from whichever box holds it;
 * - `POST /v1/escalations` creates one (API token), answering `{ id, created }` once it is durable;
 * - `POST /v1/escalations/:id/ack` and `/resolve` (API token) are for an authority's operators:
 *   they advance the inbox item and the node tells the sender.
 * Bad input is a 400 naming the field; nothing is stored before the whole body is valid.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { escalationInputSchema, ESCALATION_STATUSES, type EscalationInput } from '@kos/core'
import { requireToken } from './api-token-check.js'
import { ApiError } from './errors.js'
import { ESSENTIAL } from './load-shedding.js'
import type { EscalationCreated, EscalationDetail, EscalationsResponse, EscalationView } from '@kos/client'

/** An item of either box, as the service holds it. */
export interface EscalationItemView {
  record: { id: string, class: string, severity: string, subject: string, summary: string, origin: string, createdAt: string, evidence: Array<{ origin: string, seq: number }> }
  status: string
  updatedAt: string
  deliveredTo?: string | null
  attempts?: number
  lastError?: string | null
  by?: string | null
  from?: string
}

/** What the routes need of escalation (the node's EscalationService; a stub in tests). */
export interface EscalationApi {
  self: () => string
  create: (input: EscalationInput) => Promise<EscalationCreated>
  list: (box: 'inbox' | 'outbox') => EscalationItemView[]
  get: (id: string) => { box: 'inbox' | 'outbox', item: EscalationItemView } | undefined
  /** Undefined when the inbox does not hold the id. */
  advance: (id: string, status: 'acked' | 'resolved') => Promise<EscalationItemView | undefined>
}

export const escalationListQuery = z.object({
  box: z.enum(['inbox', 'outbox']).optional(),
  status: z.enum(ESCALATION_STATUSES).optional()
}).strict()

function invalid (field: string, message: string): ApiError {
  return new ApiError('invalid_request', `${field}: ${message}`)
}

function firstIssue (error: z.ZodError): ApiError {
  const issue = error.issues[0]
  if (issue === undefined) return invalid('body', 'invalid')
  if (issue.code === 'unrecognized_keys') return invalid(issue.keys.join(', '), 'unknown field(s)')
  const field = issue.path.length > 0 ? issue.path.join('.') : 'body'
  return invalid(field, issue.message)
}

export function toView (box: 'inbox' | 'outbox', item: EscalationItemView, self: string): EscalationView {
  const r = item.record
  return {
    id: r.id,
    class: r.class as EscalationView['class'],
    severity: r.severity as EscalationView['severity'],
    subject: r.subject,
    summary: r.summary,
    origin: r.origin,
    status: item.status as EscalationView['status'],
    deliveredTo: box === 'outbox' ? item.deliveredTo ?? null : self,
    createdAt: r.createdAt
  }
}

function toDetail (box: 'inbox' | 'outbox', item: EscalationItemView, self: string): EscalationDetail {
  return {
    ...toView(box, item, self),
    box,
    evidence: item.record.evidence,
    attempts: box === 'outbox' ? item.attempts ?? 0 : null,
    lastError: box === 'outbox' ? item.lastError ?? null : null,
    by: box === 'outbox' ? item.by ?? null : item.from ?? null,
    updatedAt: item.updatedAt
  }
}

export function registerEscalationRoutes (app: FastifyInstance, esc: EscalationApi, opts: { apiToken: () => string }): void {
  const guard = (req: FastifyRequest): void => {
    requireToken(req, opts.apiToken())
  }

  app.get('/v1/escalations', { config: ESSENTIAL }, async (req): Promise<EscalationsResponse> => {
    const q = escalationListQuery.safeParse(req.query ?? {})
    if (!q.success) {
      const issue = q.error.issues[0]
      if (issue?.code === 'unrecognized_keys') throw invalid(issue.keys.join(', '), 'unknown query parameter; known: box, status')
      throw invalid(String(issue?.path[0] ?? 'query'), issue?.path[0] === 'box' ? 'must be inbox or outbox' : `must be one of ${ESCALATION_STATUSES.join(', ')}`)
    }
    const box = q.data.box ?? 'outbox'
    const self = esc.self()
    const items = esc.list(box).filter((i) => q.data.status === undefined || i.status === q.data.status)
    items.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt))
    return { escalations: items.map((i) => toView(box, i, self)) }
  })

  app.get<{ Params: { id: string } }>('/v1/escalations/:id', { config: ESSENTIAL }, async (req): Promise<EscalationDetail> => {
    const found = esc.get(req.params.id)
    if (found === undefined) throw new ApiError('not_found', `no escalation ${req.params.id} on this node`)
    return toDetail(found.box, found.item, esc.self())
  })

  app.post('/v1/escalations', { config: ESSENTIAL }, async (req): Promise<EscalationCreated> => {
    guard(req)
    const body = req.body
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'must be a JSON object')
    const parsed = escalationInputSchema.safeParse(body)
    if (!parsed.success) throw firstIssue(parsed.error)
    try {
      return await esc.create(parsed.data)
    } catch (err) {
      if (err instanceof Error && err.name === 'EscalationUnavailableError') throw new ApiError('escalation_unavailable', err.message, { cause: err })
      throw err
    }
  })

  for (const [verb, status] of [['ack', 'acked'], ['resolve', 'resolved']] as const) {
    app.post<{ Params: { id: string } }>(`/v1/escalations/:id/${verb}`, { config: ESSENTIAL }, async (req): Promise<EscalationDetail> => {
      guard(req)
      const item = await esc.advance(req.params.id, status)
      if (item === undefined) throw new ApiError('not_found', `no escalation ${req.params.id} in this node's inbox (only the authority that received it can ${verb} it)`)
      return toDetail('inbox', item, esc.self())
    })
  }
}
