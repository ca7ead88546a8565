/**
 * What a web page can make a browser send to a node's API, against a real node over real HTTP
 * (issue 16, "Local API"): a rebinding page's Host, a cross-site text/plain POST, a call without
 * the token. The node answers 421, 415 and 401, and keeps running.
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { Cluster, type KosProcess } from '@kos/testkit'

/** A raw HTTP/1.1 request, so that Host and Content-Type are exactly what a browser would send. */
async function raw (node: KosProcess, method: string, path: string, headers: Record<string, string>, body = ''): Promise<number> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: node.apiPort, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: 10_000 }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('the local API against a web page', () => {
  const cluster = new Cluster()
  let node: KosProcess

  before(async () => {
    await cluster.init()
    node = await cluster.startNode({ name: 'guarded' })
  })
  after(async () => { await cluster.cleanup() })

  it('refuses a rebinding Host (421), a text/plain POST (415) and a tokenless leave (401), and stays up', async () => {
    assert.equal(await raw(node, 'POST', '/v1/leave', { host: 'evil.example', 'content-type': 'text/plain' }, 'x'), 421)
    assert.equal(await raw(node, 'GET', '/v1/audit', { host: 'evil.example:7070' }), 421)
    assert.equal(await raw(node, 'POST', '/v1/leave', { host: `127.0.0.1:${node.apiPort}`, 'content-type': 'text/plain' }, 'x'), 415)
    assert.equal(await raw(node, 'POST', '/v1/leave', { host: `127.0.0.1:${node.apiPort}`, 'content-type': 'application/json' }, '{}'), 401)
    assert.equal(await raw(node, 'POST', '/v1/join', { host: `localhost:${node.apiPort}`, 'content-type': 'application/json' }, '{"addrs":["/ip4/127.0.0.1/tcp/1"]}'), 401)
    assert.equal(await raw(node, 'GET', '/v1/node', { host: `localhost:${node.apiPort}` }), 200)
    assert.equal(node.running, true)
  })
})
