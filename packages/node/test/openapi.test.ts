import type { ServicesApi } from '../src/api/service-routes.js'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildApi } from '../src/api/server.js'
import { ROUTE_DOCS } from '../src/api/openapi.js'
import type { AgentOperations } from '../src/healing/agent-operations.js'
import { stubApiDeps } from './helpers/api-deps.js'

const agents: AgentOperations = {
  list: () => [],
  get: () => undefined,
  define: async () => { throw new Error('unused') },
  remove: async () => 'not-found',
  control: async () => undefined,
  release: () => 'not-found',
  ethics: () => false,
  errors: () => false,
  agentTokenMatches: () => false
}

function stubServices (): ServicesApi {
  return { list: () => [], get: () => undefined, define: async () => ({ code: 'ok', message: '' }), remove: async () => ({ code: 'ok', message: '' }), drain: async () => ({ code: 'ok', message: '' }), selfId: () => 'self' }
}

interface Doc {
  openapi: string
  paths: Record<string, Record<string, { summary: string, requestBody?: { content: Record<string, { schema: { properties?: Record<string, { enum?: unknown[] }> } }> }, parameters?: Array<{ name: string, in: string }>, security?: unknown[] }>>
}

async function fetchDoc (): Promise<{ doc: Doc, app: ReturnType<typeof buildApi> }> {
  const app = buildApi(stubApiDeps({ agents, services: stubServices() }))
  const res = await app.inject({ method: 'GET', url: '/v1/openapi.json' })
  assert.equal(res.statusCode, 200)
  return { doc: res.json<Doc>(), app }
}

describe('GET /v1/openapi.json', () => {
  it('describes every route the API registers, each with its own summary', async () => {
    const { doc, app } = await fetchDoc()
    assert.equal(doc.openapi, '3.1.0')
    const described = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })))
    // Every documented operation is a real route, and none lacks its entry in ROUTE_DOCS.
    for (const { path, method, op } of described) {
      assert.ok(app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${method} ${path} is a route`)
      assert.notEqual(op.summary, 'undocumented', `${method.toUpperCase()} ${path} has no entry in ROUTE_DOCS`)
    }
    // Every entry of ROUTE_DOCS is a registered route and appears in the document.
    for (const key of Object.keys(ROUTE_DOCS)) {
      const [method, url] = key.split(' ') as [string, string]
      assert.ok(app.hasRoute({ method: method as 'GET', url }), `${key} is registered`)
      assert.ok(doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()] !== undefined, `${key} is described`)
    }
    assert.equal(described.length, Object.keys(ROUTE_DOCS).length)
  })

  it('gives request bodies and queries the schemas the routes validate with', async () => {
    const { doc } = await fetchDoc()
    const append = doc.paths['/v1/audit']!.post!
    const body = append.requestBody!.content['application/json']!.schema
    assert.deepEqual(body.properties?.severity?.enum, ['debug', 'info', 'notice', 'warning', 'error', 'critical'])
    assert.deepEqual(append.parameters?.map((p) => `${p.in}:${p.name}`), ['query:ack'])
    assert.ok(append.security !== undefined, 'POST /v1/audit needs the token')
    assert.deepEqual(doc.paths['/v1/peers/{peerId}']!.get!.parameters?.map((p) => `${p.in}:${p.name}`), ['path:peerId'])
    assert.ok(doc.paths['/v1/agents']!.post!.requestBody !== undefined)
  })
})
