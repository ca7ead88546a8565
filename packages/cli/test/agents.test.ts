import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../src/program.js'
import { NOW, agentsResponse, batch, ethicsBot, web } from './agent-fixtures.js'
import { captureIo } from './capture-io.js'
import { startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

const error = (status: number, code: string, message: string): { status: number, body: unknown } =>
  ({ status, body: { error: { code, message } } })

const RELEASE_403 = 'only a designated Junzi peer or the node that quarantined agent ethics-bot may release it'

describe('kos agents', () => {
  let stub: StubApi
  let dir: string
  let savedToken: string | undefined
  const kos = async (args: string[]): Promise<{ code: number, io: ReturnType<typeof captureIo> }> => {
    const io = captureIo()
    const code = await runCli(['agents', ...args, '--api', stub.api], io, { now: () => NOW })
    return { code, io }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kos-agents-'))
    savedToken = process.env.KOS_TOKEN
    stub = await startStubApi({
      'GET /v1/agents': { status: 200, body: agentsResponse },
      'GET /v1/agents/web': { status: 200, body: web },
      'GET /v1/agents/start': { status: 200, body: { ...batch, name: 'start' } },
      'POST /v1/agents/batch/start': { status: 200, body: { ...batch, state: 'starting', pid: 777, reason: 'started by an operator' } },
      'POST /v1/agents/web/stop': { status: 200, body: { ...web, state: 'stopped', pid: null } },
      'POST /v1/agents/ethics-bot/restart': error(409, 'conflict', 'agent ethics-bot is quarantined (ethics); a Junzi peer or the quarantining node must release it first'),
      'POST /v1/agents/ethics-bot/release': error(403, 'forbidden', RELEASE_403),
      'POST /v1/agents/web/release': { status: 200, body: { released: 'web' } },
      'POST /v1/agents': { status: 201, body: { ...batch, name: 'new-one', source: 'api', state: 'starting' } },
      'DELETE /v1/agents/new-one': { status: 200, body: { removed: 'new-one' } },
      'DELETE /v1/agents/batch': error(409, 'conflict', 'agent batch is defined in the node\'s config; remove it there')
    })
  })
  after(async () => {
    await stub.close()
    await rm(dir, { recursive: true, force: true })
    if (savedToken === undefined) delete process.env.KOS_TOKEN
    else process.env.KOS_TOKEN = savedToken
  })
  beforeEach(() => { process.env.KOS_TOKEN = 'cafe42' })

  it('lists the agents as a table, ages from the injected clock', async () => {
    const { code, io } = await kos([])
    assert.equal(code, 0)
    assert.deepEqual(io.stderr, [])
    assert.match(io.stdout[0] ?? '', /^NAME\s+STATE\s+READY\s+PID\s+RESTARTS\s+LAST EXIT\s+PROBE\s+FLAGS\s+REASON$/)
    assert.deepEqual(io.stdout.slice(1).map(l => l.split(/\s{2,}/)[0]), ['batch', 'ethics-bot', 'web'])
    assert.match(io.stdout[3] ?? '', /^web\s+running\s+yes\s+4242\s+2\s+code 1 3m ago\s+liveness success\s+critical\s+liveness recovered$/)
  })

  it('prints the API response with --json', async () => {
    const { code, io } = await kos(['--json'])
    assert.equal(code, 0)
    assert.equal(io.outText(), JSON.stringify(agentsResponse, null, 2))
  })

  it('shows one agent in detail, or as JSON', async () => {
    const shown = await kos(['web'])
    assert.equal(shown.code, 0)
    assert.ok(shown.io.stdout.includes('Command:     node server.js --port 8080'), shown.io.outText())
    assert.ok(shown.io.stdout.includes('Logs:        /var/kos/agents/web (stdout.log, stderr.log)'))
    const json = await kos(['web', '--json'])
    assert.deepEqual(JSON.parse(json.io.outText()), web)
  })

  it('shows an agent whose name is a verb with show', async () => {
    const { code, io } = await kos(['show', 'start'])
    assert.equal(code, 0)
    assert.ok(io.stdout.includes('Name:        start'), io.outText())
    assert.equal(stub.requests.at(-1)?.url, '/v1/agents/start')
  })

  it('exits 1 with the API message for an unknown agent', async () => {
    const { code, io } = await kos(['nobody'])
    assert.equal(code, 1)
    assert.deepEqual(io.stdout, [])
    assert.match(io.errText(), /^error: .*\(not_found, HTTP 404\)$/)
  })

  it('starts and stops with the bearer token, printing the new state', async () => {
    const started = await kos(['start', 'batch'])
    assert.equal(started.code, 0)
    assert.deepEqual(started.io.stdout, ['batch: starting (pid 777)'])
    const req = stub.requests.at(-1)
    assert.equal(`${req?.method} ${req?.url}`, 'POST /v1/agents/batch/start')
    assert.equal(req?.headers.authorization, 'Bearer cafe42')

    const stopped = await kos(['stop', 'web', '--json'])
    assert.equal(stopped.code, 0)
    assert.equal(JSON.parse(stopped.io.outText()).state, 'stopped')
  })

  it('exits 1 with the 409 message when restarting a quarantined agent', async () => {
    const { code, io } = await kos(['restart', 'ethics-bot'])
    assert.equal(code, 1)
    assert.deepEqual(io.stdout, [])
    assert.deepEqual(io.stderr, ['error: agent ethics-bot is quarantined (ethics); a Junzi peer or the quarantining node must release it first (conflict, HTTP 409)'])
  })

  it('releases, and shows the 403 of a node that may not, exit 1', async () => {
    const ok = await kos(['release', 'web'])
    assert.equal(ok.code, 0)
    assert.deepEqual(ok.io.stdout, ['released web'])
    const refused = await kos(['release', 'ethics-bot'])
    assert.equal(refused.code, 1)
    assert.deepEqual(refused.io.stderr, [`error: ${RELEASE_403} (forbidden, HTTP 403)`])
  })

  it('adds the definition read from a JSON file, sent as is', async () => {
    const definition = { name: 'new-one', command: 'node', args: ['a.js'], critical: true }
    const file = join(dir, 'new-one.json')
    await writeFile(file, JSON.stringify(definition))
    const { code, io } = await kos(['add', file])
    assert.equal(code, 0)
    assert.deepEqual(io.stdout, ['added new-one: starting'])
    const req = stub.requests.at(-1)
    assert.equal(`${req?.method} ${req?.url}`, 'POST /v1/agents')
    assert.deepEqual(JSON.parse(req?.body ?? ''), definition)
    assert.equal(req?.headers.authorization, 'Bearer cafe42')
  })

  it('exits 2 for a definition file that is missing, not JSON, or not an object, sending nothing', async () => {
    const sent = stub.requests.length
    const notJson = join(dir, 'bad.json')
    await writeFile(notJson, '{ name: ')
    const list = join(dir, 'list.json')
    await writeFile(list, '[]')
    for (const [file, message] of [[join(dir, 'missing.json'), /missing\.json: it does not exist/], [notJson, /bad\.json is not valid JSON/], [list, /list\.json must be one JSON object/]] as const) {
      const { code, io } = await kos(['add', file])
      assert.equal(code, 2)
      assert.match(io.errText(), message)
    }
    assert.equal(stub.requests.length, sent)
  })

  it('removes an API-defined agent; a config one is a 409', async () => {
    const removed = await kos(['remove', 'new-one'])
    assert.equal(removed.code, 0)
    assert.deepEqual(removed.io.stdout, ['removed new-one'])
    assert.equal(stub.requests.at(-1)?.method, 'DELETE')
    const refused = await kos(['remove', 'batch'])
    assert.equal(refused.code, 1)
    assert.match(refused.io.errText(), /remove it there \(conflict, HTTP 409\)$/)
  })

  it('reads the token from --token-file, and hints when the node refuses it', async () => {
    delete process.env.KOS_TOKEN
    const file = join(dir, 'token')
    await writeFile(file, 'f00d\n')
    stub.routes.set('POST /v1/agents/web/restart', error(401, 'unauthorized', 'missing or wrong API token'))
    const { code, io } = await kos(['restart', 'web', '--token-file', file])
    assert.equal(code, 1)
    assert.equal(stub.requests.at(-1)?.headers.authorization, 'Bearer f00d')
    assert.match(io.errText(), /^error: missing or wrong API token; the token was refused .*--token-file.*\(unauthorized, HTTP 401\)$/)
  })

  it('exits 2 without a token, sending nothing', async () => {
    delete process.env.KOS_TOKEN
    const sent = stub.requests.length
    const { code, io } = await kos(['stop', 'web', '--data', join(dir, 'nowhere')])
    assert.equal(code, 2)
    assert.match(io.errText(), /cannot read the API token .*--token-file.*KOS_TOKEN.*--data/)
    assert.equal(stub.requests.length, sent)
  })

  for (const args of [['start'], ['stop', 'a', 'b'], ['add'], ['show'], ['web', 'batch']]) {
    it(`exits 2 for kos agents ${args.join(' ')}, sending nothing`, async () => {
      const sent = stub.requests.length
      const { code, io } = await kos(args)
      assert.equal(code, 2)
      assert.match(io.errText(), /^error: kos agents .*(takes exactly one|takes at most one)/)
      assert.equal(stub.requests.length, sent)
    })
  }
})
