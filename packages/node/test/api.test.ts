/**
 * API routes by injection (no socket): status codes, the error format, body validation, and the
 * error-code table pinned.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { API_ERRORS } from '@kos/client'
import { buildApi, type ApiDeps } from '../src/api/server.js'
import type { PeerInfo } from '@kos/client'
import { stubApiDeps } from './helpers/api-deps.js'

const PEER: PeerInfo = {
  peerId: '12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V', name: 'b', role: 'member', zone: null, state: 'alive', phi: 0.4,
  lastHeartbeatAgeMs: 120, incarnation: 1, addrs: ['/ip4/127.0.0.1/tcp/2'], connected: true, health: null, authority: null,
  breakers: { probe: 'closed', sync: 'closed', election: 'open', audit: 'closed', escalation: 'closed' },
  draining: false
}

function deps (overrides: Partial<ApiDeps> = {}): ApiDeps & { joined: string[][], leaves: number } {
  const state = { joined: [] as string[][], leaves: 0 }
  return Object.assign(state, stubApiDeps({
    node: () => ({ peerId: 'self', name: 'a', role: 'member' as const, zone: null, addrs: [], version: 't', startedAt: 'x', incarnation: 1, mode: 'normal' as const, cluster: 'kos', coordinator: null, term: 0 }),
    coordinator: () => ({ peerId: 'self', name: 'a', term: 3, since: '2026-01-01T00:00:00.000Z', leaseRemainingMs: 380, voters: ['self'], votersVersion: 1, quorum: 1 }),
    peers: () => ({ self: 'self', peers: [PEER] }),
    peer: (id: string) => id === PEER.peerId ? PEER : undefined,
    join: async (addrs: string[]) => { state.joined.push(addrs); return { joined: addrs.length, errors: [] } },
    leave: () => { state.leaves++ },
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'kos_members{state="alive"} 1\n' }),
    ...overrides
  }))
}

/** join and leave change the cluster: they need the node's API token (the stub's is `tok`). */
const AUTH = { authorization: 'Bearer tok' }

