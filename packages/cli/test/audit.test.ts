/** `kos audit tail`, `query` and `verify` against a stub API: requests, output and exit codes. */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { AuditQueryResponse, AuditVerifyResponse } from '@kos/client'
import { runCli } from '../src/program.js'
import { e1, e2, e3, e4, entry, ORIGIN_A, ORIGIN_B, sseBody, until, writeChunked } from './audit-fixtures.js'
import { captureIo } from './capture-io.js'
import { startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

const TAIL_PAGE_1 = 'GET /v1/audit?limit=1000'
const TAIL_PAGE_2 = 'GET /v1/audit?limit=1000&cursor=c1'

describe('kos audit tail', () => {
  let stub: StubApi
  beforeEach(async () => {
    stub = await startStubApi({
      [TAIL_PAGE_1]: { status: 200, body: { entries: [e1, e2], next: 'c1' } },
      [TAIL_PAGE_2]: { status: 200, body: { entries: [e3, e4], next: null } }
    })
  })
  afterEach(async () => { await stub.close() })

  it('prints the last n entries as a table, walking the pages', async () => {
    const io = captureIo()
    assert.equal(await runCli(['audit', 'tail', '-n', '3', '--api', stub.api], io), 0)
    assert.deepEqual(io.stderr, [])
    assert.deepEqual(io.stdout, [
      'TIME                      ORIGIN         SEQ  CLASS   SEVERITY  TYPE           SUBJECT',
      '2025-03-01T10:00:01.000Z  12D3Ko…BBBBB2  1    ethics  warning   policy.denied  agent-7',
      '2025-03-01T10:00:02.000Z  12D3Ko…AAAAA1  2    node    critical  disk.full      line break',
      '2025-03-01T10:00:03.000Z  12D3Ko…AAAAA1  3    node    info      member.join    héllo ✓'
    ])
    assert.deepEqual(stub.requests.map(r => r.url), ['/v1/audit?limit=1000', '/v1/audit?limit=1000&cursor=c1'])
  })

  it('prints the entries as a JSON array with --json', async () => {
    const io = captureIo()
    assert.equal(await runCli(['audit', 'tail', '--json', '--api', stub.api], io), 0)
    assert.deepEqual(JSON.parse(io.outText()), [e1, e2, e3, e4])
  })

  it('exits 2 naming -n for a bad count', async () => {
    const io = captureIo()
    assert.equal(await runCli(['audit', 'tail', '-n', 'ten', '--api', stub.api], io), 2)
    assert.match(io.errText(), /--lines value "ten"/)
    assert.equal(stub.requests.length, 0)
  })

  it('-f prints history, then streamed entries once each, until the signal aborts', async () => {
    // The stream repeats e4 (appended while the history was read): printed once.
    const e5 = entry(ORIGIN_B, 2, { type: 'late', subject: 'streamed' })
    stub.routes.set('GET /v1/audit/stream', (_req, res) => { writeChunked(res, sseBody([e4, e5]), [3, 11], false) })
    const io = captureIo()
    const controller = new AbortController()
    const done = runCli(['audit', 'tail', '-f', '-n', '1', '--api', stub.api], io, { signal: controller.signal })
    await until(() => io.stdout.some(line => line.includes('streamed')), 'the streamed entry')
    controller.abort()
    assert.equal(await done, 0)
    assert.deepEqual(io.stderr, [])
    assert.equal(io.stdout.length, 3, io.outText())
    assert.equal(io.stdout[0], 'TIME                      ORIGIN         SEQ     CLASS        SEVERITY  TYPE                      SUBJECT')
    assert.match(io.stdout[1] ?? '', /^2025-03-01T10:00:03\.000Z  12D3Ko…AAAAA1  3 +node +info +member\.join +héllo ✓$/)
    assert.match(io.stdout[2] ?? '', /^2025-03-01T10:00:02\.000Z  12D3Ko…BBBBB2  2 +node +info +late +streamed$/)
  })

  it('-f --json prints one entry per line', async () => {
    stub.routes.set('GET /v1/audit/stream', (_req, res) => { writeChunked(res, sseBody([e1]), [4], false) })
    const io = captureIo()
    const controller = new AbortController()
    const done = runCli(['audit', 'tail', '-f', '--json', '-n', '1', '--api', stub.api], io, { signal: controller.signal })
    await until(() => io.stdout.length === 2, 'two lines')
    controller.abort()
    assert.equal(await done, 0)
    assert.deepEqual(io.stdout.map(line => JSON.parse(line) as unknown), [e4, e1])
  })

  it('-f exits 1 when the node ends the stream', async () => {
    stub.routes.set('GET /v1/audit/stream', (_req, res) => { writeChunked(res, sseBody([]), [2], true) })
    const io = captureIo()
    assert.equal(await runCli(['audit', 'tail', '-f', '-n', '0', '--api', stub.api], io, { signal: new AbortController().signal }), 1)
    assert.deepEqual(io.stderr, ['error: the node closed the audit stream'])
  })
})

describe('kos audit query', () => {
  let stub: StubApi
  before(async () => {
    stub = await startStubApi({
      'GET /v1/audit': { status: 200, body: { entries: [e1, e2], next: 'c1' } },
      'GET /v1/audit?cursor=c1': { status: 200, body: { entries: [e3], next: 'c2' } },
      'GET /v1/audit?cursor=c2': { status: 200, body: { entries: [e4], next: null } }
    })
  })
  after(async () => { await stub.close() })

  it('sends every filter as a query parameter, times in ms', async () => {
    const url = `/v1/audit?origin=${ORIGIN_A}&class=ethics&severity=warning&since=1735689600000&until=1735693200000&limit=5&cursor=xyz`
    stub.routes.set(`GET ${url}`, { status: 200, body: { entries: [e2], next: null } })
    const io = captureIo()
    assert.equal(await runCli(['audit', 'query', '--origin', ORIGIN_A, '--class', 'ethics', '--severity', 'warning',
      '--since', '2025-01-01T00:00:00Z', '--until', '1735693200000', '--limit', '5', '--cursor', 'xyz', '--api', stub.api], io), 0)
    assert.equal(stub.requests.at(-1)?.url, url)
    assert.equal(io.stdout.length, 2)
    assert.match(io.stdout[1] ?? '', /ethics +warning +policy\.denied +agent-7$/)
    assert.deepEqual(io.stderr, [])
  })

  it('prints one page and the next cursor', async () => {
    const io = captureIo()
    assert.equal(await runCli(['audit', 'query', '--json', '--api', stub.api], io), 0)
    assert.deepEqual(JSON.parse(io.outText()), { entries: [e1, e2], next: 'c1' })
    assert.deepEqual(io.stderr, ['more entries: continue with --cursor c1, or use --all'])
  })

  it('follows the next cursors with --all', async () => {
    const sent = stub.requests.length
    const io = captureIo()
    assert.equal(await runCli(['audit', 'query', '--all', '--json', '--api', stub.api], io), 0)
    const result = JSON.parse(io.outText()) as AuditQueryResponse
    assert.deepEqual(result, { entries: [e1, e2, e3, e4], next: null })
    assert.deepEqual(stub.requests.slice(sent).map(r => r.url), ['/v1/audit', '/v1/audit?cursor=c1', '/v1/audit?cursor=c2'])
    assert.deepEqual(io.stderr, [])
  })

  it('stops when the node repeats a cursor', async () => {
    stub.routes.set('GET /v1/audit?cursor=c2', { status: 200, body: { entries: [], next: 'c1' } })
    try {
      const io = captureIo()
      assert.equal(await runCli(['audit', 'query', '--all', '--api', stub.api], io), 1)
      assert.match(io.errText(), /cursor c1 twice/)
    } finally {
      stub.routes.set('GET /v1/audit?cursor=c2', { status: 200, body: { entries: [e4], next: null } })
    }
  })

  const bad: Array<[string[], RegExp]> = [
    [['--class', 'bogus'], /--class.*bogus.*agent, node/s],
    [['--severity', 'loud'], /--severity.*loud/s],
    [['--since', 'yesterday'], /invalid --since value "yesterday"/],
    [['--until', '2025-13-45'], /invalid --until value/],
    [['--limit', '0'], /invalid --limit value "0"/],
    [['--limit', '1001'], /invalid --limit value "1001"/]
  ]
  for (const [flags, message] of bad) {
    it(`exits 2 for ${flags.join(' ')}`, async () => {
      const sent = stub.requests.length
      const io = captureIo()
      assert.equal(await runCli(['audit', 'query', ...flags, '--api', stub.api], io), 2)
      assert.match(io.errText(), message)
      assert.equal(stub.requests.length, sent, 'a usage error sends no request')
    })
  }
})

describe('kos audit verify', () => {
  let stub: StubApi
  const good: AuditVerifyResponse = { ok: true, checked: 4, breaks: [] }
  const broken: AuditVerifyResponse = { ok: false, checked: 4, breaks: [{ origin: ORIGIN_A, seq: 2, reason: 'chain' }] }
  before(async () => { stub = await startStubApi({ 'GET /v1/audit/verify': { status: 200, body: good } }) })
  after(async () => { await stub.close() })

  it('exits 0 and says ok', async () => {
    stub.routes.set('GET /v1/audit/verify', { status: 200, body: good })
    const io = captureIo()
    assert.equal(await runCli(['audit', 'verify', '--api', stub.api], io), 0)
    assert.deepEqual(io.stdout, ['ok: checked 4 entries, 0 breaks'])
  })

  it('exits 1 and lists the breaks', async () => {
    stub.routes.set('GET /v1/audit/verify', { status: 200, body: broken })
    const io = captureIo()
    assert.equal(await runCli(['audit', 'verify', '--api', stub.api], io), 1)
    assert.deepEqual(io.stdout, ['FAILED: checked 4 entries, 1 break', 'ORIGIN         SEQ  REASON', '12D3Ko…AAAAA1  2    chain'])
  })

  it('prints the API JSON with --json, with the same exit codes', async () => {
    for (const [body, code] of [[good, 0], [broken, 1]] as const) {
      stub.routes.set('GET /v1/audit/verify', { status: 200, body })
      const io = captureIo()
      assert.equal(await runCli(['audit', 'verify', '--json', '--api', stub.api], io), code)
      assert.deepEqual(JSON.parse(io.outText()), body)
    }
  })
})
