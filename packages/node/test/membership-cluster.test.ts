/**
 * Membership scenarios across several state machines on the in-memory transport: convergence,
 * crash, stall, partition and rejoin, with the `lan` profile's timings and virtual time.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LAN_DEFAULTS } from '../src/config/profiles.js'
import type { MembershipOptions } from '@kos/core'
import { MemoryCluster } from './helpers/memory-cluster.js'

function lanOptions (id: string): MembershipOptions {
  const c = LAN_DEFAULTS
  return {
    self: { peerId: id, name: id, role: 'member', addrs: [] },
    initialIncarnation: 1,
    phi: {
      threshold: c.phiThreshold,
      maxSampleSize: c.phiMaxSampleSize,
      minStdDeviationMs: c.phiMinStdDeviationMs,
      acceptableHeartbeatPauseMs: c.phiAcceptableHeartbeatPauseMs,
      firstHeartbeatEstimateMs: c.phiFirstHeartbeatEstimateMs
    },
    heartbeatIntervalMs: c.heartbeatIntervalMs,
    probeTimeoutMs: c.probeTimeoutMs,
    indirectProbes: c.indirectProbes,
    suspicionTimeoutMs: c.suspicionTimeoutMs,
    localStallGraceMs: c.localStallGraceMs,
    reapDeadAfterMs: c.reapDeadAfterMs,
    reapLeftAfterMs: c.reapLeftAfterMs
  }
}

const IDS = ['A', 'B', 'C', 'D', 'E']

function fiveNodes (): MemoryCluster {
  const cluster = new MemoryCluster(lanOptions)
  cluster.add('A')
  for (const id of IDS.slice(1)) cluster.add(id, 'A')
  cluster.run(10_000)
  return cluster
}

function everyoneSees (cluster: MemoryCluster, target: string, state: string, observers = IDS): boolean {
  return observers.filter((o) => o !== target).every((o) => cluster.stateOf(o, target) === state)
}

describe('membership on an in-memory network', () => {
  it('five nodes joined through one converge: each sees four alive', () => {
    const cluster = fiveNodes()
    for (const id of IDS) {
      const alive = cluster.core(id).list().filter((m) => m.state === 'alive')
      assert.equal(alive.length, 4, `${id} sees ${alive.length} alive`)
    }
    assert.deepEqual(cluster.events.filter((e) => e.event.type !== 'member:join'), [])
  })

  it('a crashed node is dead everywhere, within phi + probe + suspicion time', () => {
    const cluster = fiveNodes()
    const crashedAt = cluster.clock.now()
    cluster.crash('C')
    cluster.run(8000)
    const survivors = IDS.filter((id) => id !== 'C')
    assert.ok(everyoneSees(cluster, 'C', 'dead', survivors))
    const deaths = cluster.events.filter((e) => e.event.type === 'member:dead')
    assert.equal(deaths.length, 4, 'each survivor records one death')
    const detection = Math.max(...deaths.map((e) => e.at)) - crashedAt
    assert.ok(detection <= 5000, `dead known by all after ${detection} ms of silence`)
  })

  it('a node stalled for 2 s is never declared dead, and the stalled node accuses nobody', () => {
    const cluster = fiveNodes()
    cluster.stall('B', 2000)
    cluster.run(10_000)
    assert.deepEqual(cluster.events.filter((e) => e.event.type === 'member:dead' || e.event.type === 'member:suspect'), [])
    assert.ok(cluster.events.some((e) => e.observer === 'B' && e.event.type === 'node:stalled'))
    assert.ok(everyoneSees(cluster, 'B', 'alive'))
  })

  it('a node stalled past the suspicion timeout is declared dead, then refutes and is alive again', () => {
    const cluster = fiveNodes()
    cluster.stall('B', 6000)
    cluster.run(5500)
    assert.ok(everyoneSees(cluster, 'B', 'dead'), 'a 5.5 s silence is a death with the lan profile')
    cluster.run(5500)
    assert.ok(everyoneSees(cluster, 'B', 'alive'), 'it learns of its death and rejoins with a higher incarnation')
    assert.ok(cluster.core('B').selfIncarnation > 1)
    assert.ok(cluster.events.some((e) => e.observer === 'B' && e.event.type === 'member:refuted'))
  })

  it('a suspect that refutes in time is not declared dead', () => {
    const cluster = fiveNodes()
    const b = cluster.core('B')
    // A claims B suspect (for instance after a lossy path); B hears it and refutes.
    for (const out of cluster.core('A').onClaim({ state: 'suspect', target: 'B', incarnation: 1, name: 'B', role: 'member', addrs: [] }, 'A')) void out
    assert.equal(cluster.stateOf('A', 'B'), 'suspect')
    const refute = b.onClaim({ state: 'suspect', target: 'B', incarnation: 1, name: 'B', role: 'member', addrs: [] }, 'A')
    const alive = refute.find((o) => o.type === 'broadcast')
    assert.ok(alive?.type === 'broadcast')
    cluster.core('A').onClaim(alive.claim, 'B')
    cluster.run(5000)
    assert.equal(cluster.stateOf('A', 'B'), 'alive')
    assert.ok(!cluster.events.some((e) => e.event.type === 'member:dead'))
  })

  it('an indirect probe through a third node keeps a peer alive across a one-link failure', () => {
    const cluster = fiveNodes()
    cluster.partition(['A'], ['B'])
    cluster.run(10_000)
    assert.equal(cluster.stateOf('A', 'B'), 'alive', 'A cannot hear B but C, D, E reach it for A')
    assert.ok(everyoneSees(cluster, 'B', 'alive'))
  })

  it('a minority cut off by a partition is dead to the majority, and alive again after the heal', () => {
    const cluster = fiveNodes()
    cluster.partition(['A', 'B', 'C'], ['D', 'E'])
    cluster.run(10_000)
    assert.ok(everyoneSees(cluster, 'D', 'dead', ['A', 'B', 'C']))
    assert.ok(everyoneSees(cluster, 'A', 'dead', ['D', 'E']))
    cluster.heal()
    // Heartbeats at the old incarnation reach a side that holds the sender dead; it repeats the
    // notice, the sender refutes, and every view is alive again.
    cluster.run(10_000)
    for (const id of IDS) assert.ok(everyoneSees(cluster, id, 'alive'), `${id} alive everywhere after the heal`)
  })

  it('a new node joining through any member is known to all', () => {
    const cluster = fiveNodes()
    cluster.add('F', 'D')
    cluster.run(3000)
    assert.ok(everyoneSees(cluster, 'F', 'alive', [...IDS, 'F']))
    assert.equal(cluster.core('F').list().filter((m) => m.state === 'alive').length, 5)
  })
})