describe('HTTP API', () => {
  it('GET /v1/peers and /v1/peers/:id, 404 with the error format for an unknown peer', async () => {
    const app = buildApi(deps())
    const all = await app.inject({ url: '/v1/peers' })
    assert.equal(all.statusCode, 200)
    assert.deepEqual(all.json(), { self: 'self', peers: [PEER] })
    assert.deepEqual((await app.inject({ url: `/v1/peers/${PEER.peerId}` })).json(), PEER)
    const missing = await app.inject({ url: '/v1/peers/nobody' })
    assert.equal(missing.statusCode, 404)
    assert.equal(missing.json().error.code, 'not_found')
    assert.match(missing.json().error.message, /nobody/)
  })

  it('GET /v1/health maps passing, warning and critical to 200, 429 and 503', async () => {
    for (const [status, code] of [['passing', 200], ['warning', 429], ['critical', 503]] as const) {
      const app = buildApi(deps({ health: () => ({ status, mode: 'normal', checks: [{ name: 'x', status, output: 'o' }] }) }))
      const res = await app.inject({ url: '/v1/health' })
      assert.equal(res.statusCode, code)
      assert.equal(res.json().status, status)
    }
  })

  it('liveness and readiness follow the health: ready has its code, live is 503 only when critical', async () => {
    const table = [
      // health status, ready's code, live's code
      ['passing', 200, 200], ['warning', 429, 200], ['critical', 503, 503]
    ] as const
    for (const [status, readyCode, liveCode] of table) {
      const checks = [{ name: 'lifecycle', status: 'passing' as const, output: 'running' }, { name: 'bootstrap', status, output: 'why' }]
      const app = buildApi(deps({ health: () => ({ status, mode: 'normal', checks }) }))
      const ready = await app.inject({ url: '/v1/health/ready' })
      assert.equal(ready.statusCode, readyCode, `ready when ${status}`)
      assert.deepEqual(ready.json(), { ready: status !== 'critical', status, reason: status === 'passing' ? 'passing' : 'bootstrap: why' })
      const live = await app.inject({ url: '/v1/health/live' })
      assert.equal(live.statusCode, liveCode, `live when ${status}`)
      assert.equal(live.json().live, status !== 'critical')
    }
  })

  it('POST /v1/join passes valid addresses, bare or with /p2p/', async () => {
    const d = deps()
    const app = buildApi(d)
    const addrs = ['/ip4/127.0.0.1/tcp/7946', `/ip4/127.0.0.1/tcp/7947/p2p/${PEER.peerId}`]
    const res = await app.inject({ method: 'POST', url: '/v1/join', payload: { addrs }, headers: AUTH })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { joined: 2, errors: [] })
    assert.deepEqual(d.joined, [addrs])
  })

  it('POST /v1/join refuses bad bodies with 400 naming the field, and never calls join', async () => {
    const d = deps()
    const app = buildApi(d)
    const cases: Array<[unknown, RegExp]> = [
      [{}, /addrs/],
      [{ addrs: [] }, /addrs/],
      [{ addrs: 'x' }, /addrs/],
      [{ addrs: ['/ip4/127.0.0.1/tcp/1'], extra: 1 }, /extra/],
      [{ addrs: ['/ip4/127.0.0.1/tcp/abc'] }, /addrs\.0/],
      [{ addrs: ['/ip4/127.0.0.1/tcp/1', '127.0.0.1:2'] }, /addrs\.1/]
    ]
    for (const [payload, field] of cases) {
      const res = await app.inject({ method: 'POST', url: '/v1/join', payload: payload as object, headers: AUTH })
      assert.equal(res.statusCode, 400, JSON.stringify(payload))
      assert.equal(res.json().error.code, 'invalid_request')
      assert.match(res.json().error.message, field)
    }
    assert.deepEqual(d.joined, [])
  })

  it('refuses invalid JSON, a wrong media type and an oversized body with the error format', async () => {
    const app = buildApi(deps())
    const badJson = await app.inject({ method: 'POST', url: '/v1/join', payload: '{"addrs": [', headers: { ...AUTH, 'content-type': 'application/json' } })
    assert.equal(badJson.statusCode, 400)
    assert.equal(badJson.json().error.code, 'invalid_json')
    const text = await app.inject({ method: 'POST', url: '/v1/join', payload: 'addrs', headers: { 'content-type': 'text/csv' } })
    assert.equal(text.statusCode, 415)
    assert.equal(text.json().error.code, 'unsupported_media_type')
    const big = await app.inject({ method: 'POST', url: '/v1/join', payload: JSON.stringify({ addrs: ['x'.repeat(70_000)] }), headers: { 'content-type': 'application/json' } })
    assert.equal(big.statusCode, 413)
    assert.equal(big.json().error.code, 'payload_too_large')
  })

  it('POST /v1/leave starts a leave and answers', async () => {
    const d = deps()
    const res = await buildApi(d).inject({ method: 'POST', url: '/v1/leave', payload: {}, headers: AUTH })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { left: true })
    assert.equal(d.leaves, 1)
  })

  it('GET /v1/coordinator', async () => {
    const res = await buildApi(deps()).inject({ url: '/v1/coordinator' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().term, 3)
    assert.equal(res.json().peerId, 'self')
  })

  it('unknown routes are 404 in the error format', async () => {
    const res = await buildApi(deps()).inject({ url: '/v2/nothing' })
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().error.code, 'not_found')
  })

  it('a malformed path or a path parameter past 100 characters is a 400 in the error format (fuzzing found a 414 in another)', async () => {
    for (const url of [`/v1/peers/${'a'.repeat(101)}`, '/v1/peers/%E0%A4%A']) {
      const res = await buildApi(deps()).inject({ url })
      assert.equal(res.statusCode, 400, url)
      assert.equal(res.json().error.code, 'invalid_request', url)
    }
  })

  it('GET /metrics serves the metrics as text', async () => {
    const res = await buildApi(deps()).inject({ url: '/metrics' })
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /text\/plain/)
    assert.match(res.body, /kos_members/)
  })

  it('pins the error-code table', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(API_ERRORS).map(([k, v]) => [k, v.status])), {
      invalid_request: 400, invalid_json: 400, unsupported_media_type: 415, payload_too_large: 413,
      unauthorized: 401, forbidden: 403, misdirected_request: 421, not_found: 404, conflict: 409, audit_unavailable: 503, escalation_unavailable: 503, overloaded: 503, no_coordinator: 503, quorum_timeout: 504, internal: 500
    })
  })
})
