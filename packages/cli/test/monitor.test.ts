/**
 * `kos monitor` against the stub API over a real socket: a line per event, the types it asks for,
 * reconnecting with Last-Event-ID after a drop (and saying so), a reset, --json, and the exits:
 * 0 on Ctrl-C, 1 when the node cannot be reached at all, 2 for an unknown type.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { runCli } from '../src/program.js'
import { eventSummary } from '../src/commands/monitor-format.js'
import { captureIo, type CapturedIo } from './capture-io.js'
import { freePort, startStubApi, type StubApi } from './stub-api.js'
import { until } from './audit-fixtures.js'

const PEER = '12D3KooWMonitorPeerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1'
const SELF = '12D3KooWMonitorSelfBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2'

function frame (type: string, data: object, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`
}
const hello = (resumed: boolean, replayed: number, id?: string): string => frame('hello', { bootId: 'b00t', peerId: SELF, resumed, replayed }, id)
const dead = (id: string): string => frame('member:dead', { type: 'member:dead', member: { peerId: PEER, name: 'c', state: 'dead', phi: null, incarnation: 3 }, by: SELF }, id)
const elected = (id: string): string => frame('coordinator:elected', { type: 'coordinator:elected', coordinatorId: SELF, term: 4 }, id)

/** A stream handler that writes `body`, then ends the response (a drop) or keeps it open. */
function stream (body: string, end: boolean): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(body)
    if (end) res.end()
  }
}

describe('kos monitor', () => {
  let stub: StubApi
  before(async () => { stub = await startStubApi({}) })
  after(async () => { await stub.close() })

  async function monitor (args: string[], done: (io: CapturedIo) => boolean): Promise<{ code: number, io: CapturedIo }> {
    const io = captureIo()
    const controller = new AbortController()
    const running = runCli(['monitor', '--api', stub.api, ...args], io, { signal: controller.signal })
    await until(() => done(io), 'the monitor\'s output')
    controller.abort()
    return { code: await running, io }
  }

  it('prints a line per event, says where it follows on stderr, and exits 0 on Ctrl-C', async () => {
    stub.routes.set('GET /v1/events', stream(hello(false, 0, 'b00t-7') + dead('b00t-8') + elected('b00t-9'), false))
    const { code, io } = await monitor([], (io) => io.stdout.length === 2)
    assert.equal(code, 0)
    assert.match(io.stdout[0]!, /^\d\d:\d\d:\d\d\.\d{3} {2}member:dead +c \(12D3Ko…AAAAA1\) dead incarnation 3 by 12D3Ko…BBBBB2$/)
    assert.match(io.stdout[1]!, /coordinator:elected +12D3Ko…BBBBB2 term 4$/)
    assert.match(io.errText(), /following http:\/\/127\.0\.0\.1:\d+ \(node 12D3Ko…BBBBB2\)/)
  })

  it('asks for the --types given, and refuses an unknown one as a usage error before any request', async () => {
    stub.routes.set('GET /v1/events?types=member%2Ccoordinator%3Aelected', stream(hello(false, 0, 'b00t-1') + dead('b00t-2'), false))
    const { code } = await monitor(['--types', 'member,coordinator:elected'], (io) => io.stdout.length === 1)
    assert.equal(code, 0)
    const before = stub.requests.length
    const io = captureIo()
    assert.equal(await runCli(['monitor', '--api', stub.api, '--types', 'member,gossip'], io), 2)
    assert.match(io.errText(), /--types: unknown event type "gossip"/)
    assert.equal(stub.requests.length, before)
  })

  it('reconnects with the last event id after a drop, says so, and prints the replayed events', async () => {
    let connections = 0
    stub.routes.set('GET /v1/events', (req, res) => {
      connections++
      if (connections === 1) stream(hello(false, 0, 'b00t-7') + dead('b00t-8'), true)(req, res)
      else if (connections === 2) {
        // The node is busy for a moment: a 503 is retried too.
        res.writeHead(503, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { code: 'overloaded', message: 'this node already serves 32 event streams' } }))
      } else stream(hello(true, 1) + elected('b00t-9'), false)(req, res)
    })
    const { code, io } = await monitor([], (io) => io.stdout.length === 2)
    assert.equal(code, 0)
    const resumed = stub.requests.filter((r) => r.url === '/v1/events').slice(-2)
    assert.deepEqual(resumed.map((r) => r.headers['last-event-id']), ['b00t-8', 'b00t-8'])
    assert.match(io.errText(), /the node closed the stream; reconnecting in \d+ ms \(from event b00t-8\)/)
    assert.match(io.errText(), /32 event streams; reconnecting/)
    assert.match(io.errText(), /reconnected; 1 missed event follow/)
    assert.match(io.stdout[1]!, /coordinator:elected/)
  })

  it('says when events were missed (a reset), and --json prints one object per event and reset', async () => {
    let connections = 0
    stub.routes.set('GET /v1/events', (req, res) => {
      connections++
      if (connections === 1) stream(hello(false, 0, 'b00t-7') + dead('b00t-8'), true)(req, res)
      else stream(hello(false, 0) + frame('reset', { reason: 'the node restarted since that event (its ids start again)', bootId: 'n3w' }, 'n3w-4') + elected('n3w-5'), false)(req, res)
    })
    const { code, io } = await monitor(['--json'], (io) => io.stdout.length === 3)
    assert.equal(code, 0)
    const lines = io.stdout.map((l) => JSON.parse(l) as { id: string | null, type: string, data: Record<string, unknown> })
    assert.deepEqual(lines.map((l) => [l.id, l.type]), [['b00t-8', 'member:dead'], ['n3w-4', 'reset'], ['n3w-5', 'coordinator:elected']])
    assert.equal(lines[0]!.data.by, SELF)
    assert.match(io.errText(), /events were missed: the node restarted since that event/)
  })

  it('exits 1 when the node cannot be reached at all', async () => {
    const io = captureIo()
    assert.equal(await runCli(['monitor', '--api', `127.0.0.1:${await freePort()}`], io, { signal: new AbortController().signal }), 1)
    assert.match(io.errText(), /^error: /)
  })
})

describe('kos monitor lines', () => {
  it('say what each event is about', () => {
    assert.equal(eventSummary('audit:entry', { origin: PEER, seq: 12, class: 'node', severity: 'error', type: 'member:dead', subject: SELF }),
      '12D3Ko…AAAAA1/12 node error member:dead 12D3Ko…BBBBB2')
    assert.equal(eventSummary('member:alive', { type: 'member:alive', member: { peerId: PEER, name: 'c', state: 'alive', phi: 0.42, incarnation: 4 }, previous: 'dead' }),
      'c (12D3Ko…AAAAA1) alive phi 0.4 incarnation 4')
    assert.equal(eventSummary('escalation:acked', { type: 'escalation:acked', id: 'e1', by: PEER, box: 'outbox' }), 'id=e1 by=12D3Ko…AAAAA1 box=outbox')
    assert.equal(eventSummary('authority:adopted', { type: 'authority:adopted', from: PEER, junzi: [PEER, SELF], archon: [] }),
      'from=12D3Ko…AAAAA1 junzi=12D3Ko…AAAAA1,12D3Ko…BBBBB2 archon=')
  })
})
