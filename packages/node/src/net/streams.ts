/**
 * Request/response over a libp2p stream: one length-prefixed request, one length-prefixed
 * response, with a deadline and a size limit on both sides.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import { lengthPrefixed } from './length-prefixed.js'
import { pipe } from 'it-pipe'
import type { KosLibp2p } from './host.js'

export interface RequestOptions {
  timeoutMs: number
  maxResponseBytes: number
}

async function firstMessage (source: AsyncIterable<{ subarray: () => Uint8Array }>): Promise<Uint8Array | undefined> {
  for await (const chunk of source) return chunk.subarray()
  return undefined
}

/** Sends one request on a new stream and reads one response. Rejects on timeout or error. */
export async function request (
  libp2p: KosLibp2p, target: PeerId | Multiaddr | Connection, protocol: string, body: Uint8Array, opts: RequestOptions
): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(opts.timeoutMs)
  let stream: Stream | undefined
  try {
    stream = 'newStream' in target
      ? await target.newStream(protocol, { signal })
      : await libp2p.dialProtocol(target, protocol, { signal })
    const s = stream
    const onAbort = (): void => { s.abort(new Error(`${protocol} timed out after ${opts.timeoutMs} ms`)) }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const response = await pipe(
        [body],
        lengthPrefixed,
        s,
        (source) => lp.decode(source, { maxDataLength: opts.maxResponseBytes }),
        firstMessage
      )
      if (response === undefined) throw new Error(`${protocol}: stream closed without a response`)
      return response
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  } catch (err) {
    stream?.abort(err as Error)
    throw err
  }
}

export type RequestHandler = (body: Uint8Array, remotePeer: PeerId) => Promise<Uint8Array>

/** Serves a request/response protocol; a handler error or oversized request aborts the stream. */
export async function handle (
  libp2p: KosLibp2p, protocol: string, handler: RequestHandler, opts: { maxRequestBytes: number, timeoutMs: number }
): Promise<void> {
  await libp2p.handle(protocol, ({ stream, connection }) => {
    const signal = AbortSignal.timeout(opts.timeoutMs)
    const onAbort = (): void => { stream.abort(new Error(`${protocol} handler timed out`)) }
    signal.addEventListener('abort', onAbort, { once: true })
    pipe(
      stream,
      (source) => lp.decode(source, { maxDataLength: opts.maxRequestBytes }),
      async function * (source) {
        const req = await firstMessage(source)
        if (req !== undefined) yield await handler(req, connection.remotePeer)
      },
      lengthPrefixed,
      stream
    ).catch((err: Error) => { stream.abort(err) })
      .finally(() => { signal.removeEventListener('abort', onAbort) })
  }, { runOnLimitedConnection: false })
}
