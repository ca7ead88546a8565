import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServerResponse } from 'node:http'
import type { AuditEntry, AuditQueryResponse, AuditVerifyResponse } from '../src/audit-types.js'
import { ApiClient } from '../src/client.js'
import { runCli } from '../src/program.js'
import { SseParser } from '../src/sse.js'
import { captureIo } from './capture-io.js'
import { startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

const ORIGIN_A = '12D3KooWAuditOriginAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1'
const ORIGIN_B = '12D3KooWAuditOriginBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2'
const T0 = Date.parse('2025-03-01T10:00:00.000Z')

function entry (origin: string, seq: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    origin,
    seq,
    lamport: seq * 10,
    ts: T0 + seq * 1000,
    class: 'node',
    type: 'member.join',
    severity: 'info',
    subject: `peer-${seq}`,
    details: { n: seq },
    prev: '0'.repeat(64),
    hash: `${seq}`.padStart(64, 'a'),
    sig: 'c2ln',
    ...over
  }
}

const e1 = entry(ORIGIN_A, 1)
const e2 = entry(ORIGIN_B, 1, { class: 'ethics', severity: 'warning', type: 'policy.denied', subject: 'agent-7' })
const e3 = entry(ORIGIN_A, 2, { severity: 'critical', type: 'disk.full', subject: 'line\nbreak' })
const e4 = entry(ORIGIN_A, 3, { subject: 'héllo ✓' })

const TAIL_PAGE_1 = 'GET /v1/audit?limit=1000'
const TAIL_PAGE_2 = 'GET /v1/audit?limit=1000&cursor=c1'

/**
 * Writes an SSE stream in deliberately odd pieces, with pauses so they arrive as separate reads
 * (the pauses pace the writer; no test waits on them). `onWritten` runs once every byte is out.
 */
function writeChunked (res: ServerResponse, text: string, sizes: number[], end: boolean, onWritten?: () => void): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  res.flushHeaders()
  const bytes = Buffer.from(text, 'utf8')
  let pos = 0
  let i = 0
  const step = (): void => {
    if (res.destroyed) return
    if (pos >= bytes.length) { onWritten?.(); if (end) res.end(); return }
    const size = sizes[i++ % sizes.length] ?? 1
    res.write(bytes.subarray(pos, pos + size))
    pos += size
    setTimeout(step, 1)
  }
  step()
}

/** An SSE body with heartbeats, CRLF and LF lines, a multi-line data field, and an ignored event type. */
function sseBody (entries: AuditEntry[]): string {
  let text = ': heartbeat\n\n'
  entries.forEach((e, i) => {
    const json = JSON.stringify(e)
    if (i % 3 === 0) text += `data: ${json}\r\n\r\n`
    else if (i % 3 === 1) text += `: ping\nid: ${i}\ndata:${json.slice(0, 10)}\ndata:${json.slice(10)}\n\n`
    else text += `event: message\ndata: ${json}\n\n`
  })
  return text + 'event: other\ndata: {"not":"an entry"}\n\n: bye\n'
}

