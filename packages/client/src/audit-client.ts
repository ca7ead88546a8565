/**
 * The audit parts of ApiClient that need more than one request/response: the query string of
 * GET /v1/audit, and the Server-Sent Events tail of GET /v1/audit/stream.
 */

import type { AuditEntryView, AuditQueryParams } from './types.js'
import { ApiError } from './errors.js'
import { openSseStream } from './sse-stream.js'

/** The query keys GET /v1/audit takes, in the order they are sent. */
const QUERY_KEYS = ['origin', 'class', 'severity', 'since', 'until', 'limit', 'cursor'] as const

/** `?origin=…&class=…` for the params that are set; '' for none. */
export function auditQueryString (params: AuditQueryParams): string {
  const search = new URLSearchParams()
  for (const key of QUERY_KEYS) {
    const value = params[key]
    if (value !== undefined) search.set(key, String(value))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

/**
 * Opens GET /v1/audit/stream and yields each `data:` event as an AuditEntryView. Ends quietly when
 * `signal` aborts or the node ends the stream. `timeoutMs` bounds only the wait for the headers:
 * the stream itself may be idle (apart from heartbeats) for as long as nothing is appended.
 */
export async function * openAuditStream (baseUrl: string, timeoutMs: number, signal: AbortSignal): AsyncGenerator<AuditEntryView> {
  for await (const event of openSseStream({ baseUrl, path: '/v1/audit/stream', timeoutMs, signal, what: 'the audit stream' })) {
    if (event.event === 'message') yield parseEntry(event.data)
  }
}

function parseEntry (data: string): AuditEntryView {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch (err) {
    throw new ApiError(200, 'bad_response', `the audit stream sent an event that is not JSON: ${data.slice(0, 80)}`, { cause: err })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(200, 'bad_response', `the audit stream sent an event that is not an entry: ${data.slice(0, 80)}`, { cause: value })
  }
  return value as AuditEntryView
}
