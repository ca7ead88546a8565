/**
 * The audit parts of ApiClient that need more than one request/response: the query string of
 * GET /v1/audit, and the Server-Sent Events tail of GET /v1/audit/stream.
 */

import type { AuditEntryView, AuditQueryParams } from './types.js'
import { describeFetchFailure, toApiError } from './client.js'
import { ApiError, NodeUnreachableError } from './errors.js'
import { SseParser } from './sse.js'

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
  if (signal.aborted) return
  const controller = new AbortController()
  const onAbort = (): void => { controller.abort(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; controller.abort() }, timeoutMs)
  try {
    let res: Response
    try {
      res = await fetch(`${baseUrl}/v1/audit/stream`, {
        headers: { accept: 'text/event-stream' },
        signal: controller.signal
      })
    } catch (err) {
      if (signal.aborted) return
      const reason = timedOut ? `no answer within ${timeoutMs} ms` : describeFetchFailure(err, timeoutMs)
      throw new NodeUnreachableError(baseUrl, reason, { cause: err })
    } finally {
      clearTimeout(timer)
    }
    if (res.status < 200 || res.status >= 300 || res.body === null) {
      const text = await res.text().catch(() => '')
      let json: unknown = null
      try { json = JSON.parse(text) } catch { /* toApiError says the body was not the API's */ }
      throw toApiError(res.status, json)
    }

    const parser = new SseParser()
    const decoder = new TextDecoder('utf-8')
    const reader = res.body.getReader()
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>
        try {
          chunk = await reader.read()
        } catch (err) {
          if (signal.aborted) return
          throw new NodeUnreachableError(baseUrl, `the audit stream broke: ${describeFetchFailure(err, timeoutMs)}`, { cause: err })
        }
        const events = chunk.done
          ? parser.push(decoder.decode()).concat(parser.end())
          : parser.push(decoder.decode(chunk.value, { stream: true }))
        for (const event of events) {
          if (event.event !== 'message') continue
          yield parseEntry(event.data)
          if (signal.aborted) return
        }
        if (chunk.done) return
      }
    } finally {
      await reader.cancel().catch(() => {})
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
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
