/**
 * The audit benchmark's client of the node's audit API (bench-audit.ts, audit-load.ts): the
 * node's API token, and POST /v1/audit with node:http over keep-alive sockets. `fetch` costs the
 * client several times the CPU per request, and the client shares the machine's 2 cores with
 * the nodes it measures.
 */
import { readFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import type { KosProcess } from '@kos/testkit'

export interface Appended { origin: string, seq: number, hash: string }

export async function token (n: KosProcess): Promise<string> {
  return (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
}

/** A function that appends one entry of `type` on `n` with `ack`, resolving to the entry's id. */
export function poster (n: KosProcess, tok: string, ack: string, type = 'bench:append'): (i: number) => Promise<Appended> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const path = `/v1/audit?ack=${ack}`
  return async (i) => await new Promise((resolve, reject) => {
    const payload = JSON.stringify({ class: 'operator', type, severity: 'info', subject: 'bench', details: { i } })
    const req = request({
      host: '127.0.0.1',
      port: n.apiPort,
      path,
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${tok}` }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`POST ${path}: ${res.statusCode} ${text}`))
        else resolve(JSON.parse(text) as Appended)
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}
