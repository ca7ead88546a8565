import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runStatus } from '../src/commands/status.js'
import { runCli } from '../src/program.js'
import { captureIo } from './capture-io.js'
import { ALPHA_ID, healthWarning, node, peers, SELF_ID } from './fixtures.js'
import { freePort, startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

describe('kos status', () => {
  let stub: StubApi

  before(async () => {
    stub = await startStubApi({
      'GET /v1/node': { status: 200, body: node },
      'GET /v1/peers': { status: 200, body: peers },
      'GET /v1/health': { status: 429, body: healthWarning }
    })
  })
  after(async () => { await stub.close() })

  it("shows the node's identity, addresses, member counts and health", async () => {
    const io = captureIo()
    const fiveMinutesIn = Date.parse(node.startedAt) + 5 * 60_000
    assert.equal(await runStatus({ api: stub.api, json: false, now: () => fiveMinutesIn }, io), 0)
    assert.deepEqual(io.stderr, [])
    assert.deepEqual(io.stdout, [
      'Name:         self-node',
      `Peer ID:      ${SELF_ID}`,
      'Cluster:      test-cluster',
      'Role:         junzi',
      'Mode:         normal',
      `Coordinator:  ${ALPHA_ID}`,
      'Term:         7',
      'Incarnation:  4',
      'Version:      0.1.0',
      'Started:      2025-01-01T00:00:00.000Z (up 5m)',
      `API:          http://${stub.api}`,
      `Addresses:    /ip4/127.0.0.1/tcp/4001/p2p/${SELF_ID}`,
      `              /ip4/10.0.0.1/tcp/4001/p2p/${SELF_ID}`,
      'Members:      4 (2 alive, 1 suspect, 1 dead, 0 left)',
      'Health:       warning (HTTP 429)',
      '',
      'CHECK       STATUS   OUTPUT',
      'event-loop  warning  p99 delay 250 ms',
      'memory      passing  rss 112 MiB'
    ])
  })

  it('counts the node once even when the API lists it among the peers', async () => {
    const selfAsPeer = { ...peers.peers[0]!, peerId: SELF_ID, state: 'alive' as const }
    stub.routes.set('GET /v1/peers', { status: 200, body: { ...peers, peers: [...peers.peers, selfAsPeer] } })
    try {
      const io = captureIo()
      assert.equal(await runCli(['status', '--api', stub.api], io), 0)
      assert.ok(io.stdout.includes('Members:      4 (2 alive, 1 suspect, 1 dead, 0 left)'), io.outText())
    } finally {
      stub.routes.set('GET /v1/peers', { status: 200, body: peers })
    }
  })

  it('exits 0 for a critical node: the command itself worked', async () => {
    stub.routes.set('GET /v1/health', { status: 503, body: { ...healthWarning, status: 'critical' } })
    try {
      const io = captureIo()
      assert.equal(await runCli(['status', '--api', stub.api], io), 0)
      assert.ok(io.stdout.includes('Health:       critical (HTTP 503)'), io.outText())
    } finally {
      stub.routes.set('GET /v1/health', { status: 429, body: healthWarning })
    }
  })

  it('prints the three API answers with --json', async () => {
    const io = captureIo()
    assert.equal(await runCli(['status', '--json', '--api', stub.api], io), 0)
    assert.deepEqual(JSON.parse(io.outText()), { node, peers, health: healthWarning })
  })

  it('exits 1 with a clear message when no node listens', async () => {
    const io = captureIo()
    assert.equal(await runCli(['status', '--api', `127.0.0.1:${await freePort()}`], io), 1)
    assert.match(io.errText(), /^error: cannot reach the kOS node API at .*is the node running\?/)
  })
})
