import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ApiClient, ApiError, NodeUnreachableError, UsageError } from '@kos/client'
import { healthWarning, joinPartial, node, peers } from './fixtures.js'
import { freePort, startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

describe('ApiClient', () => {
  let stub: StubApi
  let client: ApiClient

  before(async () => {
    stub = await startStubApi({
      'GET /v1/node': { status: 200, body: node },
      'GET /v1/peers': { status: 200, body: peers },
      'GET /v1/health': { status: 429, body: healthWarning },
      'POST /v1/join': { status: 200, body: joinPartial },
      'POST /v1/leave': { status: 200, body: { left: true } },
      'GET /v1/peers/slow': 'hang'
    })
    client = new ApiClient({ api: stub.api })
  })
  after(async () => { await stub.close() })

  it('accepts host:port and http:// URLs alike', () => {
    assert.equal(client.baseUrl, `http://${stub.api}`)
    assert.equal(new ApiClient({ api: `http://${stub.api}/` }).baseUrl, `http://${stub.api}`)
  })

  it('returns the API bodies unchanged', async () => {
    assert.deepEqual(await client.node(), node)
    assert.deepEqual(await client.peers(), peers)
  })

  it('treats a 429 from /v1/health as an answer, not an error', async () => {
    assert.deepEqual(await client.health(), { httpStatus: 429, body: healthWarning })
  })

  it('turns an error body into an ApiError with the status, code and message', async () => {
    await assert.rejects(client.peer('nobody'), (err: unknown) => {
      assert.ok(err instanceof ApiError)
      assert.equal(err.name, 'ApiError')
      assert.equal(err.status, 404)
      assert.equal(err.code, 'not_found')
      assert.equal(err.message, 'no route GET /v1/peers/nobody')
      assert.deepEqual(err.cause, { error: { code: 'not_found', message: 'no route GET /v1/peers/nobody' } })
      return true
    })
  })

  it('escapes the peer id in the path', async () => {
    await assert.rejects(client.peer('a/b c'), ApiError)
    assert.equal(stub.requests.at(-1)?.url, '/v1/peers/a%2Fb%20c')
  })

  it('reports a body that is not JSON as bad_response, with the parse error as cause', async () => {
    stub.routes.set('GET /v1/node', { status: 200, raw: 'hello, not json' })
    try {
      await assert.rejects(client.node(), (err: unknown) => {
        assert.ok(err instanceof ApiError)
        assert.equal(err.code, 'bad_response')
        assert.equal(err.status, 200)
        assert.ok(err.cause instanceof SyntaxError)
        return true
      })
    } finally {
      stub.routes.set('GET /v1/node', { status: 200, body: node })
    }
  })

  it('sends the join addrs as a JSON body, with the token', async () => {
    const addrs = ['/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWA', '/ip4/10.0.0.9/tcp/4001']
    assert.deepEqual(await client.join(addrs, 'tok'), joinPartial)
    const request = stub.requests.at(-1)
    assert.equal(request?.method, 'POST')
    assert.equal(request?.headers['content-type'], 'application/json')
    assert.equal(request?.headers.authorization, 'Bearer tok')
    assert.deepEqual(JSON.parse(request?.body ?? ''), { addrs })
  })

  it('sends leave as JSON with an empty object, with the token: the node refuses any other type', async () => {
    assert.deepEqual(await client.leave('tok'), { left: true })
    const request = stub.requests.at(-1)
    assert.equal(request?.url, '/v1/leave')
    assert.equal(request?.body, '{}')
    assert.equal(request?.headers['content-type'], 'application/json')
    assert.equal(request?.headers.authorization, 'Bearer tok')
  })

  it('sends no body or content-type with a GET', async () => {
    await client.node()
    const request = stub.requests.at(-1)
    assert.equal(request?.method, 'GET')
    assert.equal(request?.body, '')
    assert.equal(request?.headers['content-type'], undefined)
  })

  it('reports a refused connection as NodeUnreachableError naming the URL and the fix', async () => {
    const port = await freePort()
    const unreachable = new ApiClient({ api: `127.0.0.1:${port}` })
    await assert.rejects(unreachable.node(), (err: unknown) => {
      assert.ok(err instanceof NodeUnreachableError)
      assert.equal(err.name, 'NodeUnreachableError')
      assert.equal(err.url, `http://127.0.0.1:${port}`)
      const start = `^cannot reach the kOS node API at http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`
      assert.match(err.message, new RegExp(start))
      assert.match(err.message, /is the node running\? start one with "kos start", or pass --api host:port/)
      assert.ok(err.cause instanceof Error)
      return true
    })
  })

  it('explains the ports fetch refuses to use', async () => {
    await assert.rejects(new ApiClient({ api: '127.0.0.1:1' }).node(), (err: unknown) => {
      assert.ok(err instanceof NodeUnreachableError)
      assert.match(err.message, /at http:\/\/127\.0\.0\.1:1: fetch refuses to connect to this port/)
      return true
    })
  })

  it('gives up on a node that does not answer within timeoutMs', async () => {
    const impatient = new ApiClient({ api: stub.api, timeoutMs: 50 })
    await assert.rejects(impatient.peer('slow'), (err: unknown) => {
      assert.ok(err instanceof NodeUnreachableError)
      assert.match(err.message, /no answer within 50 ms/)
      return true
    })
  })

  it('rejects a malformed address before sending anything', () => {
    assert.throws(() => new ApiClient({ api: 'nope' }), UsageError)
    assert.throws(() => new ApiClient({ api: stub.api, timeoutMs: 0 }), RangeError)
  })
})
