/**
 * Load shedding (issues 6 and 15): while the node is overloaded (its own mode degraded or minimal,
 * a resource still past its exit level: ResourceMonitor.shedding), non-essential API work is
 * refused with 503 `overloaded` and a `Retry-After`, so what capacity is left goes to keeping the
 * node a trustworthy member: membership, the audit log and escalation are never shed.
 *
 * A route is essential only by declaring it, `{ config: ESSENTIAL }` in its options; an unmarked
 * route is shed. That default is the safe side for the node: a new route is work to be deferred
 * until someone argues otherwise in its options, where a reviewer sees it. The choices today:
 * - essential: membership and the node's own state (GET /v1/node, /v1/peers[/:id],
 *   /v1/coordinator, /v1/health[/live|/ready], /metrics, POST /v1/join, /v1/leave); the audit
 *   log (POST and GET /v1/audit, /v1/audit/stream): evidence is recorded and readable in an
 *   incident; the event stream (GET /v1/events), bounded by its own cap on clients, and the
 *   dashboard's files (GET /ui, /ui/*), served from memory: what an operator watches an
 *   incident with; escalation (every /v1/escalations route); agent control that relieves pressure or
 *   answers an authority (POST /v1/agents/:id/stop|release|ethics), and the cheap agent reads
 *   an operator needs to choose what to stop (GET /v1/agents, /v1/agents/:id).
 * - shed: GET /v1/audit/verify (re-hashes and checks the signature of every stored entry: the
 *   heaviest call in the API, and a check that can wait), starting or restarting agents (new
 *   work is exactly what a saturated node must refuse), and anything not marked.
 * Unknown routes are not shed: a 404 costs no more than a 503 and is the truer answer.
 *
 * The hook runs at `onRequest`, before the body is read or parsed, so a shed request costs
 * almost nothing. It may be registered after the routes (the node registers it on the app
 * `buildApi` returns): fastify binds hooks to routes when it becomes ready.
 */
import type { FastifyInstance } from 'fastify'
import { API_ERRORS } from '@kos/client'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Never shed by load shedding (api/load-shedding.ts). */
    essential?: boolean
  }
}

/** Route option marking a route essential: `app.get(url, { config: ESSENTIAL }, handler)`. */
export const ESSENTIAL = Object.freeze({ essential: true as const })

export interface LoadSheddingOptions {
  /** Asked on every request; must be cheap (read a field, no I/O). `reason` goes into the 503 message. */
  shedding: () => { active: boolean, reason: string }
  /** The `Retry-After` of a shed request, in whole seconds. */
  retryAfterSeconds: number
}

export function registerLoadShedding (app: FastifyInstance, opts: LoadSheddingOptions): void {
  const retryAfter = String(Math.max(1, Math.ceil(opts.retryAfterSeconds)))
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404 || req.routeOptions.config.essential === true) return
    const s = opts.shedding()
    if (!s.active) return
    const message = `the node is overloaded and sheds non-essential work (${s.reason}); retry in ${retryAfter} s`
    return await reply.status(API_ERRORS.overloaded.status).header('retry-after', retryAfter).send({ error: { code: 'overloaded', message } })
  })
}
