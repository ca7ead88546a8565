/**
 * One Server-Sent Events response, as both streams of the API (`/v1/events`, `/v1/audit/stream`)
 * serve them: taken over from fastify, kept alive by comment heartbeats, and bounded: a client
 * with more than `maxBufferBytes` unsent (it reads slower than events come) is dropped rather
 * than grown without end. `close` undoes everything once, whoever calls it first (the client
 * going away, the bound, the server closing); `streams` holds the open ones' closes, so a route
 * can count them and end them all when the server closes.
 */
import type { FastifyReply } from 'fastify'

export interface SseStream {
  /** Writes one frame, or drops the client past the bound. */
  write: (chunk: string) => void
  /** Writes what the stream begins with (its hello, a replay the client asked for), whatever waits unsent. */
  begin: (chunk: string) => void
  close: () => void
  /** Runs `fn` when the stream closes (unsubscribe from what feeds it). */
  onClose: (fn: () => void) => void
}

export interface SseOptions {
  maxBufferBytes: number
  heartbeatMs: number
  /** The open streams' closes, shared by one route. */
  streams: Set<() => void>
  /** Extra response headers. */
  headers?: Record<string, string>
}

export function openSse (reply: FastifyReply, o: SseOptions): SseStream {
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...o.headers })
  const cleanups: Array<() => void> = []
  let closed = false
  const close = (): void => {
    if (closed) return
    closed = true
    clearInterval(heartbeat)
    for (const fn of cleanups) fn()
    o.streams.delete(close)
    res.end()
  }
  const write = (chunk: string): void => {
    if (closed) return
    if (res.writableLength > o.maxBufferBytes) { close(); return }
    res.write(chunk)
  }
  const heartbeat = setInterval(() => { write(': heartbeat\n\n') }, o.heartbeatMs)
  heartbeat.unref()
  o.streams.add(close)
  res.on('close', close)
  const begin = (chunk: string): void => { if (!closed) res.write(chunk) }
  return { write, begin, close, onClose: (fn) => { if (closed) fn(); else cleanups.push(fn) } }
}
