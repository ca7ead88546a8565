/**
 * A stand-in for a node's HTTP API on 127.0.0.1 (port 0): answers each route with canned JSON
 * and records what it received, so CLI tests exercise the real client over a real socket.
 */

import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A canned answer. `body` is sent as JSON unless `raw` is given, which is sent as is. */
export interface StubAnswer { status: number, body?: unknown, raw?: string }

/** A route that answers by itself (streams, odd chunking). Responses still open are destroyed by close(). */
export type StubHandler = (req: IncomingMessage, res: ServerResponse) => void

/** What the stub saw: one entry per request, in arrival order. */
export interface StubRequest { method: string, url: string, headers: IncomingMessage['headers'], body: string }

export interface StubApi {
  /** `127.0.0.1:<port>`, as `--api` takes it. */
  api: string
  requests: StubRequest[]
  /** Answers keyed `METHOD /path`; tests replace entries freely. Unknown routes get a 404 error body. */
  routes: Map<string, StubAnswer | 'hang' | StubHandler>
  close: () => Promise<void>
}

export async function startStubApi (routes: Record<string, StubAnswer | 'hang' | StubHandler>): Promise<StubApi> {
  const table = new Map(Object.entries(routes))
  const requests: StubRequest[] = []
  const hanging: ServerResponse[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => { chunks.push(chunk) })
    req.on('end', () => {
      const method = req.method ?? 'GET'
      const url = req.url ?? '/'
      requests.push({ method, url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      const answer = table.get(`${method} ${url}`)
      if (answer === 'hang') {
        // Never answer: the client's timeout must fire. Closed by close().
        hanging.push(res)
        return
      }
      if (typeof answer === 'function') {
        hanging.push(res)
        answer(req, res)
        return
      }
      const { status, body, raw } = answer ?? {
        status: 404,
        body: { error: { code: 'not_found', message: `no route ${method} ${url}` } }
      }
      res.writeHead(status, { 'content-type': raw === undefined ? 'application/json' : 'text/plain' })
      res.end(raw ?? JSON.stringify(body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    api: `127.0.0.1:${port}`,
    requests,
    routes: table,
    close: async () => {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve, reject) => server.close(err => { err === undefined ? resolve() : reject(err) }))
    }
  }
}

/** A loopback port nobody listens on: bound by the OS, then released. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  return port
}
