import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { get, type ClientRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { EventFeed } from '../src/api/event-feed.js'
import { buildApi } from '../src/api/server.js'
import { stubApiDeps } from './helpers/api-deps.js'

describe('GET /v1/audit/stream', () => {
  let app: FastifyInstance
  let port = 0
  const open: ClientRequest[] = []

  before(async () => {
    const feed = new EventFeed({ capacity: 16, bootId: 'b00t', sampleIntervalMs: 60_000, sample: () => ({ members: [] }) as never, peer: () => undefined })
    app = buildApi(stubApiDeps({ events: { feed, maxClients: 2 } }))
    await app.listen({ host: '127.0.0.1', port: 0 })
    port = (app.server.address() as AddressInfo).port
  })
  after(async () => {
    for (const r of open) r.destroy()
    await app.close()
  })

  async function stream (): Promise<number> {
    return await new Promise((resolve, reject) => {
      const req = get({ host: '127.0.0.1', port, path: '/v1/audit/stream' }, (res) => { resolve(res.statusCode ?? 0) })
      req.on('error', reject)
      open.push(req)
    })
  }

  it('serves at most the configured number of streams at once; one more is a 503', async () => {
    assert.equal(await stream(), 200)
    assert.equal(await stream(), 200)
    assert.equal(await stream(), 503)
  })
})
