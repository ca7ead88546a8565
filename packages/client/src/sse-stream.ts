/**
 * Opens a Server-Sent Events route of the API and yields its events as they arrive, for the
 * streams of ApiClient (GET /v1/audit/stream, GET /v1/events). It ends quietly when `signal`
 * aborts or the node ends the stream; `timeoutMs` bounds only the wait for the response headers,
 * since a stream may be idle (but for heartbeat comments) for as long as nothing happens.
 */

import { describeFetchFailure, toApiError } from './client.js'
import { NodeUnreachableError } from './errors.js'
import { SseParser, type SseEvent } from './sse.js'

export interface SseRequest {
  baseUrl: string
  /** The path and query, e.g. `/v1/events?types=member`. */
  path: string
  /** Extra request headers (`last-event-id`). */
  headers?: Record<string, string>
  timeoutMs: number
  signal: AbortSignal
  /** What the stream is, for the error when it breaks: `the audit stream`. */
  what: string
}

export async function * openSseStream (req: SseRequest): AsyncGenerator<SseEvent> {
  const { baseUrl, timeoutMs, signal } = req
  if (signal.aborted) return
  const controller = new AbortController()
  const onAbort = (): void => { controller.abort(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; controller.abort() }, timeoutMs)
  try {
    let res: Response
    try {
      res = await fetch(`${baseUrl}${req.path}`, {
        headers: { accept: 'text/event-stream', ...req.headers },
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
          throw new NodeUnreachableError(baseUrl, `${req.what} broke: ${describeFetchFailure(err, timeoutMs)}`, { cause: err })
        }
        const events = chunk.done
          ? parser.push(decoder.decode()).concat(parser.end())
          : parser.push(decoder.decode(chunk.value, { stream: true }))
        for (const event of events) {
          yield event
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
