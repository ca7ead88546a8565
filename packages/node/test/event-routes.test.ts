/**
 * GET /v1/events over a real loopback socket (an SSE stream does not end, so `inject` cannot read
 * it): hello and ids, the types filter and its 400s, resuming with Last-Event-ID (exactly the
 * missed events), resets, the cap on streams, samples, and a client that stops reading being
 * dropped at its buffer bound while a reading one gets everything.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { get, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { SseParser, type PeersSample } from '@kos/client'
import { buildApi } from '../src/api/server.js'
import { EventFeed } from '../src/api/event-feed.js'
import { registerEventRoutes } from '../src/api/event-routes.js'
import { stubApiDeps } from './helpers/api-deps.js'

interface Msg { id?: string, type: string, data: Record<string, unknown> }

interface Stream {
  status: number
  headers: IncomingMessage['headers']
  messages: Msg[]
  body: string
  ended: boolean
  close: () => void
}

const SAMPLE: PeersSample = {
  at: '2026-01-01T00:00:00.000Z',
  self: { peerId: 'self', name: 'a', role: 'member', state: 'alive', phi: null, lastHeartbeatAgeMs: null, mode: 'normal', cpuPercent: 1, rssBytes: 1 },
  peers: [],
  health: { status: 'passing', mode: 'normal', checks: [] }
}

function feed (capacity = 64): EventFeed {
  return new EventFeed({ capacity, bootId: 'b00t', sampleIntervalMs: 60_000, sample: () => SAMPLE, peer: () => undefined })
}

async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** Opens `path` and collects what arrives until closed. */
async function open (host: string, path: string, headers: Record<string, string> = {}): Promise<Stream> {
  return await new Promise((resolve, reject) => {
    const req = get(`http://${host}${path}`, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const parser = new SseParser()
      const stream: Stream = { status: res.statusCode ?? 0, headers: res.headers, messages: [], body: '', ended: false, close: () => { req.destroy() } }
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        stream.body += chunk
        for (const e of parser.push(chunk)) stream.messages.push({ ...(e.id === undefined ? {} : { id: e.id }), type: e.event, data: JSON.parse(e.data) as Record<string, unknown> })
      })
      res.on('end', () => { stream.ended = true })
      res.on('error', () => { stream.ended = true })
      resolve(stream)
    })
    req.on('error', reject)
  })
}

