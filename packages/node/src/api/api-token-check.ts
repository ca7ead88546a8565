/**
 * The bearer-token check of every route that changes anything. The token is compared in constant
 * time, so its bytes cannot be found one by one from response times.
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { ApiError } from './errors.js'

export const TOKEN_HELP = 'missing or wrong API token: send Authorization: Bearer <token> (the token is in <data>/api-token)'

export function authorized (req: FastifyRequest, token: string): boolean {
  const header = req.headers.authorization
  if (typeof header !== 'string' || token === '') return false
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (m === null) return false
  const given = Buffer.from(m[1] as string, 'utf8')
  const want = Buffer.from(token, 'utf8')
  return given.length === want.length && timingSafeEqual(given, want)
}

/** Throws 401 `unauthorized` unless the request carries `token`. */
export function requireToken (req: FastifyRequest, token: string): void {
  if (!authorized(req, token)) throw new ApiError('unauthorized', TOKEN_HELP)
}
