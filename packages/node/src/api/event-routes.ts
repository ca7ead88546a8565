/**
 * `GET /v1/events?types=…`: the node's events as Server-Sent Events (issue 19), for dashboards
 * and `kos monitor`. Each event has an id; a client that reconnects with `Last-Event-ID` first
 * gets what it missed, or a `reset` when that is gone (event-journal.ts decides which).
 *
 * What it costs the node is bounded: at most `maxClients` streams at once (one more is a 503), and
 * each may hold at most `maxBufferBytes` unsent: a client that reads slower than events come is
 * disconnected rather than buffered without end (it can reconnect and resume). The replay is
 * written whole, since the journal bounds it.
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { openSse } from './sse-stream.js'
import { API_ERRORS, type StreamHello, type StreamReset } from '@kos/client'
import { ApiError } from './errors.js'
import { eventFrame, frameWithId, frameWithoutId, parseTypes, wants, type JournalEntry } from './event-journal.js'
import type { EventFeed } from './event-feed.js'
import { ESSENTIAL } from './load-shedding.js'

export interface EventRouteOptions {
  /** Streams served at once (config `eventStreamMaxClients`). */
  maxClients: number
  /** This node's peer id, for `hello`. */
  peerId: () => string
  /** Unsent bytes one client may hold before it is dropped. @default 1 MiB */
  maxBufferBytes?: number
  /** Heartbeat comment period: keeps proxies from closing an idle stream, and finds dead clients. @default 15000 */
  heartbeatMs?: number
}

/**
 * 1 MiB: well over a second of the busiest stream (a sample of 40 members is about 8 KB a
 * second), yet `maxClients` slow clients together hold little.
 */
export const DEFAULT_MAX_BUFFER_BYTES = 1024 * 1024
/** How long a browser waits before reconnecting (the standard's `retry:`); the default of about 3 s is long for a dashboard. */
const RETRY_MS = 1000
/** Seconds a client refused for the cap should wait. */
const RETRY_AFTER_S = 5

/** The query of GET /v1/events; `types` is checked by parseTypes (event-journal.ts). */
export const eventsQuery = z.object({
  types: z.string().optional().describe('comma-separated nouns (member, coordinator, …) or whole types (member:dead); default every type but peers:sample'),
  lastEventId: z.string().max(128).optional().describe('the id to resume after, for a client that cannot send the Last-Event-ID header (a new EventSource); the header wins')
}).strict()

export function registerEventRoutes (app: FastifyInstance, feed: EventFeed, opts: EventRouteOptions): void {
  const maxBufferBytes = opts.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES
  const heartbeatMs = opts.heartbeatMs ?? 15_000
  const streams = new Set<() => void>()

  app.get('/v1/events', { config: ESSENTIAL }, (req, reply) => {
    const query = eventsQuery.safeParse(req.query ?? {})
    if (!query.success) {
      const issue = query.error.issues[0]
      if (issue?.code === 'unrecognized_keys') throw new ApiError('invalid_request', `${issue.keys.join(', ')}: unknown query parameter; known: types, lastEventId`)
      const field = String(issue?.path[0] ?? 'types')
      throw new ApiError('invalid_request', field === 'types' ? 'types: must be given once, comma-separated' : `${field}: must be given once, at most 128 characters`)
    }
    const parsed = parseTypes(query.data.types)
    if ('error' in parsed) throw new ApiError('invalid_request', `types: ${parsed.error}`)
    if (streams.size >= opts.maxClients) {
      const message = `this node already serves ${streams.size} event streams (eventStreamMaxClients); retry in ${RETRY_AFTER_S} s`
      return reply.status(API_ERRORS.overloaded.status).header('retry-after', String(RETRY_AFTER_S)).send({ error: { code: 'overloaded', message } })
    }
    const filter = parsed.filter
    // The header is what a browser sends when it reconnects by itself; a new EventSource cannot
    // set it, so a page that reopens its stream says where it was in the query.
    const header = req.headers['last-event-id']
    const decision = feed.journal.resume(typeof header === 'string' ? header.trim() : query.data.lastEventId)

    const stream = openSse(reply, { maxBufferBytes, heartbeatMs, streams, headers: { 'x-accel-buffering': 'no' } })
    // The journal is read and the listener added in one turn of the event loop: no event falls between.
    const hello = (resumed: boolean, replayed: number): string => JSON.stringify({ bootId: feed.journal.bootId, peerId: opts.peerId(), resumed, replayed } satisfies StreamHello)
    stream.begin(`retry: ${RETRY_MS}\n\n`)
    if (decision.kind === 'fresh') stream.begin(frameWithId(feed.journal.lastId, 'hello', hello(false, 0)))
    else if (decision.kind === 'reset') {
      stream.begin(frameWithoutId('hello', hello(false, 0)))
      stream.begin(frameWithId(feed.journal.lastId, 'reset', JSON.stringify({ reason: decision.reason, bootId: feed.journal.bootId } satisfies StreamReset)))
    } else {
      const missed = decision.entries.filter((e) => wants(filter, e.type))
      // No id on this hello: if the connection drops during the replay, the client resumes from
      // the last replayed event it got, not from the end.
      stream.begin(frameWithoutId('hello', hello(true, missed.length)))
      for (const e of missed) stream.begin(eventFrame(e))
    }
    stream.onClose(feed.subscribe((e: JournalEntry) => { if (wants(filter, e.type)) stream.write(eventFrame(e)) }))
    if (wants(filter, 'peers:sample')) stream.onClose(feed.subscribeSamples(stream.write))
  })

  // Open streams would hold the server's close forever: end them first.
  app.addHook('preClose', (done) => {
    for (const close of [...streams]) close()
    feed.close()
    done()
  })
}