async function until (condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

describe('SseParser', () => {
  const text = ': hb\r\ndata: {"a":1}\r\n\r\ndata: x\ndata: y\n\nevent: e\rdata: z\r\r: tail\ndata: dropped'
  const expected = [{ event: 'message', data: '{"a":1}' }, { event: 'message', data: 'x\ny' }, { event: 'e', data: 'z' }]

  it('gives the same events however the text is split in two', () => {
    for (let i = 0; i <= text.length; i++) {
      const parser = new SseParser()
      const events = [...parser.push(text.slice(0, i)), ...parser.push(text.slice(i)), ...parser.end()]
      assert.deepEqual(events, expected, `split at ${i}`)
    }
  })

  it('gives the same events one character at a time', () => {
    const parser = new SseParser()
    const events = [...text].flatMap(c => parser.push(c)).concat(parser.end())
    assert.deepEqual(events, expected)
  })
})

describe('ApiClient audit', () => {
  let stub: StubApi
  before(async () => { stub = await startStubApi({}) })
  after(async () => { await stub.close() })

  it('streamAudit parses entries split across odd-sized chunks, then ends with the stream', async () => {
    const entries = [e1, e2, e3, e4]
    stub.routes.set('GET /v1/audit/stream', (_req, res) => { writeChunked(res, sseBody(entries), [1, 7, 3, 13, 2, 29], true) })
    const client = new ApiClient({ api: stub.api })
    const got: AuditEntry[] = []
    for await (const e of client.streamAudit(new AbortController().signal)) got.push(e)
    assert.deepEqual(got, entries)
    assert.equal(stub.requests.at(-1)?.headers.accept, 'text/event-stream')
  })

  it('streamAudit ends quietly when the signal aborts', async () => {
    let written = (): void => {}
    const allWritten = new Promise<void>((resolve) => { written = resolve })
    let closed = false
    stub.routes.set('GET /v1/audit/stream', (_req, res) => {
      res.on('close', () => { closed = true })
      writeChunked(res, sseBody([e1]), [5], false, written)
    })
    const controller = new AbortController()
    const got: AuditEntry[] = []
    for await (const e of new ApiClient({ api: stub.api }).streamAudit(controller.signal)) {
      got.push(e)
      // Abort once the stub has written its whole body but keeps the stream open: nothing is left
      // to yield, so the stream can only end through the abort, failing a read in progress.
      void allWritten.then(() => { controller.abort() })
    }
    assert.deepEqual(got, [e1])
    await until(() => closed, 'the stub to see the aborted stream closed')
  })

  it('streamAudit raises the API error of a refused stream', async () => {
    stub.routes.set('GET /v1/audit/stream', { status: 503, body: { error: { code: 'unavailable', message: 'too many streams' } } })
    await assert.rejects(async () => {
      for await (const _ of new ApiClient({ api: stub.api }).streamAudit(new AbortController().signal)) void _
    }, { name: 'ApiError', status: 503, code: 'unavailable' })
  })
})

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

describe('kos audit append', () => {
  let stub: StubApi
  let dir: string
  let savedToken: string | undefined
  const answer = { origin: ORIGIN_A, seq: 7, hash: 'ab'.repeat(32) }
  const FIELDS = ['--class', 'operator', '--severity', 'notice', '--type', 'deploy.started', '--subject', 'svc-1']

  before(async () => {
    stub = await startStubApi({
      'POST /v1/audit?ack=local': { status: 200, body: answer },
      'POST /v1/audit?ack=quorum': { status: 200, body: answer }
    })
    dir = await mkdtemp(join(tmpdir(), 'kos-audit-'))
    savedToken = process.env.KOS_TOKEN
    delete process.env.KOS_TOKEN
  })
  after(async () => {
    await stub.close()
    await rm(dir, { recursive: true, force: true })
    if (savedToken === undefined) delete process.env.KOS_TOKEN
    else process.env.KOS_TOKEN = savedToken
  })

  it('sends the fields and the bearer token from --token-file', async () => {
    const file = join(dir, 'token')
    await writeFile(file, 'deadbeef01\n')
    await chmod(file, 0o600)
    const io = captureIo()
    assert.equal(await runCli(['audit', 'append', ...FIELDS, '--details', '{"version":"1.2"}', '--ack', 'quorum',
      '--token-file', file, '--api', stub.api], io), 0)
    const request = stub.requests.at(-1)
    assert.equal(request?.method, 'POST')
    assert.equal(request?.url, '/v1/audit?ack=quorum')
    assert.equal(request?.headers.authorization, 'Bearer deadbeef01')
    assert.equal(request?.headers['content-type'], 'application/json')
    assert.deepEqual(JSON.parse(request?.body ?? ''), {
      class: 'operator', type: 'deploy.started', severity: 'notice', subject: 'svc-1', details: { version: '1.2' }
    })
    assert.deepEqual(io.stdout, ['appended 12D3Ko…AAAAA1 seq 7 (abababababab…)'])
  })

  it('takes the token from KOS_TOKEN, acks locally by default, and prints JSON', async () => {
    process.env.KOS_TOKEN = 'cafe42'
    try {
      const io = captureIo()
      assert.equal(await runCli(['audit', 'append', ...FIELDS, '--json', '--api', stub.api], io), 0)
      assert.equal(stub.requests.at(-1)?.url, '/v1/audit?ack=local')
      assert.equal(stub.requests.at(-1)?.headers.authorization, 'Bearer cafe42')
      assert.deepEqual(JSON.parse(stub.requests.at(-1)?.body ?? ''), {
        class: 'operator', type: 'deploy.started', severity: 'notice', subject: 'svc-1'
      })
      assert.deepEqual(JSON.parse(io.outText()), answer)
    } finally {
      delete process.env.KOS_TOKEN
    }
  })

  it('reads <--data>/api-token', async () => {
    await writeFile(join(dir, 'api-token'), 'f00d\n', { mode: 0o600 })
    const io = captureIo()
    assert.equal(await runCli(['audit', 'append', ...FIELDS, '--data', dir, '--api', stub.api], io), 0)
    assert.equal(stub.requests.at(-1)?.headers.authorization, 'Bearer f00d')
  })

  it('exits 2 naming the token options when there is no token', async () => {
    const sent = stub.requests.length
    const io = captureIo()
    assert.equal(await runCli(['audit', 'append', ...FIELDS, '--data', join(dir, 'nowhere'), '--api', stub.api], io), 2)
    assert.match(io.errText(), /cannot read the API token from the node's token file .*nowhere.api-token: it does not exist/)
    assert.match(io.errText(), /--token-file.*KOS_TOKEN.*--data/)
    const io2 = captureIo()
    assert.equal(await runCli(['audit', 'append', ...FIELDS, '--token-file', join(dir, 'missing'), '--api', stub.api], io2), 2)
    assert.match(io2.errText(), /--token-file .*missing/)
    assert.equal(stub.requests.length, sent)
  })

  it('exits 1 with a hint when the node refuses the token', async () => {
    stub.routes.set('POST /v1/audit?ack=local', { status: 401, body: { error: { code: 'unauthorized', message: 'bad token' } } })
    process.env.KOS_TOKEN = 'wrong'
    try {
      const io = captureIo()
      assert.equal(await runCli(['audit', 'append', ...FIELDS, '--api', stub.api], io), 1)
      assert.match(io.errText(), /^error: bad token; the token was refused .*--token-file.*\(unauthorized, HTTP 401\)$/)
    } finally {
      delete process.env.KOS_TOKEN
      stub.routes.set('POST /v1/audit?ack=local', { status: 200, body: answer })
    }
  })

  it('exits 1 with the API message on a quorum timeout', async () => {
    stub.routes.set('POST /v1/audit?ack=quorum', { status: 504, body: { error: { code: 'quorum_timeout', message: 'no quorum within 2000 ms' } } })
    process.env.KOS_TOKEN = 'cafe42'
    try {
      const io = captureIo()
      assert.equal(await runCli(['audit', 'append', ...FIELDS, '--ack', 'quorum', '--api', stub.api], io), 1)
      assert.deepEqual(io.stderr, ['error: no quorum within 2000 ms (quorum_timeout, HTTP 504)'])
    } finally {
      delete process.env.KOS_TOKEN
    }
  })

  const bad: Array<[string[], RegExp]> = [
    [['--details', '{bad'], /invalid --details value: not JSON/],
    [['--details', '[1,2]'], /invalid --details value: give a JSON object/],
    [['--class', 'weird'], /--class.*weird/s],
    [['--ack', 'all'], /--ack.*all/s]
  ]
  for (const [flags, message] of bad) {
    it(`exits 2 for ${flags.join(' ')}`, async () => {
      process.env.KOS_TOKEN = 'cafe42'
      try {
        const sent = stub.requests.length
        const io = captureIo()
        assert.equal(await runCli(['audit', 'append', ...FIELDS, ...flags, '--api', stub.api], io), 2)
        assert.match(io.errText(), message)
        assert.equal(stub.requests.length, sent)
      } finally {
        delete process.env.KOS_TOKEN
      }
    })
  }

  it('exits 2 when a required flag is missing', async () => {
    const io = captureIo()
    assert.equal(await runCli(['audit', 'append', '--class', 'operator', '--api', stub.api], io), 2)
    assert.match(io.errText(), /required option/)
  })
})
