/**
 * The audit routes by injection with a stub log: token, body and query validation naming the
 * field, the ack parameter, the error mapping, verify; and the event → audit fields mapping.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildApi, type ApiDeps } from '../src/api/server.js'
import type { AuditApi } from '../src/api/audit-routes.js'
import type { AuditQuery } from '@kos/core'
import type { AuditFields } from '@kos/core'
import { auditFieldsOf } from '../src/reactions/audit-fields.js'
import { auditFieldsSchema } from '@kos/core'
import type { KosEvent } from '../src/events/kos-event.js'
import type { MemberView } from '@kos/core'

const TOKEN = 'a'.repeat(64)
const PEER = '12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V'
const AUTH = { authorization: `Bearer ${TOKEN}` }

interface Calls { appends: Array<{ fields: AuditFields, ack: string }>, batches: Array<{ entries: AuditFields[], ack: string }>, queries: AuditQuery[] }

function app (audit: Partial<AuditApi> = {}): { app: ReturnType<typeof buildApi>, calls: Calls } {
  const calls: Calls = { appends: [], batches: [], queries: [] }
  const deps = {
    node: () => { throw new Error('unused') },
    peers: () => { throw new Error('unused') },
    peer: () => undefined,
    coordinator: () => { throw new Error('unused') },
    health: () => ({ status: 'passing', mode: 'normal', checks: [] }),
    join: async () => ({ joined: 0, errors: [] }),
    leave: () => {},
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    apiToken: () => TOKEN,
    escalations: { self: () => PEER, create: async () => ({ id: 'x', created: true }), list: () => [], get: () => undefined, advance: async () => undefined },
    audit: {
      append: async (fields, ack) => { calls.appends.push({ fields, ack }); return { origin: PEER, seq: 7, hash: 'f'.repeat(64) } },
      appendMany: async (entries, ack) => { calls.batches.push({ entries, ack }); return entries.map((_, i) => ({ origin: PEER, seq: 10 + i, hash: 'f'.repeat(64) })) },
      query: async (q) => { calls.queries.push(q); return { entries: [], next: null } },
      verify: async () => ({ ok: false, checked: 3, breaks: [{ origin: PEER, seq: 2, reason: 'hash' }], truncated: false } as never),
      subscribe: () => () => {},
      ...audit
    }
  } satisfies ApiDeps
  return { app: buildApi(deps), calls }
}

const BODY = { class: 'agent', type: 'agent:restarted', severity: 'warning', subject: 'agent-7', details: { attempt: 2 } }

describe('audit API', () => {
  it('POST /v1/audit/batch appends every entry under one ack and returns each seq in order', async () => {
    const { app: a, calls } = app()
    const { details: _d, ...noDetails } = BODY
    const res = await a.inject({ method: 'POST', url: '/v1/audit/batch?ack=quorum', payload: { entries: [BODY, noDetails, BODY] }, headers: AUTH })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().entries.map((e: { seq: number }) => e.seq), [10, 11, 12])
    assert.equal(calls.batches.length, 1)
    assert.equal(calls.batches[0]?.ack, 'quorum')
    assert.deepEqual(calls.batches[0]?.entries[1]?.details, {})
  })

  it('POST /v1/audit/batch: one 400 naming the index and field of the bad entry, and nothing appended', async () => {
    const { app: a, calls } = app()
    const many = (n: number): unknown[] => Array.from({ length: n }, () => BODY)
    const cases: Array<[unknown, RegExp]> = [
      [{ entries: [BODY, BODY, { ...BODY, severity: 'loud' }, BODY] }, /^entries\.2\.severity:/],
      [{ entries: [BODY, { ...BODY, extra: 1 }] }, /^entries\.1\.extra:/],
      [{ entries: [BODY, { ...BODY, type: 'service:removed' }] }, /^entries\.1\.type: service:removed is written by the coordinator only/],
      [{ entries: [BODY, 'x'] }, /^entries\.1:/],
      [{ entries: [] }, /^entries: must hold 1 to 1000 entries, got 0/],
      [{ entries: many(1001) }, /^entries: must hold 1 to 1000 entries, got 1001/],
      [{ entries: BODY }, /^entries: must be an array/],
      [{ entries: [BODY], more: 1 }, /^more:/],
      [[BODY], /^body:/]
    ]
    for (const [payload, message] of cases) {
      const res = await a.inject({ method: 'POST', url: '/v1/audit/batch', payload: payload as object, headers: AUTH })
      assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 100))
      assert.equal(res.json().error.code, 'invalid_request')
      assert.match(res.json().error.message, message)
    }
    const noToken = await a.inject({ method: 'POST', url: '/v1/audit/batch', payload: { entries: [BODY] } })
    assert.equal(noToken.statusCode, 401)
    assert.equal((await a.inject({ method: 'POST', url: '/v1/audit/batch?ack=all', payload: { entries: [BODY] }, headers: AUTH })).statusCode, 400)
    assert.equal(calls.batches.length, 0)
    const full = await a.inject({ method: 'POST', url: '/v1/audit/batch', payload: { entries: many(1000) }, headers: AUTH })
    assert.equal(full.statusCode, 200, 'a thousand entries fit the body limit')
  })

  it('POST /v1/audit needs the bearer token: 401 without it or with a wrong one', async () => {
    const { app: a, calls } = app()
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await a.inject({ method: 'POST', url: '/v1/audit', payload: BODY, headers })
      assert.equal(res.statusCode, 401, JSON.stringify(headers))
      assert.equal(res.json().error.code, 'unauthorized')
    }
    assert.equal(calls.appends.length, 0)
  })

  it('POST /v1/audit appends with ack=local by default, ack=quorum when asked, details optional', async () => {
    const { app: a, calls } = app()
    const res = await a.inject({ method: 'POST', url: '/v1/audit', payload: BODY, headers: AUTH })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { origin: PEER, seq: 7, hash: 'f'.repeat(64) })
    const { details: _d, ...noDetails } = BODY
    assert.equal((await a.inject({ method: 'POST', url: '/v1/audit?ack=quorum', payload: noDetails, headers: AUTH })).statusCode, 200)
    assert.equal((await a.inject({ method: 'POST', url: '/v1/audit?ack=local', payload: BODY, headers: AUTH })).statusCode, 200)
    assert.deepEqual(calls.appends.map((c) => c.ack), ['local', 'quorum', 'local'])
    assert.deepEqual(calls.appends[0]?.fields, BODY)
    assert.deepEqual(calls.appends[1]?.fields.details, {})
  })

  it('POST /v1/audit refuses bad bodies and a bad ack with 400 naming the field', async () => {
    const { app: a, calls } = app()
    const cases: Array<[string, unknown, RegExp]> = [
      ['/v1/audit', { ...BODY, class: 'nope' }, /^class:/],
      ['/v1/audit', { ...BODY, severity: 'loud' }, /^severity:/],
      ['/v1/audit', { ...BODY, type: '' }, /^type:/],
      ['/v1/audit', { ...BODY, type: 'has space' }, /^type:/],
      ['/v1/audit', { ...BODY, subject: 'x'.repeat(300) }, /^subject:/],
      ['/v1/audit', { ...BODY, details: [1] }, /^details/],
      ['/v1/audit', { ...BODY, details: { a: 'x'.repeat(9000) } }, /^details/],
      ['/v1/audit', { ...BODY, extra: 1 }, /^extra:/],
      ['/v1/audit', { ...BODY, type: 'service:defined' }, /^type: service:defined is written by the coordinator only/],
      ['/v1/audit', { ...BODY, type: 'node:drain' }, /^type: node:drain is written by the coordinator only/],
      ['/v1/audit', { class: 'agent' }, /^(type|severity|subject):/],
      ['/v1/audit', [1, 2], /^body:/],
      ['/v1/audit?ack=all', BODY, /^ack:/],
      ['/v1/audit?acks=local', BODY, /^acks:/]
    ]
    for (const [url, payload, re] of cases) {
      const res = await a.inject({ method: 'POST', url, payload: payload as object, headers: AUTH })
      assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload).slice(0, 80)}: ${res.body}`)
      assert.equal(res.json().error.code, 'invalid_request')
      assert.match(res.json().error.message, re, res.body)
    }
    assert.equal(calls.appends.length, 0)
  })

  it('maps the audit errors: quorum timeout 504, queue full and store errors 503, fields 400', async () => {
    const named = (name: string, extra: object = {}): Error => Object.assign(new Error(`${name} happened`), { name, ...extra })
    for (const [err, status, code] of [
      [named('AuditQuorumTimeoutError'), 504, 'quorum_timeout'],
      [named('AuditQueueFullError'), 503, 'audit_unavailable'],
      [named('AuditStoreError'), 503, 'audit_unavailable'],
      [named('AuditFieldsError', { field: 'details.x' }), 400, 'invalid_request'],
      [new Error('boom'), 500, 'internal']
    ] as const) {
      const { app: a } = app({ append: async () => { throw err } })
      const res = await a.inject({ method: 'POST', url: '/v1/audit?ack=quorum', payload: BODY, headers: AUTH })
      assert.equal(res.statusCode, status, err.name)
      assert.equal(res.json().error.code, code)
    }
  })

  it('GET /v1/audit parses the query: numbers, ISO dates, defaults; 400 naming a bad field', async () => {
    const { app: a, calls } = app()
    const ok = await a.inject({ url: `/v1/audit?origin=${PEER}&class=node&severity=warning&since=1000&until=2026-01-01T00:00:00Z&limit=5&cursor=abc` })
    assert.equal(ok.statusCode, 200, ok.body)
    assert.deepEqual(ok.json(), { entries: [], next: null })
    assert.deepEqual(calls.queries[0], { origin: PEER, class: 'node', severity: 'warning', since: 1000, until: Date.parse('2026-01-01T00:00:00Z'), limit: 5, cursor: 'abc' })
    assert.equal((await a.inject({ url: '/v1/audit' })).statusCode, 200)
    assert.deepEqual(calls.queries[1], {})
    for (const [qs, re] of [
      ['limit=0', /^limit:/], ['limit=x', /^limit:/], ['limit=5000', /^limit:/], ['since=yesterday', /^since:/],
      ['until=-5', /^until:/], ['class=bogus', /^class:/], ['severity=loud', /^severity:/], ['origin=nobody', /^origin:/],
      ['colour=red', /^colour:/], ['limit=1&limit=2', /^limit:/]
    ] as const) {
      const res = await a.inject({ url: `/v1/audit?${qs}` })
      assert.equal(res.statusCode, 400, `${qs}: ${res.body}`)
      assert.match(res.json().error.message, re, `${qs}: ${res.body}`)
    }
    assert.equal(calls.queries.length, 2)
  })

  it('GET /v1/audit maps a bad cursor from the store to 400 naming it', async () => {
    const { app: a } = app({ query: async () => { throw Object.assign(new Error('cursor: not a cursor of this query'), { name: 'AuditQueryError', field: 'cursor' }) } })
    const res = await a.inject({ url: '/v1/audit?cursor=zzz' })
    assert.equal(res.statusCode, 400)
    assert.match(res.json().error.message, /^cursor:/)
  })

  it('GET /v1/audit/verify answers ok, checked and the breaks', async () => {
    const { app: a } = app()
    const res = await a.inject({ url: '/v1/audit/verify' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { ok: false, checked: 3, breaks: [{ origin: PEER, seq: 2, reason: 'hash' }] })
  })

  it('GET /v1/audit/stream sends each entry as an SSE data line and ends when the log closes', async () => {
    let push: ((e: never) => void) | undefined
    let close: (() => void) | undefined
    let unsubscribed = 0
    const { app: a } = app({ subscribe: (l, c) => { push = l as never; close = c; return () => { unsubscribed++ } } })
    await a.listen({ host: '127.0.0.1', port: 0 })
    try {
      const addr = a.server.address() as { port: number }
      const res = await fetch(`http://127.0.0.1:${addr.port}/v1/audit/stream`)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/)
      const reader = res.body!.getReader()
      const first = new TextDecoder().decode((await reader.read()).value)
      assert.match(first, /^:/)
      push!({ origin: PEER, seq: 1 } as never)
      let text = ''
      while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value)
      assert.equal(text, `data: ${JSON.stringify({ origin: PEER, seq: 1 })}\n\n`)
      close!()
      while (!(await reader.read()).done) { /* drain to the end */ }
      assert.equal(unsubscribed, 1)
    } finally {
      await a.close()
    }
  })
})

