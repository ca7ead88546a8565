import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { describePeer, formatBreakers } from '../src/commands/peers.js'
import { runCli } from '../src/program.js'
import { captureIo } from './capture-io.js'
import { ALPHA_ID, alpha, bravo, peers } from './fixtures.js'
import { freePort, startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

describe('kos peers', () => {
  let stub: StubApi

  before(async () => {
    stub = await startStubApi({
      'GET /v1/peers': { status: 200, body: peers },
      [`GET /v1/peers/${ALPHA_ID}`]: { status: 200, body: alpha },
      'GET /v1/peers/12D3KooWNobody': {
        status: 404,
        body: { error: { code: 'not_found', message: 'no peer 12D3KooWNobody is known to this node' } }
      }
    })
  })
  after(async () => { await stub.close() })

  it('renders an aligned table sorted by name', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', '--api', stub.api], io), 0)
    assert.deepEqual(io.stderr, [])
    assert.deepEqual(io.stdout, [
      'NAME             PEER ID        ADDRESS                 STATE    PHI  LAST SEEN  ROLE    ZONE    CPU     MEM     MODE',
      'alpha            12D3Ko…ALPHA1  /ip4/10.0.0.2/tcp/4001  alive    0.4  850ms      archon  rack-1  3.3%    112MiB  normal',
      'bravo-long-name  12D3Ko…BRAVO2  /ip4/10.0.0.3/tcp/4001  suspect  9.9  3.2s       member  rack-2  120.0%  112MiB  degraded',
      'charlie          12D3Ko…CHRLI3  -                       dead     -    -          member  -       -       -       -'
    ])
  })

  it('starts every value at its header column', async () => {
    const io = captureIo()
    await runCli(['peers', '--api', stub.api], io)
    const [header = '', ...rows] = io.stdout
    const starts = [...header.matchAll(/\S+( \S+)*/g)].map(m => m.index)
    for (const row of rows) {
      for (const start of starts) assert.notEqual(row[start], ' ', `"${row}" has a value at column ${start}`)
      for (const start of starts.slice(1)) assert.equal(row.slice(start - 2, start), '  ')
    }
  })

  it('filters by --state', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', '--state', 'suspect', '--api', stub.api], io), 0)
    assert.equal(io.stdout.length, 2)
    assert.match(io.stdout[1] ?? '', /^bravo-long-name\s+12D3Ko…BRAVO2/)
  })

  it('rejects an unknown --state as a usage error', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', '--state', 'zombie', '--api', stub.api], io), 2)
    assert.match(io.errText(), /--state.*zombie.*alive, suspect, dead, left/s)
  })

  it('prints the API JSON with --json', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', '--json', '--api', stub.api], io), 0)
    assert.deepEqual(JSON.parse(io.outText()), peers)
    assert.equal(io.outText(), JSON.stringify(peers, null, 2))
  })

  it('applies --state to the JSON too', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', '--json', '--state', 'alive', '--api', stub.api], io), 0)
    assert.deepEqual(JSON.parse(io.outText()), { self: peers.self, peers: [alpha] })
  })

  it('shows one peer in detail', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', ALPHA_ID, '--api', stub.api], io), 0)
    assert.ok(io.stdout.includes(`Peer ID:      ${ALPHA_ID}`), io.outText())
    assert.ok(io.stdout.includes('Name:         alpha'))
    assert.ok(io.stdout.includes('Last seen:    850ms ago'))
    assert.ok(io.stdout.includes('Agents:       2/3 running, 1 failed, 0 quarantined'))
    assert.ok(io.stdout.includes('Breakers:     all closed'), io.outText())
  })

  it('names the breakers that are not closed in the detail view', () => {
    assert.ok(describePeer(bravo).includes('Breakers:     probe half-open, election open'), describePeer(bravo).join('\n'))
    assert.equal(formatBreakers(undefined), '-', 'a node without breakers in its answer')
  })

  it('prints one peer as JSON', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', ALPHA_ID, '--json', '--api', stub.api], io), 0)
    assert.deepEqual(JSON.parse(io.outText()), alpha)
  })

  it('exits 1 with the API message for an unknown peer', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', '12D3KooWNobody', '--api', stub.api], io), 1)
    assert.deepEqual(io.stdout, [])
    assert.deepEqual(io.stderr, ['error: no peer 12D3KooWNobody is known to this node (not_found, HTTP 404)'])
  })

  it('refuses --state with a peer id', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', ALPHA_ID, '--state', 'alive', '--api', stub.api], io), 2)
    assert.match(io.errText(), /--state/)
  })

  it('exits 1 with a clear message when no node listens', async () => {
    const port = await freePort()
    const io = captureIo()
    assert.equal(await runCli(['peers', '--api', `127.0.0.1:${port}`], io), 1)
    assert.deepEqual(io.stdout, [])
    assert.equal(io.stderr.length, 1)
    assert.match(io.errText(), new RegExp(`^error: cannot reach the kOS node API at http://127\\.0\\.0\\.1:${port}: ` +
      'connect ECONNREFUSED .*\\(is the node running\\? start one with "kos start", or pass --api host:port\\)$'))
  })

  it('exits 2 for an unknown flag', async () => {
    const io = captureIo()
    const sent = stub.requests.length
    assert.equal(await runCli(['peers', '--bogus', '--api', stub.api], io), 2)
    assert.match(io.errText(), /unknown option '--bogus'/)
    assert.equal(stub.requests.length, sent, 'a usage error sends no request')
  })

  for (const api of ['nope', '127.0.0.1:99999', 'ftp://127.0.0.1:7070']) {
    it(`exits 2 naming --api for --api ${api}`, async () => {
      const io = captureIo()
      assert.equal(await runCli(['peers', '--api', api], io), 2)
      assert.deepEqual(io.stdout, [])
      assert.match(io.errText(), /^error: invalid --api value/)
    })
  }

  it('takes the address from KOS_API, and --api over it', async () => {
    const saved = process.env.KOS_API
    try {
      process.env.KOS_API = stub.api
      const fromEnv = captureIo()
      assert.equal(await runCli(['peers', '--json'], fromEnv), 0)
      assert.deepEqual(JSON.parse(fromEnv.outText()), peers)

      process.env.KOS_API = `127.0.0.1:${await freePort()}`
      const fromFlag = captureIo()
      assert.equal(await runCli(['peers', '--json', '--api', stub.api], fromFlag), 0)

      process.env.KOS_API = 'not an address'
      const badEnv = captureIo()
      assert.equal(await runCli(['peers'], badEnv), 2)
      assert.match(badEnv.errText(), /--api or KOS_API/)
    } finally {
      if (saved === undefined) delete process.env.KOS_API
      else process.env.KOS_API = saved
    }
  })
})
