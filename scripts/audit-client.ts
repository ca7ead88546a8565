/**
 * The audit benchmark's HTTP clients (bench-audit.ts, audit-load.ts): the node's API token,
 * POST /v1/audit and /v1/audit/batch, and etcd's JSON gateway put, all through one code path:
 * node:http over keep-alive sockets, a JSON body, a JSON answer. `fetch` costs the client
 * several times the CPU per request, and the client shares the machine's 2 cores with the
 * servers it measures.
 */
import { readFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import type { KosProcess } from '@kos/testkit'

export interface Appended { origin: string, seq: number, hash: string }

/** The payload every benchmarked write carries: 200 bytes, in kOS details and as etcd's value. */
export const PAYLOAD = 'x'.repeat(200)

export async function token (n: KosProcess): Promise<string> {
  return (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
}

/** A function that POSTs `body(i)` as JSON to 127.0.0.1:`port` `path` and resolves with the parsed answer; any status but 200 rejects. */
export function jsonPoster<T> (port: number, path: string, headers: Record<string, string>, body: (i: number) => string): (i: number) => Promise<T> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  return async (i) => await new Promise((resolve, reject) => {
    const payload = body(i)
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`POST ${path}: ${res.statusCode} ${text.slice(0, 300)}`))
        else resolve(JSON.parse(text) as T)
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}

const entry = (type: string, i: number): object => ({ class: 'operator', type, severity: 'info', subject: 'bench', details: { i, data: PAYLOAD } })

/** A function that appends one entry of `type` on `n` with `ack`, resolving to the entry's id. */
export function poster (n: KosProcess, tok: string, ack: string, type = 'bench:append'): (i: number) => Promise<Appended> {
  return jsonPoster<Appended>(n.apiPort, `/v1/audit?ack=${ack}`, { authorization: `Bearer ${tok}` }, (i) => JSON.stringify(entry(type, i)))
}

/** A function that appends `size` entries in one POST /v1/audit/batch on `n` with `ack`. */
export function batchPoster (n: KosProcess, tok: string, ack: string, size: number): (i: number) => Promise<{ entries: Appended[] }> {
  return jsonPoster(n.apiPort, `/v1/audit/batch?ack=${ack}`, { authorization: `Bearer ${tok}` },
    (i) => JSON.stringify({ entries: Array.from({ length: size }, (_, k) => entry('bench:batch', i * size + k)) }))
}

/** A function that puts key `bench/<i>` with the 200-byte payload through etcd's v3 JSON gateway on `port`. */
export function etcdPutter (port: number): (i: number) => Promise<unknown> {
  const value = Buffer.from(PAYLOAD).toString('base64')
  return jsonPoster(port, '/v3/kv/put', {}, (i) => JSON.stringify({ key: Buffer.from(`bench/${i}`).toString('base64'), value }))
}
