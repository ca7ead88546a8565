/**
 * Bounded monitoring (monitor-ring.ts, issue 17): every member has k monitors and monitors k
 * members whatever the cluster's size; a join moves few assignments; and the membership core with
 * `monitorsPerMember` accuses only the members it monitors.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { Membership, type MembershipOptions, type MembershipOutput } from '../src/membership/membership.js'
import { MonitorRing, ringPosition } from '../src/membership/monitor-ring.js'
import { LocalMemberTable } from '../src/membership/member-table.js'
import type { HealthSummary } from '../src/vocabulary/index.js'

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `12D3KooWpeer${String(i).padStart(4, '0')}`)

function ringOf (members: string[]): MonitorRing {
  const r = new MonitorRing()
  for (const id of members) r.add(id)
  return r
}

/** Who monitors each member: the inverse of predecessors(monitor). */
function monitorsByPredecessors (r: MonitorRing, members: string[], k: number): Map<string, Set<string>> {
  const out = new Map(members.map((id) => [id, new Set<string>()]))
  for (const monitor of members) for (const m of r.predecessors(monitor, k)) out.get(m)!.add(monitor)
  return out
}

describe('the monitor ring', () => {
  it('gives every member exactly k monitors and k monitored, and the two views agree', () => {
    for (const n of [2, 5, 40, 1000]) {
      const members = ids(n)
      const r = ringOf(members)
      const k = 5
      const want = Math.min(k, n - 1)
      const byPred = monitorsByPredecessors(r, members, k)
      for (const id of members) {
        assert.equal(r.successors(id, k).length, want)
        assert.equal(r.predecessors(id, k).length, want)
        assert.deepEqual(new Set(r.successors(id, k)), byPred.get(id), `monitors of ${id} at n=${n}`)
      }
    }
  })

  it('moves at most k assignments when one member joins or leaves', () => {
    const members = ids(200)
    const r = ringOf(members)
    const k = 5
    const before = new Map(members.map((id) => [id, r.successors(id, k).join()]))
    r.add('12D3KooWnewcomer')
    const moved = members.filter((id) => r.successors(id, k).join() !== before.get(id))
    assert.ok(moved.length <= k, `${moved.length} members changed monitors`)
    r.remove('12D3KooWnewcomer')
    assert.deepEqual(members.filter((id) => r.successors(id, k).join() !== before.get(id)), [])
  })

  it('answers as one sorted list would, through joins and leaves of thousands (its blocks split and empty)', () => {
    const all = ids(3000)
    const r = new MonitorRing()
    const held = new Set<string>()
    let seed = 7
    const random = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32 }
    for (let step = 0; step < 12_000; step++) {
      const id = all[Math.floor(random() * all.length)]!
      // Mostly joins at first, then mostly leaves: blocks split on the way up and empty on the way down.
      const join = random() < (step < 8000 ? 0.8 : 0.1)
      assert.equal(join ? r.add(id) : r.remove(id), join ? !held.has(id) : held.has(id))
      if (join) held.add(id); else held.delete(id)
      assert.equal(r.size, held.size)
      if (step % 500 === 0 && held.size > 0) {
        const sorted = [...held].sort((a, b) => ringPosition(a) - ringPosition(b) || (a < b ? -1 : 1))
        const at = Math.floor(random() * sorted.length)
        const n = sorted.length
        const want = (step: number): string[] => Array.from({ length: Math.min(4, n - 1) }, (_, d) => sorted[(at + step * (d + 1) + n * 4) % n]!)
        assert.deepEqual(r.successors(sorted[at]!, 4), want(1))
        assert.deepEqual(r.predecessors(sorted[at]!, 4), want(-1))
        assert.ok(r.has(sorted[at]!))
      }
    }
  })

  it('is the same whatever the order members were added in', () => {
    const members = ids(50)
    assert.deepEqual(ringOf(members).successors(members[7]!, 3), ringOf([...members].reverse()).successors(members[7]!, 3))
  })
})

