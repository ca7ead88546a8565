/**
 * The coordinator's placement state machine (@kos/core, services/placement-coordinator.ts) on a manual
 * clock, the desired-state fold (services/service-book.ts) and the node's reconcile
 * (services/instance-runner.ts).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { PlacementCoordinator, type CoordinatorView } from '@kos/core'
import type { ReportedInstance, PlacementMember } from '@kos/core'
import { ServiceBook, type DesiredStateEntry } from '../src/services/service-book.js'
import { instanceSpec, reconcile } from '../src/services/instance-runner.js'
import { serviceSpecSchema } from '../src/services/service-spec.js'

const m = (id: string, over: Partial<PlacementMember> = {}): PlacementMember => ({ id, name: id, present: true, eligible: true, draining: false, role: 'member', zone: null, ...over })

function view (over: Partial<CoordinatorView> = {}): CoordinatorView {
  return {
    term: 3,
    members: [m('a'), m('b'), m('c')],
    services: [{ name: 'web', replicas: 2, spread: 'node' }],
    reports: [],
    generations: new Map(),
    goneAtMs: () => undefined,
    ...over
  }
}

const options = { settleMs: 1500, republishMs: 1000, underReplicatedEscalateMs: 30_000 }

describe('placement coordinator', () => {
  it('waits settleMs after it becomes coordinator, then publishes its table, and again every republishMs', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    assert.equal(pc.step(view()).publish, null)
    clock.advance(1499)
    assert.equal(pc.step(view()).publish, null)
    clock.advance(1)
    const first = pc.step(view())
    assert.equal(first.publish?.term, 3)
    assert.equal(first.publish?.version, 1)
    assert.equal(first.changes.length, 2)
    clock.advance(500)
    assert.equal(pc.step(view()).publish, null, 'unchanged: not yet')
    clock.advance(500)
    assert.equal(pc.step(view()).publish?.version, 1, 'republished, same version')
  })

  it('with no service defined, republishes its empty table every idleRepublishMs; a definition at once', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator({ ...options, idleRepublishMs: 10_000 }, clock)
    const idle = view({ services: [] })
    pc.step(idle)
    clock.advance(1500)
    assert.equal(pc.step(idle).publish?.assignments.length, 0, 'the first table, empty')
    clock.advance(9999)
    assert.equal(pc.step(idle).publish, null, 'not every republishMs')
    clock.advance(1)
    assert.equal(pc.step(idle).publish?.version, 1, 'republished, same version')
    clock.advance(100)
    const defined = pc.step(view())
    assert.equal(defined.publish?.version, 2, 'a service defined: its table at once')
    clock.advance(1000)
    assert.equal(pc.step(view()).publish?.version, 2, 'and every republishMs while it is')
  })

  it('forgets everything when it stops being coordinator, and settles again in a new term', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    pc.step(view())
    clock.advance(2000)
    pc.step(view())
    assert.ok(pc.table !== null)
    pc.step(view({ term: null }))
    assert.equal(pc.table, null)
    assert.equal(pc.step(view({ term: 4 })).publish, null)
    clock.advance(1500)
    assert.equal(pc.step(view({ term: 4 })).publish?.term, 4)
  })

  it('keeps its versions growing within a term across a lapse of its lease', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    assert.equal(pc.step(view()).publish, null)
    clock.advance(1500)
    const first = pc.step(view())
    assert.equal(first.publish?.version, 1)
    // The lease lapses (no term while it does), then returns in the same term.
    assert.equal(pc.step(view({ term: null })).publish, null)
    assert.equal(pc.step(view()).publish, null, 'settles again')
    clock.advance(1500)
    const again = pc.step(view())
    assert.equal(again.publish?.term, 3)
    assert.ok(again.publish!.version > first.publish!.version, `version ${again.publish!.version} after ${first.publish!.version}`)
    // A new term may start again from 1: nodes compare versions within a term only.
    clock.advance(10)
    pc.step(view({ term: 4 }))
    clock.advance(1500)
    assert.equal(pc.step(view({ term: 4 })).publish?.version, 1)
  })

  it('times a re-placement from the last heartbeat of the node that went away to the replacement being ready', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    pc.step(view())
    clock.advance(2000)
    const table = pc.step(view()).publish!.assignments
    const ready = (t: typeof table): ReportedInstance[] => t.map((a) => ({ service: a.service, id: a.id, generation: a.generation, node: a.node, ready: true }))
    clock.advance(10_000)
    const lost = table[0]!
    const members = [m('a'), m('b'), m('c')].map((x) => x.id === lost.node ? { ...x, present: false, eligible: false } : x)
    const step = pc.step(view({ members, reports: ready(table.slice(1)), goneAtMs: (n) => n === lost.node ? 9000 : undefined }))
    assert.equal(step.changes[0]?.type, 'replaced')
    clock.advance(1500)
    const done = pc.step(view({ members, reports: ready(step.publish!.assignments) }))
    assert.deepEqual(done.replacementsReady, [{ service: 'web', id: lost.id, seconds: 4.5 }])
  })

  it('counts a slot placed later, once a node could take it, as the re-placement of the node that went away', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    pc.step(view())
    clock.advance(2000)
    const table = pc.step(view()).publish!.assignments
    const lost = table[0]!
    const other = table[1]!.node
    // Its node dies while the third node may take nothing (degraded): the slot stays empty.
    const gone = [m('a'), m('b'), m('c')].map((x) => x.id === lost.node ? { ...x, present: false, eligible: false } : x.id === other ? x : { ...x, eligible: false })
    const reports = table.slice(1).map((a) => ({ service: a.service, id: a.id, generation: a.generation, node: a.node, ready: true }))
    clock.advance(1000)
    const empty = pc.step(view({ members: gone, reports, goneAtMs: (n) => n === lost.node ? 2500 : undefined }))
    assert.deepEqual(empty.changes, [])
    assert.ok(!empty.publish!.assignments.some((a) => a.id === lost.id))
    clock.advance(3000)
    const later = pc.step(view({ members: gone.map((x) => x.id === lost.node ? x : { ...x, eligible: true }), reports, goneAtMs: (n) => n === lost.node ? 2500 : undefined }))
    assert.deepEqual(later.changes.map((c) => [c.type, c.assignment.id, c.type === 'replaced' ? c.from : null]), [['replaced', lost.id, lost.node]])
  })

  it('escalates a service under-replicated for underReplicatedEscalateMs, once until it recovers', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    const lonely = view({ members: [m('a')] })
    pc.step(lonely)
    clock.advance(1500)
    assert.deepEqual(pc.step(lonely).escalate, [])
    clock.advance(29_999)
    assert.deepEqual(pc.step(lonely).escalate, [])
    clock.advance(1)
    assert.deepEqual(pc.step(lonely).escalate.map((u) => `${u.service} ${u.ready}/${u.replicas}`), ['web 0/2'])
    clock.advance(60_000)
    assert.deepEqual(pc.step(lonely).escalate, [], 'once')
  })
})

describe('service book', () => {
  const spec = (replicas: number): Record<string, unknown> => JSON.parse(JSON.stringify(serviceSpecSchema.parse({ name: 'web', command: 'x', replicas })))
  const entry = (type: string, subject: string, term: number, lamport: number, details: Record<string, unknown> = {}): DesiredStateEntry =>
    ({ origin: `o${term}`, seq: lamport, lamport, type, subject, details: { term, ...details } })

  it('folds to the same state in any order: the highest (term, lamport) wins', () => {
    const entries = [
      entry('service:defined', 'web', 1, 5, { spec: spec(2) }),
      entry('service:defined', 'web', 2, 3, { spec: spec(3) }),
      entry('service:removed', 'web', 1, 9),
      entry('node:drain', 'n1', 2, 4, { draining: true }),
      entry('node:drain', 'n1', 2, 2, { draining: false })
    ]
    for (const order of [entries, [...entries].reverse(), [entries[2]!, entries[0]!, entries[4]!, entries[1]!, entries[3]!]]) {
      const book = new ServiceBook()
      for (const e of order) book.apply(e)
      assert.equal(book.get('web')?.replicas, 3)
      assert.equal(book.draining('n1'), true)
    }
  })

  it('ignores entries without a term, with an invalid spec, or whose spec names another service', () => {
    const book = new ServiceBook()
    assert.equal(book.apply({ ...entry('service:defined', 'web', 1, 1, { spec: spec(2) }), details: { spec: spec(2) } }), false)
    assert.equal(book.apply(entry('service:defined', 'web', 1, 1, { spec: { name: 'web' } })), false)
    assert.equal(book.apply(entry('service:defined', 'api', 1, 1, { spec: spec(2) })), false)
    assert.deepEqual(book.list(), [])
  })
})

describe('instances on a node', () => {
  const spec = serviceSpecSchema.parse({
    name: 'web', command: 'node', args: ['srv.js', '--port', '${PORT}'], replicas: 2, env: { A: '1' },
    readiness: { http: 'http://127.0.0.1:${PORT}/healthz' }
  })
  const a = { service: 'web', id: 'web-1', slot: 1, generation: 4, node: 'me' }

  it('gives an instance its identity, its port, and fills ${PORT} in args and probe URLs', () => {
    const agent = instanceSpec(spec, a, 20017)
    assert.equal(agent.name, 'svc.web-1')
    assert.deepEqual(agent.args, ['srv.js', '--port', '20017'])
    assert.equal(agent.readiness?.http, 'http://127.0.0.1:20017/healthz')
    assert.deepEqual(agent.env, { A: '1', KOS_SERVICE: 'web', KOS_INSTANCE_ID: 'web-1', KOS_GENERATION: '4', PORT: '20017' })
    assert.equal('replicas' in agent, false)
  })

  it('starts what is assigned, stops what is not, and restarts a new generation or a changed definition', () => {
    const json = JSON.stringify(spec)
    const specJson = (s: string): string | undefined => s === 'web' ? json : undefined
    assert.deepEqual(reconcile([a], new Map(), specJson), { start: [a], stop: [], held: [] })
    assert.deepEqual(reconcile([a], new Map([['web-1', { generation: 4, specJson: json }]]), specJson), { start: [], stop: [], held: [] })
    assert.deepEqual(reconcile([], new Map([['web-1', { generation: 4, specJson: json }]]), specJson), { start: [], stop: ['web-1'], held: [] })
    assert.deepEqual(reconcile([a], new Map([['web-1', { generation: 3, specJson: json }]]), specJson), { start: [a], stop: ['web-1'], held: [] })
    assert.deepEqual(reconcile([a], new Map([['web-1', { generation: 4, specJson: '{}' }]]), specJson), { start: [a], stop: ['web-1'], held: [] })
  })

  it('holds a ready instance the coordinator will take back, and stops any other it no longer assigns', () => {
    const json = JSON.stringify(spec)
    const specJson = (s: string): string | undefined => s === 'web' ? json : undefined
    const mine = new Map([['web-1', { service: 'web', generation: 4, specJson: json, ready: true }]])
    const asked: Array<[string, string, number]> = []
    assert.deepEqual(reconcile([], mine, specJson, (...x) => { asked.push(x); return true }), { start: [], stop: [], held: ['web-1'] })
    assert.deepEqual(asked, [['web-1', 'web', 4]])
    assert.deepEqual(reconcile([], mine, specJson, () => false), { start: [], stop: ['web-1'], held: [] })
    // One that is not ready itself is no survivor: it goes.
    const notReady = new Map([['web-1', { service: 'web', generation: 4, specJson: json, ready: false }]])
    assert.deepEqual(reconcile([], notReady, specJson, () => true), { start: [], stop: ['web-1'], held: [] })
  })
})