describe('audit fields of events', () => {
  const member: MemberView = {
    peerId: PEER, name: 'b', role: 'member', state: 'dead', incarnation: 3, addrs: [], phi: null, lastHeartbeatAgeMs: null, health: null, stateSinceMs: 0
  }
  const self = '12D3KooWSelfSelfSelfSelfSelfSelfSelfSelfSelfSelfSelf'

  it('maps every event type to a valid entry: members to class node, coordinator events to class coordinator', () => {
    const events: KosEvent[] = [
      { type: 'member:join', member: { ...member, state: 'alive' } },
      { type: 'member:alive', member: { ...member, state: 'alive' }, previous: 'suspect' },
      { type: 'member:suspect', member: { ...member, state: 'suspect' }, by: self },
      { type: 'member:dead', member, by: self },
      { type: 'member:left', member: { ...member, state: 'left' } },
      { type: 'member:removed', member },
      { type: 'member:refuted', incarnation: 4, claim: 'suspect', by: PEER },
      { type: 'node:stalled', stallMs: 812.4, holdBackUntilMs: 5000 },
      { type: 'coordinator:elected', coordinatorId: PEER, term: 4 },
      { type: 'coordinator:stepped-down', term: 4, reason: 'lease-expired' },
      { type: 'coordinator:lost', previous: PEER, term: 4 },
      { type: 'audit:tamper', from: PEER, origin: self, seq: 9, reason: 'signature', suppressed: 2 }
    ]
    const got = events.map((e) => auditFieldsOf(e, self))
    for (const f of got) assert.equal(auditFieldsSchema.safeParse(f).success, true, JSON.stringify(f))
    assert.deepEqual(got.map((f) => [f.class, f.type, f.severity, f.subject]), [
      ['node', 'member:join', 'info', PEER],
      ['node', 'member:alive', 'info', PEER],
      ['node', 'member:suspect', 'warning', PEER],
      ['node', 'member:dead', 'error', PEER],
      ['node', 'member:left', 'notice', PEER],
      ['node', 'member:removed', 'notice', PEER],
      ['node', 'member:refuted', 'warning', self],
      ['node', 'node:stalled', 'warning', self],
      ['coordinator', 'coordinator:elected', 'notice', PEER],
      ['coordinator', 'coordinator:stepped-down', 'warning', self],
      ['coordinator', 'coordinator:lost', 'warning', PEER],
      ['node', 'audit:tamper', 'error', PEER]
    ])
    assert.deepEqual(got[3]?.details, { name: 'b', role: 'member', state: 'dead', incarnation: 3, by: self })
    assert.deepEqual(got[7]?.details, { stallMs: 812 })
    assert.deepEqual(got[11]?.details, { origin: self, seq: 9, reason: 'signature', suppressed: 2 })
  })
})
