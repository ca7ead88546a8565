/**
 * What keeps a web page from driving the local API. A page the operator visits can send requests
 * to 127.0.0.1 in two ways, and each is closed here before any route runs:
 * - DNS rebinding: the page's own host name resolves to 127.0.0.1, so the browser sends the
 *   page's name as `Host`. Only loopback names and the configured API address are accepted;
 *   anything else gets 421 `misdirected_request`.
 * - Cross-site "simple" requests: a form or a no-cors fetch can POST `text/plain` or a form
 *   encoding without a CORS preflight, never `application/json`. So every request that is not a
 *   GET or HEAD must say `Content-Type: application/json`, or it gets 415, body or no body.
 * The token (routes that change anything need it) is the third line: these two keep a page from
 * reading or poking the API at all.
 */
import type { FastifyInstance } from 'fastify'
import { API_ERRORS, type ApiErrorCode } from '@kos/client'
import { isLoopbackHost } from '../config/api-exposure.js'

/** The host part of a Host header value: `[::1]:7070` → `::1`, `localhost:7070` → `localhost`. */
export function hostOf (header: string): string {
  const v = header.trim().toLowerCase()
  if (v.startsWith('[')) return v.slice(1, v.indexOf(']') === -1 ? undefined : v.indexOf(']'))
  const i = v.lastIndexOf(':')
  return i === -1 ? v : v.slice(0, i)
}

/** Whether a request with this Host header may reach the API, given the configured API addresses. */
export function hostAllowed (header: string | undefined, apiAddresses: readonly string[]): boolean {
  if (header === undefined || header === '') return false
  const host = hostOf(header)
  return isLoopbackHost(host) || apiAddresses.some((a) => hostOf(a) === host)
}

/** Whether a request must carry a JSON body type: everything but reads. */
function mutates (method: string): boolean {
  return method !== 'GET' && method !== 'HEAD'
}

function isJson (contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json'
}

export function registerRequestGuards (app: FastifyInstance, apiAddresses: () => readonly string[]): void {
  const refuse = (code: ApiErrorCode, message: string): { status: number, body: unknown } =>
    ({ status: API_ERRORS[code].status, body: { error: { code, message } } })
  app.addHook('onRequest', async (req, reply) => {
    let r: { status: number, body: unknown } | undefined
    if (!hostAllowed(req.headers.host, apiAddresses())) {
      r = refuse('misdirected_request', `Host ${JSON.stringify(req.headers.host ?? '')} is not this node's API address; use 127.0.0.1, localhost or the configured --api address`)
    } else if (mutates(req.method) && !isJson(req.headers['content-type'])) {
      r = refuse('unsupported_media_type', `${req.method} requests must send Content-Type: application/json (send {} when there is nothing to say)`)
    }
    if (r !== undefined) return await reply.status(r.status).send(r.body)
  })
}
