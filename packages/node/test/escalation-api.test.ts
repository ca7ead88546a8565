/**
 * The escalation routes by injection (api/escalation-routes.ts): the token guard, 400 naming the
 * field with nothing created, the list filters, one escalation, ack/resolve of the inbox.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildApi, type ApiDeps } from '../src/api/server.js'
import type { EscalationApi, EscalationItemView } from '../src/api/escalation-routes.js'
import type { HealthResponse } from '@kos/client'
import type { EscalationInput } from '@kos/core'

const SELF = '12D3KooWM1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const J1 = '12D3KooWJ1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const TOKEN = 'a'.repeat(64)
const auth = { authorization: `Bearer ${TOKEN}` }

function item (id: string, status: string, createdAt: string, extra: Partial<EscalationItemView> = {}): EscalationItemView {
  return { record: { id, class: 'ethics', severity: 'critical', subject: 'agent-7', summary: 'lied', origin: SELF, createdAt, evidence: [] }, status, updatedAt: createdAt, ...extra }
}

function app () {
  const created: EscalationInput[] = []
  const outbox = [item('o1', 'pending', '2026-01-01T00:00:01Z', { deliveredTo: null, attempts: 3, lastError: 'refused' }), item('o2', 'delivered', '2026-01-01T00:00:02Z', { deliveredTo: J1, attempts: 0 })]
  const inbox = [item('i1', 'delivered', '2026-01-01T00:00:03Z', { from: J1 })]
  const esc: EscalationApi = {
    self: () => SELF,
    create: async (input) => { created.push(input); return { id: input.id ?? 'new-id', created: true } },
    list: (box) => box === 'outbox' ? outbox : inbox,
    get: (id) => { const o = outbox.find((i) => i.record.id === id); if (o !== undefined) return { box: 'outbox', item: o }; const i = inbox.find((x) => x.record.id === id); return i === undefined ? undefined : { box: 'inbox', item: i } },
    advance: async (id, status) => { const i = inbox.find((x) => x.record.id === id); if (i === undefined) return undefined; i.status = status; return i }
  }
  const never = (): never => { throw new Error('unused') }
  const deps: ApiDeps = {
    node: never, peers: never, peer: () => undefined, coordinator: never,
    health: (): HealthResponse => ({ status: 'passing', mode: 'normal', checks: [] }),
    join: never, leave: () => {},
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    apiToken: () => TOKEN,
    escalations: esc,
    audit: { append: never, appendMany: never, query: never, verify: never, subscribe: () => () => {} }
  }
  return { api: buildApi(deps), created, inbox }
}

const BODY = { class: 'ethics', severity: 'critical', summary: 'agent 7 misreported its results', subject: 'agent-7' }

describe('escalation API', () => {
  it('POST /v1/escalations needs the token: 401 without it, nothing created', async () => {
    const { api, created } = app()
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const res = await api.inject({ method: 'POST', url: '/v1/escalations', payload: BODY, headers })
      assert.equal(res.statusCode, 401)
      assert.equal(res.json().error.code, 'unauthorized')
    }
    assert.equal(created.length, 0)
  })
  it('POST /v1/escalations creates one and answers its id', async () => {
    const { api, created } = app()
    const res = await api.inject({ method: 'POST', url: '/v1/escalations', payload: { ...BODY, evidence: [{ origin: J1, seq: 4 }] }, headers: auth })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { id: 'new-id', created: true })
    assert.equal(created[0]?.evidence?.[0]?.seq, 4)
  })
  const bad: Array<[string, unknown, string]> = [
    ['an unknown class', { ...BODY, class: 'gossip' }, 'class'],
    ['a missing summary', { class: 'ethics', severity: 'error' }, 'summary'],
    ['a missing severity', { class: 'ethics', summary: 's' }, 'severity'],
    ['an empty summary', { ...BODY, summary: '' }, 'summary'],
    ['an oversized summary', { ...BODY, summary: 'x'.repeat(3000) }, 'summary'],
    ['an unknown field', { ...BODY, colour: 'red' }, 'colour'],
    ['bad evidence', { ...BODY, evidence: [{ origin: 'x', seq: 0 }] }, 'evidence.0.origin'],
    ['a bad id', { ...BODY, id: 'a/b' }, 'id'],
    ['a non-object', [1], 'body']
  ]
  for (const [what, payload, field] of bad) {
    it(`400 for ${what}, naming ${field}; nothing created`, async () => {
      const { api, created } = app()
      const res = await api.inject({ method: 'POST', url: '/v1/escalations', payload: payload as object, headers: auth })
      assert.equal(res.statusCode, 400, res.body)
      assert.equal(res.json().error.code, 'invalid_request')
      assert.ok(res.json().error.message.startsWith(`${field}:`), res.json().error.message)
      assert.equal(created.length, 0)
    })
  }
  it('413 for a body over the API limit', async () => {
    const { api, created } = app()
    const res = await api.inject({ method: 'POST', url: '/v1/escalations', payload: { ...BODY, summary: 'x'.repeat(70_000) }, headers: auth })
    assert.equal(res.statusCode, 413)
    assert.equal(created.length, 0)
  })
  it('GET /v1/escalations lists the outbox newest first, filters by status, and lists the inbox', async () => {
    const { api } = app()
    const all = (await api.inject({ url: '/v1/escalations' })).json()
    assert.deepEqual(all.escalations.map((e: { id: string }) => e.id), ['o2', 'o1'])
    assert.deepEqual(Object.keys(all.escalations[0]).sort(), ['class', 'createdAt', 'deliveredTo', 'id', 'origin', 'severity', 'status', 'subject', 'summary'])
    assert.equal(all.escalations[0].deliveredTo, J1)
    const pending = (await api.inject({ url: '/v1/escalations?box=outbox&status=pending' })).json()
    assert.deepEqual(pending.escalations.map((e: { id: string }) => e.id), ['o1'])
    const inbox = (await api.inject({ url: '/v1/escalations?box=inbox' })).json()
    assert.deepEqual(inbox.escalations.map((e: { id: string, deliveredTo: string }) => [e.id, e.deliveredTo]), [['i1', SELF]])
  })
  it('GET /v1/escalations: 400 naming a bad box, status or unknown parameter', async () => {
    const { api } = app()
    for (const [q, field] of [['box=sideways', 'box'], ['status=lost', 'status'], ['colour=red', 'colour']]) {
      const res = await api.inject({ url: `/v1/escalations?${q}` })
      assert.equal(res.statusCode, 400)
      assert.ok(res.json().error.message.startsWith(`${field}:`), res.json().error.message)
    }
  })
  it('GET /v1/escalations/:id shows one with its box and attempts; 404 for an unknown id', async () => {
    const { api } = app()
    const one = (await api.inject({ url: '/v1/escalations/o1' })).json()
    assert.equal(one.box, 'outbox')
    assert.equal(one.attempts, 3)
    assert.equal(one.lastError, 'refused')
    assert.equal((await api.inject({ url: '/v1/escalations/nope' })).statusCode, 404)
  })
  it('POST …/ack and …/resolve need the token and advance the inbox; 404 outside the inbox', async () => {
    const { api, inbox } = app()
    assert.equal((await api.inject({ method: 'POST', url: '/v1/escalations/i1/ack', payload: {} })).statusCode, 401)
    const acked = await api.inject({ method: 'POST', url: '/v1/escalations/i1/ack', payload: {}, headers: auth })
    assert.equal(acked.statusCode, 200, acked.body)
    assert.equal(acked.json().status, 'acked')
    assert.equal(acked.json().by, J1)
    assert.equal((await api.inject({ method: 'POST', url: '/v1/escalations/i1/resolve', payload: {}, headers: auth })).json().status, 'resolved')
    assert.equal(inbox[0]?.status, 'resolved')
    assert.equal((await api.inject({ method: 'POST', url: '/v1/escalations/o1/ack', payload: {}, headers: auth })).statusCode, 404)
  })
})
