/**
 * The dashboard's state (packages/node/ui/store.js) and sparkline maths, run in Node from the
 * built copy in dist/ui: they are plain ES modules with no DOM, so what the page does with a
 * snapshot, a sample and each event is tested without a browser.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { EVENT_TYPES } from '@kos/client'

interface Member { peerId: string, name: string, state: string, phi: number | null, ageMs: number | null, self: boolean, history: Array<{ t: number, phi: number }>, mode: string | null, zone: string | null }
interface State { members: Record<string, Member>, audit: Array<{ seq: number }>, elections: Array<{ type: string, term: number | null }>, health: unknown, node: { peerId: string, mode: string } | null }
interface Store {
  initialState: () => State
  withSnapshot: (s: State, snap: object, now: number) => State
  withSample: (s: State, sample: object, now: number) => State
  withEvent: (s: State, type: string, data: object, now: number) => State
  refetchesFor: (type: string) => string[]
  ageNow: (m: Member, now: number) => number | null
  sortedMembers: (s: State) => Member[]
  auditMatches: (e: object, filter: string, nameOf: (id: string) => string) => boolean
  PHI_WINDOW_MS: number
}

const store = await import(new URL('../ui/store.js', import.meta.url).href) as Store
const { sparkPoints } = await import(new URL('../ui/sparkline.js', import.meta.url).href) as { sparkPoints: (history: Array<{ t: number, phi: number }>, now: number, windowMs: number, width?: number, height?: number) => string }

const NODE = { peerId: 'self', name: 'a', role: 'member', mode: 'normal', cluster: 'kos' }
const peer = (id: string, name: string, state = 'alive', phi: number | null = 0.5): object =>
  ({ peerId: id, name, role: 'member', state, phi, lastHeartbeatAgeMs: 300, health: { mode: 'normal', cpuPercent: 2, rssBytes: 1, zone: name === 'c' ? 'eu-1' : undefined }, authority: null })
const sample = (phis: Record<string, number | null>): object => ({
  at: 'x',
  self: { peerId: 'self', name: 'a', role: 'member', state: 'alive', phi: null, lastHeartbeatAgeMs: null, mode: 'degraded', cpuPercent: 3, rssBytes: 2 },
  peers: Object.entries(phis).map(([id, phi]) => ({ peerId: id, name: id, role: 'member', state: phi === null ? 'dead' : 'alive', phi, lastHeartbeatAgeMs: 100, mode: 'normal', cpuPercent: 1, rssBytes: 1 })),
  health: { status: 'warning', mode: 'degraded', checks: [] }
})

describe('the dashboard state', () => {
  it('a snapshot lists this node first, then the peers by name, with their zone when they report one', () => {
    const s = store.withSnapshot(store.initialState(), { node: NODE, peers: { self: 'self', peers: [peer('p2', 'c'), peer('p1', 'b')] } }, 1000)
    assert.deepEqual(store.sortedMembers(s).map((m) => [m.name, m.self, m.zone]), [['a', true, null], ['b', false, null], ['c', false, 'eu-1']])
  })

  it('a member event changes its row at once; removed takes it away', () => {
    let s = store.withSnapshot(store.initialState(), { node: NODE, peers: { self: 'self', peers: [peer('p1', 'b')] } }, 1000)
    s = store.withEvent(s, 'member:dead', { type: 'member:dead', member: peer('p1', 'b', 'dead', null), by: 'self' }, 2000)
    assert.equal(s.members.p1!.state, 'dead')
    s = store.withEvent(s, 'member:removed', { type: 'member:removed', member: peer('p1', 'b', 'dead', null) }, 3000)
    assert.equal(s.members.p1, undefined)
  })

  it('samples draw the phi history over the window, and carry the mode and the health', () => {
    let s = store.withSnapshot(store.initialState(), { node: NODE }, 0)
    for (let t = 0; t <= 5 * 60_000; t += 1000) s = store.withSample(s, sample({ p1: (t / 1000) % 10 }), t)
    const p1 = s.members.p1!
    assert.equal(p1.history.length, store.PHI_WINDOW_MS / 1000, 'only the window is kept')
    assert.ok(p1.history[0]!.t > 5 * 60_000 - store.PHI_WINDOW_MS)
    assert.equal(s.members.self!.mode, 'degraded')
    const dead = store.withSample(s, sample({ p1: null }), 5 * 60_000 + 1000)
    assert.equal(dead.members.p1!.state, 'dead')
    assert.deepEqual(dead.members.p1!.history, p1.history, 'a dead member\'s line stops where it was')
    assert.equal(s.node!.mode, 'degraded')
    assert.deepEqual(s.health, { status: 'warning', mode: 'degraded', checks: [] })
  })

  it('a heartbeat age goes on growing between samples', () => {
    const s = store.withSample(store.withSnapshot(store.initialState(), { node: NODE }, 0), sample({ p1: 1 }), 10_000)
    assert.equal(store.ageNow(s.members.p1!, 12_500), 2600)
  })

  it('audit entries join the tail newest first, and this node\'s coordinator entries the timeline', () => {
    let s = store.withSnapshot(store.initialState(), { node: NODE, audit: [{ seq: 1, origin: 'self', class: 'coordinator', type: 'coordinator:elected', subject: 'self', details: { term: 1 }, ts: 1 }] }, 0)
    s = store.withEvent(s, 'audit:entry', { seq: 2, origin: 'p1', class: 'coordinator', type: 'coordinator:elected', subject: 'p1', details: { term: 2 }, ts: 2 }, 1)
    s = store.withEvent(s, 'audit:entry', { seq: 3, origin: 'self', class: 'coordinator', type: 'coordinator:lost', subject: 'self', details: { term: 2 }, ts: 3 }, 2)
    // A replicated entry that arrives late takes its place by time.
    s = store.withEvent(s, 'audit:entry', { seq: 4, origin: 'p1', class: 'node', type: 'member:join', subject: 'p2', details: {}, ts: 1.5 }, 3)
    assert.deepEqual(s.audit.map((e) => e.seq), [3, 2, 4, 1])
    assert.deepEqual(s.elections.map((e) => [e.type, e.term]), [['coordinator:lost', 2], ['coordinator:elected', 1]])
  })

  it('says which parts to fetch again after an event', () => {
    assert.deepEqual(store.refetchesFor('escalation:acked'), ['inbox', 'outbox'])
    assert.deepEqual(store.refetchesFor('agent:quarantined'), ['agents'])
    assert.deepEqual(store.refetchesFor('coordinator:elected'), ['coordinator'])
    assert.deepEqual(store.refetchesFor('audit:entry'), [])
  })

  it('the audit filter wants every word, names included', () => {
    const e = { type: 'member:dead', class: 'node', severity: 'error', subject: 'p1', origin: 'self' }
    const nameOf = (id: string): string => ({ p1: 'web-3', self: 'a' } as Record<string, string>)[id] ?? id
    assert.equal(store.auditMatches(e, '', nameOf), true)
    assert.equal(store.auditMatches(e, 'dead web-3', nameOf), true)
    assert.equal(store.auditMatches(e, 'dead ethics', nameOf), false)
  })
})

describe('the phi sparkline', () => {
  it('places the newest point at the right edge and scales to at least 10', () => {
    const pts = sparkPoints([{ t: 0, phi: 0 }, { t: 60_000, phi: 5 }, { t: 120_000, phi: 10 }], 120_000, 120_000, 120, 22)
    assert.equal(pts, '0.0,21.0 60.0,11.0 120.0,1.0')
    assert.equal(sparkPoints([], 0, 1000), '')
  })
})

describe('the page\'s stream', () => {
  it('listens for every event type the node sends', async () => {
    const controller = await import(new URL('../ui/controller.js', import.meta.url).href) as { EVENT_TYPES: string[] }
    assert.deepEqual([...controller.EVENT_TYPES, 'peers:sample'].sort(), [...EVENT_TYPES].sort())
  })
})
