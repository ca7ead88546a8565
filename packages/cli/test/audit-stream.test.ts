/** The audit stream: the SSE parser, and ApiClient.streamAudit against a stub that writes odd pieces. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ApiClient, SseParser, type AuditEntryView } from '@kos/client'
import { e1, e2, e3, e4, sseBody, until, writeChunked } from './audit-fixtures.js'
import { startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

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
    const got: AuditEntryView[] = []
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
    const got: AuditEntryView[] = []
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