async function until (what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const events = (s: Stream): Msg[] => s.messages.filter((m) => m.type !== 'hello' && m.type !== 'reset')

describe('GET /v1/events', () => {
  const apps: FastifyInstance[] = []
  after(async () => { for (const app of apps) await app.close() })

  async function serve (f: EventFeed, maxClients = 8): Promise<string> {
    const app = buildApi(stubApiDeps({ events: { feed: f, maxClients } }))
    apps.push(app)
    return await listen(app)
  }

  it('says hello with where the stream stands, then sends each event with its id, type and JSON data', async () => {
    const f = feed()
    f.publish('node:mode', { from: 'normal', to: 'degraded', causes: [] })
    const host = await serve(f)
    const s = await open(host, '/v1/events')
    assert.equal(s.status, 200)
    assert.match(String(s.headers['content-type']), /^text\/event-stream/)
    await until('hello', () => s.messages.length >= 1)
    assert.deepEqual(s.messages[0], { id: 'b00t-1', type: 'hello', data: { bootId: 'b00t', peerId: 'self', resumed: false, replayed: 0 } })
    assert.match(s.body, /^retry: \d+\n\n/)
    f.publish('member:dead', { member: { peerId: 'p' } })
    await until('the event', () => events(s).length === 1)
    assert.deepEqual(events(s)[0], { id: 'b00t-2', type: 'member:dead', data: { member: { peerId: 'p' } } })
    s.close()
  })

  it('filters by ?types=, and refuses an unknown type or parameter with a 400 naming it', async () => {
    const f = feed()
    const host = await serve(f)
    const s = await open(host, '/v1/events?types=member,coordinator:elected')
    await until('hello', () => s.messages.length >= 1)
    f.publish('audit:entry', { seq: 1 })
    f.publish('coordinator:lost', { previous: 'x', term: 1 })
    f.publish('coordinator:elected', { coordinatorId: 'x', term: 2 })
    f.publish('member:suspect', { member: { peerId: 'p' } })
    await until('two events', () => events(s).length === 2)
    assert.deepEqual(events(s).map((m) => [m.id, m.type]), [['b00t-3', 'coordinator:elected'], ['b00t-4', 'member:suspect']])
    s.close()
    for (const [path, field] of [['/v1/events?types=member,gossip', 'types'], ['/v1/events?types=', 'types'], ['/v1/events?since=1', 'since'], ['/v1/events?types=a&types=b', 'types'], ['/v1/events?lastEventId=a&lastEventId=b', 'lastEventId']]) {
      const bad = await open(host, path!)
      await until('the answer', () => bad.ended)
      assert.equal(bad.status, 400, path)
      const body = JSON.parse(bad.body) as { error: { code: string, message: string } }
      assert.equal(body.error.code, 'invalid_request')
      assert.ok(body.error.message.startsWith(`${field}: `), body.error.message)
    }
  })

  it('resumed with Last-Event-ID, sends exactly the events missed (filtered), then the live ones', async () => {
    const f = feed()
    const host = await serve(f)
    const first = await open(host, '/v1/events?types=member,audit')
    await until('hello', () => first.messages.length >= 1)
    for (let i = 1; i <= 3; i++) f.publish('member:alive', { n: i })
    await until('three events', () => events(first).length === 3)
    const last = events(first).at(-1)!.id!
    first.close()
    await until('the first stream to be gone', () => f.clients === 0)

    f.publish('member:dead', { n: 4 })
    f.publish('coordinator:lost', { n: 5 }) // filtered out
    f.publish('audit:entry', { n: 6 })
    const again = await open(host, '/v1/events?types=member,audit', { 'last-event-id': last })
    await until('hello and the replay', () => again.messages.length >= 3)
    assert.deepEqual(again.messages[0], { type: 'hello', data: { bootId: 'b00t', peerId: 'self', resumed: true, replayed: 2 } })
    f.publish('member:alive', { n: 7 })
    await until('the live event', () => events(again).length === 3)
    assert.deepEqual(events(again).map((m) => [m.id, m.type, m.data.n]), [['b00t-4', 'member:dead', 4], ['b00t-6', 'audit:entry', 6], ['b00t-7', 'member:alive', 7]])
    again.close()
  })

  it('takes ?lastEventId= from a client that cannot send the header (a new EventSource); the header wins', async () => {
    const f = feed()
    const host = await serve(f)
    for (let i = 1; i <= 4; i++) f.publish('member:alive', { n: i })
    const byQuery = await open(host, '/v1/events?lastEventId=b00t-2')
    await until('the replay', () => events(byQuery).length === 2)
    assert.deepEqual(events(byQuery).map((m) => m.id), ['b00t-3', 'b00t-4'])
    const both = await open(host, '/v1/events?lastEventId=b00t-2', { 'last-event-id': 'b00t-3' })
    await until('the replay', () => events(both).length === 1)
    assert.equal(events(both)[0]!.id, 'b00t-4')
    byQuery.close()
    both.close()
  })

  it('resets a client whose Last-Event-ID is gone or from another process', async () => {
    const f = feed(4)
    const host = await serve(f)
    for (let i = 0; i < 10; i++) f.publish('member:alive', { n: i })
    for (const [id, why] of [['b00t-3', /no longer held/], ['0ther-9', /restarted/]] as const) {
      const s = await open(host, '/v1/events', { 'last-event-id': id })
      await until('hello and reset', () => s.messages.length >= 2)
      assert.equal(s.messages[0]!.type, 'hello')
      assert.equal(s.messages[0]!.data.resumed, false)
      assert.equal(s.messages[1]!.type, 'reset')
      assert.equal(s.messages[1]!.id, 'b00t-10', 'the reset says where the stream stands now')
      assert.match(String(s.messages[1]!.data.reason), why)
      assert.equal(events(s).length, 0)
      s.close()
    }
  })

  it('sends peers:sample at once and without an id, only to a client that asks for it', async () => {
    const f = feed()
    const host = await serve(f)
    const plain = await open(host, '/v1/events')
    const sampled = await open(host, '/v1/events?types=peers')
    await until('the sample', () => sampled.messages.some((m) => m.type === 'peers:sample'))
    const sample = sampled.messages.find((m) => m.type === 'peers:sample')!
    assert.equal(sample.id, undefined)
    assert.deepEqual(sample.data, SAMPLE)
    await until('hello', () => plain.messages.length >= 1)
    assert.equal(plain.messages.some((m) => m.type === 'peers:sample'), false)
    plain.close()
    sampled.close()
  })

  it('serves at most maxClients streams: one more is 503 overloaded with Retry-After, until one closes', async () => {
    const f = feed()
    const host = await serve(f, 2)
    const a = await open(host, '/v1/events')
    const b = await open(host, '/v1/events')
    const refused = await open(host, '/v1/events')
    await until('the refusal', () => refused.ended)
    assert.equal(refused.status, 503)
    assert.equal(refused.headers['retry-after'], '5')
    assert.match((JSON.parse(refused.body) as { error: { code: string, message: string } }).error.message, /eventStreamMaxClients/)
    a.close()
    await until('a slot', () => f.clients === 1)
    const c = await open(host, '/v1/events')
    assert.equal(c.status, 200)
    b.close()
    c.close()
  })

  it('drops a client that stops reading at its buffer bound, while one that reads gets every event', async () => {
    const f = feed()
    const app = Fastify()
    apps.push(app)
    const maxBufferBytes = 64 * 1024
    registerEventRoutes(app, f, { maxClients: 4, peerId: () => 'self', maxBufferBytes })
    const host = await listen(app)
    const reader = await open(host, '/v1/events')
    // The slow client: asks for the stream, then never reads; the kernel's buffers fill, then the node's.
    const [hostname, port] = host.split(':') as [string, string]
    const slow = connect(Number(port), hostname)
    slow.write(`GET /v1/events HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`)
    slow.pause()
    await until('both streams', () => f.clients === 2)

    const payload = { pad: 'x'.repeat(16 * 1024) }
    let published = 0
    // Far beyond any loopback socket buffers: without the bound, the node would hold all of it for the slow client.
    const limit = 256 * 1024 * 1024 / (16 * 1024)
    while (f.clients === 2 && published < limit) {
      // One event per turn of the event loop, as events come; the reader reads between them.
      f.publish('audit:entry', payload)
      published++
      await new Promise((resolve) => setImmediate(resolve))
      if (published % 16 === 0) await until('the reader to keep up', () => events(reader).length >= published - 16, 30_000)
    }
    assert.equal(f.clients, 1, `the slow client was not dropped after ${published} events of 16 KiB`)
    f.publish('member:dead', { last: true })
    await until('the reader to get everything', () => events(reader).length === published + 1, 30_000)
    assert.equal(reader.ended, false)
    slow.destroy()
    reader.close()
  })

  it('ends open streams when the API closes', async () => {
    const f = feed()
    const app = buildApi(stubApiDeps({ events: { feed: f, maxClients: 4 } }))
    const host = await listen(app)
    const s = await open(host, '/v1/events?types=peers')
    await until('hello', () => s.messages.length >= 1)
    await app.close()
    await until('the stream to end', () => s.ended)
    assert.equal(f.clients, 0)
  })
})
