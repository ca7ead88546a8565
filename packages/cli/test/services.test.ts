/** `kos services` and `kos drain` against a stub API over a real socket (issue 18). */
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServiceInfo } from '@kos/client'
import { runCli } from '../src/program.js'
import { captureIo } from './capture-io.js'
import { startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

const PEER_A = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const PEER_B = '12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc7'

const web: ServiceInfo = {
  name: 'web',
  replicas: 2,
  spread: 'node',
  status: 'under-replicated',
  instances: [
    { id: 'web-0', generation: 3, nodeId: PEER_A, nodeName: 'n1', state: 'running', ready: true, since: '2026-12-07T08:00:00.000Z' },
    { id: 'web-1', generation: 1, nodeId: PEER_B, nodeName: 'n2', state: 'starting', ready: false, since: '2026-12-07T08:00:01.000Z' }
  ]
}

describe('kos services and kos drain', () => {
  let stub: StubApi
  let dir: string
  let savedToken: string | undefined
  const kos = async (args: string[]): Promise<{ code: number, io: ReturnType<typeof captureIo> }> => {
    const io = captureIo()
    const code = await runCli([...args, '--api', stub.api], io)
    return { code, io }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kos-services-'))
    savedToken = process.env.KOS_TOKEN
    stub = await startStubApi({
      'GET /v1/services': { status: 200, body: { services: [web] } },
      'GET /v1/services/web': { status: 200, body: web },
      'POST /v1/services': { status: 201, body: { ...web, instances: [] } },
      'DELETE /v1/services/web': { status: 200, body: { removed: 'web' } },
      'DELETE /v1/services/gone': { status: 404, body: { error: { code: 'not_found', message: 'no service gone' } } },
      'POST /v1/drain': { status: 200, body: { node: PEER_B, draining: true } }
    })
  })
  after(async () => {
    await stub.close()
    await rm(dir, { recursive: true, force: true })
    if (savedToken === undefined) delete process.env.KOS_TOKEN
    else process.env.KOS_TOKEN = savedToken
  })
  beforeEach(() => { process.env.KOS_TOKEN = 'cafe42' })

  it('lists the services with their ready count, status and instances', async () => {
    const { code, io } = await kos(['services'])
    assert.equal(code, 0)
    assert.match(io.stdout[0] ?? '', /^NAME\s+REPLICAS\s+READY\s+STATUS\s+INSTANCES$/)
    assert.match(io.stdout[1] ?? '', /^web\s+2\s+1\s+under-replicated\s+web-0#3@n1 web-1#1@n2\(starting\)$/)
  })

  it('shows one service with its instances, or the JSON', async () => {
    const { code, io } = await kos(['services', 'web'])
    assert.equal(code, 0)
    assert.ok(io.stdout.some((l) => /^web-0\s+3\s+n1\s+/.test(l)))
    const json = await kos(['services', 'web', '--json'])
    assert.deepEqual(JSON.parse(json.io.outText()), web)
  })

  it('adds a definition from a file with the token, and removes one', async () => {
    const file = join(dir, 'web.json')
    const definition = { name: 'web', command: 'node', replicas: 2 }
    await writeFile(file, JSON.stringify(definition))
    const added = await kos(['services', 'add', file])
    assert.equal(added.code, 0)
    const req = stub.requests.at(-1)
    assert.equal(`${req?.method} ${req?.url}`, 'POST /v1/services')
    assert.deepEqual(JSON.parse(req?.body ?? ''), definition)
    assert.equal(req?.headers.authorization, 'Bearer cafe42')
    const removed = await kos(['services', 'remove', 'web', '--json'])
    assert.equal(removed.code, 0)
    assert.deepEqual(JSON.parse(removed.io.outText()), { removed: 'web' })
    const missing = await kos(['services', 'remove', 'gone'])
    assert.equal(missing.code, 1)
    assert.match(missing.io.errText(), /no service gone \(not_found, HTTP 404\)/)
  })

  it('exits 2 on a missing file or a verb without its argument, sending nothing', async () => {
    const sent = stub.requests.length
    assert.equal((await kos(['services', 'add', join(dir, 'nope.json')])).code, 2)
    assert.equal((await kos(['services', 'remove'])).code, 2)
    assert.equal((await kos(['services', 'a', 'b'])).code, 2)
    assert.equal(stub.requests.length, sent)
  })

  it('drains a node by peer id, and undoes it', async () => {
    const { code, io } = await kos(['drain', '--node', PEER_B])
    assert.equal(code, 0)
    assert.match(io.outText(), /^draining 12D3KooWKnDd/)
    assert.deepEqual(JSON.parse(stub.requests.at(-1)?.body ?? ''), { node: PEER_B, undo: false })
    await kos(['drain', '--undo'])
    assert.deepEqual(JSON.parse(stub.requests.at(-1)?.body ?? ''), { undo: true })
  })
})
