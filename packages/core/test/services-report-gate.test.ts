/**
 * A new coordinator waits for every present member's services report before it moves a slot
 * (services/report-gate.ts, in placement-coordinator.ts): a report it lacks is never read as
 * "runs nothing".
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { PlacementCoordinator, type CoordinatorView } from '../src/services/placement-coordinator.js'
import type { PlacementMember, ReportedInstance } from '../src/services/placement.js'
import { ReportGate } from '../src/services/report-gate.js'

const m = (id: string, over: Partial<PlacementMember> = {}): PlacementMember => ({ id, name: id, present: true, eligible: true, draining: false, role: 'member', zone: null, ...over })
const options = { settleMs: 1500, republishMs: 1000, underReplicatedEscalateMs: 30_000, reports: { waitMs: 5000, askEveryMs: 1000 } }

/** b runs web-1 (ready); the new coordinator a has not heard b's report yet, so it does not hold it. */
function view (heard: Map<string, number>, reports: ReportedInstance[], over: Partial<CoordinatorView> = {}): CoordinatorView {
  return {
    term: 5,
    members: [m('a'), m('b'), m('c')],
    services: [{ name: 'web', replicas: 2, spread: 'node' }],
    reports,
    generations: new Map([['web-0', 4], ['web-1', 4]]),
    goneAtMs: () => undefined,
    self: 'a',
    reportHeardAtMs: (node) => heard.get(node),
    ...over
  }
}
const B_RUNS: ReportedInstance = { service: 'web', id: 'web-1', generation: 4, node: 'b', ready: true }

describe('report gate', () => {
  it('asks every present member but itself, again after askEveryMs, and opens once each was heard since the term began', () => {
    const gate = new ReportGate({ waitMs: 5000, askEveryMs: 1000 }, 100)
    const members = [m('a'), m('b'), m('c'), m('d', { present: false })]
    const heard = new Map<string, number>([['c', 50]])
    const first = gate.step(members, 'a', (n) => heard.get(n), 100)
    assert.deepEqual(first, { open: false, ask: ['b', 'c'], expiredUnheard: [] }, 'c was heard before the term: not enough')
    heard.set('b', 300)
    assert.deepEqual(gate.step(members, 'a', (n) => heard.get(n), 600).ask, [], 'asked less than askEveryMs ago')
    assert.deepEqual(gate.step(members, 'a', (n) => heard.get(n), 1100).ask, ['c'])
    heard.set('c', 1200)
    assert.equal(gate.step(members, 'a', (n) => heard.get(n), 1200).open, true)
    heard.clear()
    assert.equal(gate.step(members, 'a', (n) => heard.get(n), 1300).open, true, 'open for the rest of the term')
  })

  it('opens at its deadline, naming the members not heard', () => {
    const gate = new ReportGate({ waitMs: 5000, askEveryMs: 1000 }, 0)
    assert.equal(gate.step([m('a'), m('b')], 'a', () => undefined, 4999).open, false)
    assert.deepEqual(gate.step([m('a'), m('b')], 'a', () => undefined, 5000), { open: true, ask: [], expiredUnheard: ['b'] })
  })

  it('a new coordinator does not place a slot a member runs before it has heard that member', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    const heard = new Map<string, number>([['c', 0]])
    // It holds no report of b: b's summary was missed.
    const first = pc.step(view(heard, []))
    assert.deepEqual(first.ask, ['b'])
    clock.advance(3000)
    const waiting = pc.step(view(heard, []))
    assert.equal(waiting.publish, null, 'settled, but b not heard: nothing moves')
    assert.deepEqual(waiting.changes, [])
    heard.set('b', 3000)
    const step = pc.step(view(heard, [B_RUNS]))
    assert.ok(step.publish !== null)
    assert.deepEqual(step.publish.assignments.find((x) => x.id === 'web-1'), { service: 'web', id: 'web-1', slot: 1, generation: 4, node: 'b' }, "b's instance adopted")
    assert.deepEqual(step.changes.map((c) => [c.type, c.assignment.id]), [['placed', 'web-0']], 'only the empty slot is placed')
  })

  it('without the gate (no report times in the view), settles and places as before', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    const v = view(new Map(), [], { reportHeardAtMs: undefined })
    assert.equal(pc.step(v).publish, null)
    clock.advance(1500)
    assert.equal(pc.step(v).publish?.assignments.length, 2, 'what it does not know of, it places: the reason for the gate')
  })

  it('goes on at the deadline without a member that does not answer, and says which', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    const heard = new Map<string, number>([['c', 0]])
    pc.step(view(heard, []))
    clock.advance(4999)
    assert.equal(pc.step(view(heard, [])).publish, null)
    clock.advance(1)
    const step = pc.step(view(heard, []))
    assert.deepEqual(step.unheard, ['b'])
    assert.ok(step.publish !== null)
  })

  it('asks again in a new term, and after a lapse of its lease', () => {
    const clock = new ManualClock(0)
    const pc = new PlacementCoordinator(options, clock)
    const heard = new Map<string, number>([['b', 0], ['c', 0]])
    assert.deepEqual(pc.step(view(heard, [B_RUNS])).ask, [], 'heard at the start of the term')
    clock.advance(1500)
    assert.ok(pc.step(view(heard, [B_RUNS])).publish !== null)
    assert.deepEqual(pc.step(view(heard, [B_RUNS], { term: 6 })).ask, ['b', 'c'], 'a new term: asked again')
    heard.set('b', 1500); heard.set('c', 1500)
    clock.advance(1500)
    assert.ok(pc.step(view(heard, [B_RUNS], { term: 6 })).publish !== null)
    clock.advance(10)
    pc.step(view(heard, [B_RUNS], { term: null }))
    assert.deepEqual(pc.step(view(heard, [B_RUNS], { term: 6 })).ask, ['b', 'c'], 'heard before the lease returned: asked again')
  })
})
