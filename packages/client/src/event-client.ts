/**
 * GET /v1/events as ApiClient.streamEvents gives it: one connection, its messages parsed. A
 * caller that wants to survive a drop (`kos monitor`, a dashboard) reconnects with the last id it
 * saw as `lastEventId`; the node then replays what was missed, or says `reset`.
 */

import type { StreamMessage } from './types.js'
import { ApiError } from './errors.js'
import { openSseStream } from './sse-stream.js'

export interface EventStreamOptions {
  /** Ends the stream quietly. */
  signal: AbortSignal
  /** Type prefixes (`member`, `coordinator:elected`); every type but `peers:sample` when absent. */
  types?: readonly string[]
  /** The id of the last event seen on an earlier connection, sent as `Last-Event-ID`. */
  lastEventId?: string
}

/** `/v1/events` with its query. */
export function eventsPath (types: readonly string[] | undefined): string {
  return types === undefined || types.length === 0 ? '/v1/events' : `/v1/events?types=${encodeURIComponent(types.join(','))}`
}

export async function * openEventStream (baseUrl: string, timeoutMs: number, opts: EventStreamOptions): AsyncGenerator<StreamMessage> {
  const headers = opts.lastEventId === undefined ? undefined : { 'last-event-id': opts.lastEventId }
  const events = openSseStream({ baseUrl, path: eventsPath(opts.types), headers, timeoutMs, signal: opts.signal, what: 'the event stream' })
  for await (const event of events) {
    yield { id: event.id ?? null, type: event.event as StreamMessage['type'], data: parseData(event.event, event.data) }
  }
}

function parseData (type: string, data: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch (err) {
    throw new ApiError(200, 'bad_response', `the event stream sent a ${type} event that is not JSON: ${data.slice(0, 80)}`, { cause: err })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(200, 'bad_response', `the event stream sent a ${type} event that is not an object: ${data.slice(0, 80)}`, { cause: value })
  }
  return value as Record<string, unknown>
}
