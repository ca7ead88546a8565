/**
 * The placement core (services/placement.ts): examples of each rule, and fast-check properties
 * of the invariants over random clusters, services, reports and previous tables.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { plan, sameTable, type Assignment, type ReportedInstance, type PlacementInput, type PlacementMember, type ServiceDemand } from '../src/services/placement.js'

function member (id: string, over: Partial<PlacementMember> = {}): PlacementMember {
  return { id, name: id, present: true, eligible: true, draining: false, role: 'member', zone: null, ...over }
}

const web: ServiceDemand = { name: 'web', replicas: 2, spread: 'node' }
const none = new Map<string, number>()

function input (over: Partial<PlacementInput>): PlacementInput {
  return { members: [], services: [web], reports: [], table: [], generations: none, ...over }
}

function ready (table: readonly Assignment[]): ReportedInstance[] {
  return table.map((a) => ({ service: a.service, id: a.id, generation: a.generation, node: a.node, ready: true }))
}

describe('placement', () => {
  it('places each replica on a node of its own, the least loaded first', () => {
    const members = [member('a'), member('b'), member('c')]
    const busy: ServiceDemand = { name: 'db', replicas: 1, spread: 'node' }
    const first = plan(input({ members, services: [busy] }))
    assert.deepEqual(first.table.map((a) => a.node), ['a'])
    const both = plan(input({ members, services: [busy, web], table: first.table }))
    const nodes = both.table.filter((a) => a.service === 'web').map((a) => a.node).sort()
    assert.deepEqual(nodes, ['b', 'c'], 'web avoids a, which already runs db')
    assert.deepEqual(both.changes.map((c) => c.type), ['placed', 'placed'])
  })

  it('places nothing where no node is eligible (a minority side, all degraded) and keeps what runs', () => {
    const members = [member('a', { eligible: false }), member('b', { eligible: false })]
    assert.deepEqual(plan(input({ members })).table, [])
    const table: Assignment[] = [{ service: 'web', id: 'web-0', slot: 0, generation: 1, node: 'a' }]
    assert.deepEqual(plan(input({ members, table })).table, table)
  })

  it('re-places the instance of a node that went away, with the next generation', () => {
    const table: Assignment[] = [
      { service: 'web', id: 'web-0', slot: 0, generation: 3, node: 'a' },
      { service: 'web', id: 'web-1', slot: 1, generation: 1, node: 'b' }
    ]
    const members = [member('a', { present: false, eligible: false }), member('b'), member('c')]
    const next = plan(input({ members, table, reports: ready(table) }))
    const moved = next.table.find((a) => a.id === 'web-0')!
    assert.equal(moved.node, 'c')
    assert.equal(moved.generation, 4)
    assert.deepEqual(next.changes, [{ type: 'replaced', assignment: moved, from: 'a' }])
  })

  it('keeps the instances of a node that is only suspected', () => {
    const table: Assignment[] = [{ service: 'web', id: 'web-0', slot: 0, generation: 1, node: 'a' }, { service: 'web', id: 'web-1', slot: 1, generation: 1, node: 'b' }]
    const members = [member('a', { eligible: false }), member('b'), member('c')]
    const next = plan(input({ members, table }))
    assert.ok(sameTable(next.table, table))
    assert.deepEqual(next.changes, [])
  })

  it('a new coordinator adopts what the nodes report, and moves nothing', () => {
    const running: ReportedInstance[] = [
      { service: 'web', id: 'web-0', generation: 5, node: 'b', ready: true },
      { service: 'web', id: 'web-1', generation: 2, node: 'c', ready: true },
      // A stale copy the returning node still runs: the ready, newer one wins.
      { service: 'web', id: 'web-0', generation: 4, node: 'a', ready: false }
    ]
    const next = plan(input({ members: [member('a'), member('b'), member('c')], reports: running }))
    assert.deepEqual(next.table.map((a) => `${a.id}@${a.node}#${a.generation}`), ['web-0@b#5', 'web-1@c#2'])
    assert.deepEqual(next.changes, [])
  })

  it('stops the assignments of a removed service and of lowered replicas', () => {
    const table: Assignment[] = [
      { service: 'web', id: 'web-0', slot: 0, generation: 1, node: 'a' },
      { service: 'web', id: 'web-1', slot: 1, generation: 1, node: 'b' },
      { service: 'old', id: 'old-0', slot: 0, generation: 1, node: 'a' }
    ]
    const next = plan(input({ members: [member('a'), member('b')], services: [{ ...web, replicas: 1 }], table }))
    assert.deepEqual(next.table.map((a) => a.id), ['web-0'])
    assert.deepEqual(next.changes.map((c) => c.type === 'stopped' ? `${c.assignment.id}: ${c.reason}` : c.type).sort(), ['old-0: service removed', 'web-1: replicas lowered to 1'])
  })

  it('drains make-before-break: a successor first, the old instance only once it is ready', () => {
    const table: Assignment[] = [{ service: 'web', id: 'web-0', slot: 0, generation: 1, node: 'a' }, { service: 'web', id: 'web-1', slot: 1, generation: 1, node: 'b' }]
    const members = [member('a', { draining: true, eligible: false }), member('b'), member('c')]
    const moving = plan(input({ members, table, reports: ready(table) }))
    assert.deepEqual(moving.table.filter((a) => a.id === 'web-0').map((a) => `${a.node}#${a.generation}`), ['a#1', 'c#2'])
    assert.deepEqual(moving.changes.map((c) => c.type), ['drain-moving'])
    // Not ready yet: both stay.
    assert.ok(sameTable(plan(input({ members, table: moving.table, reports: ready(table) })).table, moving.table))
    const done = plan(input({ members, table: moving.table, reports: ready(moving.table) }))
    assert.deepEqual(done.table.filter((a) => a.id === 'web-0').map((a) => `${a.node}#${a.generation}`), ['c#2'])
    assert.equal(done.changes[0]?.type, 'stopped')
  })

  it('a drain undone before the successor is ready keeps the old instance', () => {
    const moving: Assignment[] = [{ service: 'web', id: 'web-0', slot: 0, generation: 1, node: 'a' }, { service: 'web', id: 'web-0', slot: 0, generation: 2, node: 'c' }]
    const next = plan(input({ members: [member('a'), member('c')], services: [{ ...web, replicas: 1 }], table: moving }))
    assert.deepEqual(next.table.map((a) => `${a.node}#${a.generation}`), ['a#1'])
  })

  it('honours the selector and, under spread zone, prefers unused zones', () => {
    const members = [
      member('a', { zone: 'z1' }), member('b', { zone: 'z1' }), member('c', { zone: 'z2', role: 'archon' }), member('d', { zone: 'z3' })
    ]
    const zoned = plan(input({ members, services: [{ name: 'web', replicas: 3, spread: 'zone' }] }))
    assert.deepEqual(zoned.table.map((a) => members.find((m) => m.id === a.node)!.zone).sort(), ['z1', 'z2', 'z3'])
    const selected = plan(input({ members, services: [{ name: 'web', replicas: 2, spread: 'node', nodeSelector: { roles: ['archon'] } }] }))
    assert.deepEqual(selected.table.map((a) => a.node), ['c'], 'one archon: one instance, the other unplaced')
  })

  it('an older instance back and ready replaces the newer one: exactly that one is stopped, once', () => {
    const members = [member('a'), member('b'), member('c'), member('d')]
    // web-0 was re-placed from a (found dead while only cut off) to c; a is back and still runs it.
    const table: Assignment[] = [{ service: 'web', id: 'web-0', slot: 0, generation: 2, node: 'c' }, { service: 'web', id: 'web-1', slot: 1, generation: 1, node: 'b' }]
    const back: ReportedInstance = { service: 'web', id: 'web-0', generation: 1, node: 'a', ready: true }
    for (const cReady of [true, false]) {
      const reports = [...ready(table).map((r) => r.node === 'c' ? { ...r, ready: cReady } : r), back]
      const next = plan(input({ members, table, reports }))
      assert.deepEqual(next.table.map((a) => `${a.id}@${a.node}#${a.generation}`), ['web-0@a#1', 'web-1@b#1'])
      assert.deepEqual(next.changes.map((c) => `${c.type} ${c.assignment.node}#${c.assignment.generation}`), ['stopped c#2'])
      const again = plan(input({ members, table: next.table, reports }))
      assert.ok(sameTable(next.table, again.table))
      assert.deepEqual(again.changes, [], 'once')
    }
  })

  it('keeps the table\'s instance against one that is not ready, newer, on a draining node or on a node holding another', () => {
    const table: Assignment[] = [{ service: 'web', id: 'web-0', slot: 0, generation: 2, node: 'c' }, { service: 'web', id: 'web-1', slot: 1, generation: 1, node: 'b' }]
    const keeps = (members: PlacementMember[], stray: ReportedInstance): void => {
      const next = plan(input({ members, table, reports: [...ready(table), stray] }))
      assert.ok(sameTable(next.table, table), JSON.stringify(stray))
      assert.deepEqual(next.changes, [])
    }
    const all = [member('a'), member('b'), member('c')]
    keeps(all, { service: 'web', id: 'web-0', generation: 1, node: 'a', ready: false })
    keeps(all, { service: 'web', id: 'web-0', generation: 3, node: 'a', ready: true })
    keeps([member('a', { draining: true, eligible: false }), member('b'), member('c')], { service: 'web', id: 'web-0', generation: 1, node: 'a', ready: true })
    keeps(all, { service: 'web', id: 'web-0', generation: 1, node: 'b', ready: true })
  })

  // ---- properties ---------------------------------------------------------------------------

  const ids = ['a', 'b', 'c', 'd', 'e', 'f']
  const arbMember = (id: string): fc.Arbitrary<PlacementMember> => fc.record({
    present: fc.boolean(), eligible: fc.boolean(), draining: fc.boolean(), zone: fc.constantFrom(null, 'z1', 'z2', 'z3'), role: fc.constantFrom('member', 'archon')
  }).map((r) => member(id, { ...r, eligible: r.eligible && r.present && !r.draining }))
  const arbService = fc.record({
    name: fc.constantFrom('web', 'db', 'cache'),
    replicas: fc.integer({ min: 1, max: 5 }),
    spread: fc.constantFrom<'node' | 'zone'>('node', 'zone'),
    roles: fc.option(fc.constantFrom(['member'], ['archon'], ['member', 'archon']), { nil: undefined })
  }).map((s): ServiceDemand => ({ name: s.name, replicas: s.replicas, spread: s.spread, ...(s.roles === undefined ? {} : { nodeSelector: { roles: s.roles } }) }))
  const arbLine = fc.record({ service: fc.constantFrom('web', 'db', 'cache', 'gone'), slot: fc.integer({ min: 0, max: 6 }), generation: fc.integer({ min: 1, max: 9 }), node: fc.constantFrom(...ids, 'stranger'), ready: fc.boolean() })
  const arbInput = fc.record({
    members: fc.tuple(...ids.map(arbMember)),
    services: fc.uniqueArray(arbService, { selector: (s) => s.name, maxLength: 3 }),
    table: fc.array(arbLine, { maxLength: 12 }),
    reports: fc.array(arbLine, { maxLength: 12 })
  }).map(({ members, services, table, reports }): PlacementInput => ({
    members,
    services,
    table: table.map((l) => ({ service: l.service, id: `${l.service}-${l.slot}`, slot: l.slot, generation: l.generation, node: l.node })),
    reports: reports.map((l) => ({ service: l.service, id: `${l.service}-${l.slot}`, generation: l.generation, node: l.node, ready: l.ready })),
    generations: none
  }))

  /** The invariants of a table `plan` made from `inp`, whatever the (possibly inconsistent) input. */
  function checkInvariants (inp: PlacementInput, table: readonly Assignment[]): void {
    const members = new Map(inp.members.map((m) => [m.id, m]))
    const before = new Set(inp.table.map((a) => `${a.id}/${a.generation}/${a.node}`))
    const reported = new Set(inp.reports.map((r) => `${r.id}/${r.generation}/${r.node}`))
    const known = new Map<string, number>()
    for (const x of [...inp.table, ...inp.reports]) known.set(x.id, Math.max(known.get(x.id) ?? 0, x.generation))
    for (const s of inp.services) {
      const own = table.filter((a) => a.service === s.name)
      assert.equal(new Set(own.map((a) => a.node)).size, own.length, `${s.name}: two instances on one node`)
      const slots = new Set(own.map((a) => a.slot))
      assert.ok(slots.size <= s.replicas, `${s.name}: more slots than replicas`)
      for (const slot of slots) assert.ok(own.filter((a) => a.slot === slot).length <= 2, `${s.name}-${slot}: more than one successor`)
      for (const a of own) {
        assert.ok(a.slot < s.replicas)
        assert.equal(a.id, `${s.name}-${a.slot}`)
        const m = members.get(a.node)
        assert.ok(m?.present === true, `${a.id} on a node that is not present`)
        if (s.nodeSelector?.roles !== undefined) assert.ok(s.nodeSelector.roles.includes(m.role), `${a.id} on a node the selector excludes`)
        const key = `${a.id}/${a.generation}/${a.node}`
        if (!before.has(key) && !reported.has(key)) {
          assert.ok(m.eligible, `new ${a.id} on a node that is not eligible`)
          assert.ok(a.generation > (known.get(a.id) ?? 0), `new ${a.id} does not raise the generation`)
        }
      }
    }
    const wanted = new Set(inp.services.map((s) => s.name))
    assert.ok(table.every((a) => wanted.has(a.service)), 'an assignment of a service not wanted')
  }

  it('never two instances of a service on one node, never more slots than replicas, nothing on absent or ineligible nodes', () => {
    fc.assert(fc.property(arbInput, (inp) => { checkInvariants(inp, plan(inp).table) }), { numRuns: Number(process.env.PLACEMENT_RUNS ?? 2000) })
  })

  it('fills every slot that an eligible node can take (no under-replication by choice)', () => {
    fc.assert(fc.property(arbInput, (inp) => {
      const table = plan(inp).table
      for (const s of inp.services) {
        const own = table.filter((a) => a.service === s.name)
        const free = inp.members.filter((m) => m.eligible && !own.some((a) => a.node === m.id) &&
          (s.nodeSelector?.roles === undefined || s.nodeSelector.roles.includes(m.role)))
        const filled = new Set(own.map((a) => a.slot)).size
        assert.ok(filled === s.replicas || free.length === 0, `${s.name}: ${filled}/${s.replicas} with ${free.length} eligible free node(s)`)
      }
    }), { numRuns: Number(process.env.PLACEMENT_RUNS ?? 2000) })
  })

  it('never swaps a kept instance for one that is not reported ready, and never leaves its slot empty for it', () => {
    fc.assert(fc.property(arbInput, (inp) => {
      const { table, changes } = plan(inp)
      const readyReported = new Set(inp.reports.filter((r) => r.ready).map((r) => `${r.id}/${r.generation}/${r.node}`))
      for (const c of changes) {
        if (c.type !== 'stopped' || !c.reason.includes('older instance')) continue
        const now = table.filter((a) => a.id === c.assignment.id)
        assert.equal(now.length, 1, `${c.assignment.id}: swapped, yet not one instance in the table`)
        assert.ok(readyReported.has(`${now[0]!.id}/${now[0]!.generation}/${now[0]!.node}`), `${c.assignment.id}: swapped for one not reported ready`)
        assert.ok(now[0]!.generation < c.assignment.generation || !readyReported.has(`${c.assignment.id}/${c.assignment.generation}/${c.assignment.node}`), 'a ready instance stopped for a newer one')
      }
    }), { numRuns: Number(process.env.PLACEMENT_RUNS ?? 2000) })
  })

  it('settles: planning again on the same view changes nothing, once the first plan is made', () => {
    fc.assert(fc.property(arbInput, (inp) => {
      const once = plan(inp)
      const twice = plan({ ...inp, table: once.table })
      checkInvariants({ ...inp, table: once.table }, twice.table)
      const thrice = plan({ ...inp, table: twice.table })
      assert.ok(sameTable(twice.table, thrice.table), 'no fixpoint after two plans')
      assert.deepEqual(thrice.changes, [])
    }), { numRuns: Number(process.env.PLACEMENT_RUNS ?? 2000) })
  })

  it('a new coordinator rebuilds the table from what the nodes report, placing and moving nothing', () => {
    fc.assert(fc.property(arbInput, (inp) => {
      // A stable cluster: every assignment reported ready where it runs; a successor-free table.
      const settled = plan({ ...inp, reports: [] }).table
      const reports = ready(settled)
      const stable = plan({ ...inp, table: settled, reports }).table
      const rebuilt = plan({ ...inp, table: [], reports: ready(stable) })
      // Nothing placed anew or moved: every rebuilt line is one of the stable table's, and every
      // slot is still covered. (A drain whose successor is already ready may finish: its old
      // instance is then left out, as the next plan on the stable table would do too.)
      const key = (a: Assignment): string => `${a.id}/${a.generation}/${a.node}`
      const before = new Set(stable.map(key))
      assert.ok(rebuilt.table.every((a) => before.has(key(a))), 'the rebuilt table places or moves an instance')
      assert.deepEqual(new Set(rebuilt.table.map((a) => a.id)), new Set(stable.map((a) => a.id)), 'the rebuilt table drops a slot')
      assert.deepEqual(rebuilt.changes.filter((c) => c.type === 'placed' || c.type === 'replaced'), [])
    }), { numRuns: Number(process.env.PLACEMENT_RUNS ?? 1000) })
  })
})