describe('the membership core with bounded monitors', () => {
  const HEARTBEAT_MS = 1000
  const health = (name: string): HealthSummary => ({ name, role: 'member', incarnation: 1, version: 't', uptimeMs: 0, mode: 'normal' })
  const options = (peerId: string): MembershipOptions => ({
    self: { peerId, name: peerId, role: 'member', addrs: [] },
    initialIncarnation: 1,
    phi: { threshold: 8, maxSampleSize: 200, minStdDeviationMs: 200, acceptableHeartbeatPauseMs: 500, firstHeartbeatEstimateMs: HEARTBEAT_MS },
    heartbeatIntervalMs: HEARTBEAT_MS,
    probeTimeoutMs: 500,
    indirectProbes: 2,
    suspicionTimeoutMs: 1000,
    localStallGraceMs: 3000,
    reapDeadAfterMs: 60_000,
    reapLeftAfterMs: 30_000,
    monitorsPerMember: 3
  })

  it('probes only the members it monitors when every member falls silent, and names its own monitors', () => {
    const members = ids(20)
    const self = members[0]!
    const clock = new ManualClock(0)
    const a = new Membership(options(self), clock, () => 0)
    for (const id of members.slice(1)) a.onHeartbeat(id, 1, [], health(id))
    const watched = a.monitoring()!
    assert.equal(watched.length, 3)
    assert.deepEqual(new Set(watched), new Set(ringOf(members).predecessors(self, 3)))
    assert.deepEqual(a.monitors(), ringOf(members).successors(self, 3))
    // Nobody heartbeats any more: only the three it monitors are probed (until they are declared
    // dead, when the next ones before it on the ring become its to monitor).
    const probed = new Set<string>()
    for (let t = 0; t < 3000; t += 100) {
      clock.advance(100)
      for (const o of a.tick() as MembershipOutput[]) if (o.type === 'probe') probed.add(o.target)
    }
    assert.deepEqual(probed, new Set(watched))
    const phis = a.list().filter((m) => !watched.includes(m.peerId)).map((m) => m.phi)
    assert.ok(phis.every((p) => p === null), 'no detector for a member it does not monitor')
  })

  it('probes a closed connection only to a member it monitors', () => {
    // A node holds connections to members it does not watch too (push/pull, the audit log);
    // when a crash closes all of them, only the crashed member's monitors probe it.
    const members = ids(20)
    const self = members[0]!
    const a = new Membership(options(self), new ManualClock(0), () => 0)
    for (const id of members.slice(1)) a.onHeartbeat(id, 1, [], health(id))
    const watched = new Set(a.monitoring())
    for (const id of members.slice(1)) {
      const probes = a.onConnectionLost(id).filter((o) => o.type === 'probe')
      assert.equal(probes.length, watched.has(id) ? 1 : 0, `${id}: ${watched.has(id) ? 'monitored' : 'not monitored'}`)
    }
  })

  it('holds a detector for the members it monitors only, and gives one back when it stops', () => {
    // A sample window is phiMaxSampleSize numbers (1.6 KB at 200): k of them, not N.
    const members = ids(200)
    const self = members[0]!
    const clock = new ManualClock(0)
    const table = new LocalMemberTable(options(self).phi, clock)
    const a = new Membership(options(self), clock, () => 0, table)
    for (const id of members.slice(1)) a.onHeartbeat(id, 1, [], health(id))
    const detectors = table.columns.detectors
    assert.equal(detectors.size, 3)
    for (const id of a.monitoring()!) assert.ok(detectors.has(table.slotOf(id)), `${id} is monitored and has a detector`)
    const [first] = a.monitoring()!
    a.onClaim({ state: 'dead', target: first!, incarnation: 1, name: 'x', role: 'member', addrs: [] }, members[5]!)
    assert.equal(detectors.has(table.slotOf(first!)), false, 'a dead member keeps no detector')
    assert.equal(detectors.size, 3, 'the member it monitors next has one instead')
    for (const id of a.monitoring()!) assert.ok(detectors.has(table.slotOf(id)))
  })

  it('takes over monitoring when a monitored member dies: the next one before it on the ring', () => {
    const members = ids(20)
    const self = members[0]!
    const clock = new ManualClock(0)
    const a = new Membership(options(self), clock, () => 0)
    for (const id of members.slice(1)) a.onHeartbeat(id, 1, [], health(id))
    const [first] = a.monitoring()!
    a.onClaim({ state: 'dead', target: first!, incarnation: 1, name: 'x', role: 'member', addrs: [] }, members[5]!)
    const r = ringOf(members)
    r.remove(first!)
    assert.deepEqual(new Set(a.monitoring()), new Set(r.predecessors(self, 3)))
  })
})
