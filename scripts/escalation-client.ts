/**
 * The escalation benchmark's client of the node's escalation API (bench-escalation.ts): node:http
 * over keep-alive sockets, one pool per node, every request with a deadline. A benchmark that
 * polls every few ms cannot afford a new connection per poll; `closeClients()` frees the pools
 * so the process can exit.
 */
import { readFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import type { KosProcess } from '@kos/testkit'

const REQUEST_TIMEOUT_MS = 3000

interface Reply<T> { status: number, body: T }

const agents = new Map<number, Agent>()
function agentOf (n: KosProcess): Agent {
  let a = agents.get(n.apiPort)
  if (a === undefined) { a = new Agent({ keepAlive: true, maxSockets: 64 }); agents.set(n.apiPort, a) }
  return a
}

async function call<T> (n: KosProcess, method: 'GET' | 'POST', path: string, body?: unknown, tok?: string): Promise<Reply<T>> {
  return await new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string | number> = {}
    if (payload !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(payload) }
    if (tok !== undefined) headers.authorization = `Bearer ${tok}`
    const req = request({ host: '127.0.0.1', port: n.apiPort, path, method, agent: agentOf(n), headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: (text === '' ? undefined : JSON.parse(text)) as T })
        } catch (err) {
          reject(new Error(`${n.name} ${method} ${path}: ${res.statusCode} not JSON: ${text.slice(0, 200)} (${(err as Error).message})`))
        }
      })
      res.on('error', reject)
    })
    req.setTimeout(REQUEST_TIMEOUT_MS, () => { req.destroy(new Error(`${n.name} ${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)) })
    req.on('error', reject)
    req.end(payload)
  })
}

/** Closes every keep-alive pool. */
export function closeClients (): void {
  for (const a of agents.values()) a.destroy()
}

/** What the benchmark reads of an escalation (the API answers more). */
export interface View { id: string, status: string, deliveredTo: string | null }

/** The node's API token (`<data>/api-token`), which POSTs must carry. */
export async function token (n: KosProcess): Promise<string> {
  return (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
}

/** POSTs one ethics escalation; resolves to the id the node acknowledged, rejects otherwise. */
export async function escalate (n: KosProcess, tok: string, summary: string, id?: string): Promise<string> {
  const res = await call<{ id?: string }>(n, 'POST', '/v1/escalations', { ...(id === undefined ? {} : { id }), class: 'ethics', severity: 'error', subject: 'bench', summary }, tok)
  if (res.status !== 200 || typeof res.body?.id !== 'string') throw new Error(`${n.name} POST /v1/escalations: ${res.status} ${JSON.stringify(res.body)}`)
  if (id !== undefined && res.body.id !== id) throw new Error(`${n.name} POST /v1/escalations: asked for id ${id}, answered ${res.body.id}`)
  return res.body.id
}

/** The node's view of one escalation (whichever box holds it), or undefined on 404. */
export async function one (n: KosProcess, id: string): Promise<View | undefined> {
  const res = await call<View>(n, 'GET', `/v1/escalations/${encodeURIComponent(id)}`)
  if (res.status === 404) return undefined
  if (res.status !== 200) throw new Error(`${n.name} GET /v1/escalations/${id}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

/** The escalations in one of the node's boxes. */
export async function box (n: KosProcess, which: 'inbox' | 'outbox'): Promise<View[]> {
  const res = await call<{ escalations: View[] }>(n, 'GET', `/v1/escalations?box=${which}`)
  if (res.status !== 200) throw new Error(`${n.name} GET /v1/escalations?box=${which}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.escalations
}
