/**
 * The service routes (api/service-routes.ts) by injection: validation naming the field, `${PORT}`
 * in probe URLs, the token, and the coordinator's answers mapped to their status.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildApi } from '../src/api/server.js'
import type { ServicesApi } from '../src/api/service-routes.js'
import type { ServiceSpec } from '../src/services/service-spec.js'
import { stubApiDeps } from './helpers/api-deps.js'

const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

function app (answer: { code: string, message: string } = { code: 'ok', message: 'stored' }) {
  const asked: Array<{ kind: string, arg: unknown }> = []
  const services: ServicesApi = {
    list: () => [],
    get: () => undefined,
    define: async (spec: ServiceSpec) => { asked.push({ kind: 'define', arg: spec }); return answer },
    remove: async (name) => { asked.push({ kind: 'remove', arg: name }); return answer },
    drain: async (node, draining) => { asked.push({ kind: 'drain', arg: { node, draining } }); return answer },
    selfId: () => PEER
  }
  return { api: buildApi(stubApiDeps({ services })), asked }
}

const auth = { authorization: 'Bearer tok' }
const good = { name: 'web', command: 'node', replicas: 2, readiness: { http: 'http://127.0.0.1:${PORT}/healthz' } }

describe('service routes', () => {
  it('accepts ${PORT} in probe URLs and fills the agent defaults', async () => {
    const { api, asked } = app()
    const res = await api.inject({ method: 'POST', url: '/v1/services', headers: auth, payload: good })
    assert.equal(res.statusCode, 201, res.body)
    const spec = asked[0]!.arg as ServiceSpec
    assert.equal(spec.spread, 'node')
    assert.equal(spec.readiness?.http, 'http://127.0.0.1:${PORT}/healthz')
    assert.equal(spec.restart.policy, 'always')
  })

  it('answers 400 naming the field, and asks nothing of the coordinator', async () => {
    const { api, asked } = app()
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, replicas: 65 }, 'replicas'],
      [{ ...good, replicas: 1.5 }, 'replicas'],
      [{ ...good, spread: 'rack' }, 'spread'],
      [{ ...good, name: 'x'.repeat(49) }, 'name'],
      [{ ...good, readiness: { http: 'not a url ${PORT}' } }, 'readiness.http'],
      [{ ...good, nodeSelector: { zones: [] } }, 'nodeSelector.zones'],
      [{ ...good, extra: 1 }, 'extra']
    ]
    for (const [payload, field] of cases) {
      const res = await api.inject({ method: 'POST', url: '/v1/services', headers: auth, payload })
      assert.equal(res.statusCode, 400, `${field}: ${res.body}`)
      assert.ok(res.json().error.message.includes(field), `${field}: ${res.body}`)
    }
    assert.equal(asked.length, 0)
  })

  it('needs the token for every change', async () => {
    const { api } = app()
    for (const [method, url] of [['POST', '/v1/services'], ['DELETE', '/v1/services/web'], ['POST', '/v1/drain']] as const) {
      const res = await api.inject({ method, url, payload: method === 'POST' ? good : {}, headers: { 'content-type': 'application/json' } })
      assert.equal(res.statusCode, 401, `${method} ${url}`)
    }
  })

  it('maps the coordinator\'s answers: no coordinator is 503, an unknown service 404', async () => {
    const none = app({ code: 'no_coordinator', message: 'this node knows no coordinator' })
    const res = await none.api.inject({ method: 'POST', url: '/v1/services', headers: auth, payload: good })
    assert.equal(res.statusCode, 503)
    assert.equal(res.json().error.code, 'no_coordinator')
    const missing = app({ code: 'not_found', message: 'no service x' })
    assert.equal((await missing.api.inject({ method: 'DELETE', url: '/v1/services/x', headers: auth, payload: {} })).statusCode, 404)
    assert.equal((await missing.api.inject({ method: 'GET', url: '/v1/services/x' })).statusCode, 404)
  })

  it('drains this node by default, another by peer id, and refuses a bad one', async () => {
    const { api, asked } = app()
    assert.equal((await api.inject({ method: 'POST', url: '/v1/drain', headers: auth, payload: {} })).json().node, PEER)
    const undo = await api.inject({ method: 'POST', url: '/v1/drain', headers: auth, payload: { node: PEER, undo: true } })
    assert.deepEqual(undo.json(), { node: PEER, draining: false })
    assert.deepEqual(asked.map((a) => a.arg), [{ node: PEER, draining: true }, { node: PEER, draining: false }])
    const bad = await api.inject({ method: 'POST', url: '/v1/drain', headers: auth, payload: { node: 'nope' } })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.json().error.message, /^node:/)
  })
})
