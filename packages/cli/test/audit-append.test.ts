/** `kos audit append`: the fields and the bearer token it sends, and its exit codes. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../src/program.js'
import { ORIGIN_A } from './audit-fixtures.js'
import { captureIo } from './capture-io.js'
import { startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

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
