import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runCli } from '../src/program.js'
import { captureIo } from './capture-io.js'
import { joinPartial } from './fixtures.js'
import { startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

const ADDRS = ['/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWAlpha', '/ip4/10.0.0.9/tcp/4001']

// join and leave change the cluster, so they send the node's API token; here it comes from KOS_TOKEN.
before(() => { process.env.KOS_TOKEN = 'tok' })
after(() => { delete process.env.KOS_TOKEN })

describe('kos join', () => {
  let stub: StubApi

  before(async () => {
    stub = await startStubApi({ 'POST /v1/join': { status: 200, body: joinPartial } })
  })
  after(async () => { await stub.close() })

  it('sends the addrs in the body and reports the count and each error', async () => {
    const io = captureIo()
    assert.equal(await runCli(['join', ...ADDRS, '--api', stub.api], io), 0)
    const request = stub.requests.at(-1)
    assert.equal(request?.method, 'POST')
    assert.equal(request?.url, '/v1/join')
    assert.equal(request?.headers.authorization, 'Bearer tok')
    assert.deepEqual(JSON.parse(request?.body ?? ''), { addrs: ADDRS })
    assert.deepEqual(io.stdout, ['joined 1 of 2 addresses'])
    assert.deepEqual(io.stderr, ['error: /ip4/10.0.0.9/tcp/4001: connection refused'])
  })

  it('exits 1 when no address worked', async () => {
    stub.routes.set('POST /v1/join', { status: 200, body: { joined: 0, errors: [{ addr: ADDRS[0], message: 'timeout' }] } })
    try {
      const io = captureIo()
      assert.equal(await runCli(['join', ADDRS[0] ?? '', '--api', stub.api], io), 1)
      assert.deepEqual(io.stdout, ['joined 0 of 1 address'])
    } finally {
      stub.routes.set('POST /v1/join', { status: 200, body: joinPartial })
    }
  })

  it('prints the API JSON with --json', async () => {
    const io = captureIo()
    assert.equal(await runCli(['join', '--json', ...ADDRS, '--api', stub.api], io), 0)
    assert.deepEqual(JSON.parse(io.outText()), joinPartial)
    assert.deepEqual(io.stderr, [])
  })

  it('exits 2 without an address, or for host:port instead of a multiaddr', async () => {
    const sent = stub.requests.length
    const none = captureIo()
    assert.equal(await runCli(['join', '--api', stub.api], none), 2)
    assert.match(none.errText(), /missing required argument 'multiaddr'/)
    const hostPort = captureIo()
    assert.equal(await runCli(['join', '10.0.0.2:4001', '--api', stub.api], hostPort), 2)
    assert.match(hostPort.errText(), /"10\.0\.0\.2:4001" is not a multiaddr/)
    assert.equal(stub.requests.length, sent)
  })
})

describe('kos leave', () => {
  let stub: StubApi

  before(async () => {
    stub = await startStubApi({ 'POST /v1/leave': { status: 200, body: { left: true } } })
  })
  after(async () => { await stub.close() })

  it('asks the node to leave', async () => {
    const io = captureIo()
    assert.equal(await runCli(['leave', '--api', stub.api], io), 0)
    assert.equal(stub.requests.at(-1)?.url, '/v1/leave')
    assert.equal(stub.requests.at(-1)?.headers.authorization, 'Bearer tok')
    assert.deepEqual(io.stdout, ['the node is leaving the cluster; it stops once its peers know'])
  })

  it('exits 2 naming where the token comes from when there is none, before sending anything', async () => {
    const sent = stub.requests.length
    const io = captureIo()
    assert.equal(await runCli(['leave', '--api', stub.api, '--token-file', '/nonexistent/api-token'], io), 2)
    assert.match(io.errText(), /--token-file \/nonexistent\/api-token/)
    assert.equal(stub.requests.length, sent)
  })

  it('prints the API JSON with --json', async () => {
    const io = captureIo()
    assert.equal(await runCli(['leave', '--json', '--api', stub.api], io), 0)
    assert.deepEqual(JSON.parse(io.outText()), { left: true })
  })

  it('exits 1 with the API message when the node refuses', async () => {
    stub.routes.set('POST /v1/leave', {
      status: 503,
      body: { error: { code: 'unavailable', message: 'the node is already leaving' } }
    })
    const io = captureIo()
    assert.equal(await runCli(['leave', '--api', stub.api], io), 1)
    assert.deepEqual(io.stderr, ['error: the node is already leaving (unavailable, HTTP 503)'])
  })
})
