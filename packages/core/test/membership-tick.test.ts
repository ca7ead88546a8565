/**
 * The tick looks only at members whose earliest deadline has passed. Whatever the heartbeats did
 * to each detector (bursts shrink the mean and bring the crossing forward, silences push it
 * back), each tick must act on exactly the members a pass over the whole table would: here a
 * probe for every alive, unprobed member whose φ has reached the threshold, read through the
 * public view just before the tick.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock, seededRandom } from '@kos/detect'
import { Membership, type MembershipOptions } from '../src/membership/membership.js'

const THRESHOLD = 8

function options (): MembershipOptions {
  return {
    self: { peerId: 'self', name: 'self', role: 'member', addrs: [] },
    initialIncarnation: 1,
    phi: { threshold: THRESHOLD, maxSampleSize: 20, minStdDeviationMs: 5, acceptableHeartbeatPauseMs: 0, firstHeartbeatEstimateMs: 1000 },
    heartbeatIntervalMs: 1000,
    probeTimeoutMs: 500,
    indirectProbes: 0,
    suspicionTimeoutMs: 1000,
    localStallGraceMs: 3000,
    reapDeadAfterMs: 60_000,
    reapLeftAfterMs: 30_000
  }
}

const healthOf = (name: string): Parameters<Membership['onHeartbeat']>[3] => ({
  name, role: 'member', incarnation: 1, version: 't', uptimeMs: 0, cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0,
  eventLoopDelayP99Ms: 0, mode: 'normal', agents: { total: 0, running: 0, failed: 0, quarantined: 0 }
})

describe('Membership.tick with the due queue', () => {
  it('probes exactly the members whose φ reached the threshold, at the first tick it did', () => {
    const random = seededRandom(3)
    const clock = new ManualClock(0)
    const m = new Membership(options(), clock, random)
    const peers = Array.from({ length: 30 }, (_, i) => `p${i}`)
    // Each peer: its own rhythm, from bursts of 5 ms to gaps past the threshold.
    const nextBeat = new Map(peers.map((p) => [p, 0]))
    const gap = (): number => { const r = random(); return r < 0.3 ? 1 + random() * 10 : r < 0.9 ? 100 + random() * 400 : 2000 + random() * 3000 }
    let probes = 0
    for (let t = 0; t < 60_000; t += 10) {
      clock.set(t)
      for (const p of peers) {
        if (nextBeat.get(p)! > t) continue
        m.onHeartbeat(p, 1, [], healthOf(p))
        nextBeat.set(p, t + gap())
      }
      clock.set(t + 5)
      const expected = peers.filter((p) => { const v = m.member(p)!; return v.state === 'alive' && v.phi !== null && v.phi >= THRESHOLD }).sort()
      const got = m.tick().flatMap((o) => o.type === 'probe' ? [o.target] : []).sort()
      assert.deepEqual(got, expected, `at ${t + 5} ms`)
      probes += got.length
      // Answer each probe at once (reachable): the detector decides again from the next tick.
      for (const p of got) m.onProbeResult(p, true)
    }
    assert.ok(probes > 50, `only ${probes} probes: the script should cross the threshold often`)
  })

  it('probes a member that stops heartbeating at the first tick past its crossing, though healthy members leave the queue between scans', () => {
    // Heartbeats about a second apart put each crossing more than a scan interval (here the
    // heartbeat interval, 1 s) after the last heartbeat, so a popped healthy member is left for
    // the next scan to find. Each peer stops for good at its own time.
    const random = seededRandom(11)
    const clock = new ManualClock(0)
    const m = new Membership(options(), clock, random)
    const peers = Array.from({ length: 20 }, (_, i) => `p${i}`)
    const stopsAt = new Map(peers.map((p, i) => [p, 10_000 + i * 1_337]))
    const nextBeat = new Map(peers.map((p) => [p, Math.floor(random() * 1000)]))
    const probedAt = new Map<string, number>()
    for (let t = 0; t < 45_000; t += 10) {
      clock.set(t)
      for (const p of peers) {
        if (nextBeat.get(p)! > t || t >= stopsAt.get(p)!) continue
        m.onHeartbeat(p, 1, [], healthOf(p))
        nextBeat.set(p, t + 950 + Math.floor(random() * 100))
      }
      clock.set(t + 5)
      const expected = peers.filter((p) => { const v = m.member(p); return v !== undefined && v.state === 'alive' && v.phi !== null && v.phi >= THRESHOLD }).sort()
      const got = m.tick().flatMap((o) => o.type === 'probe' ? [o.target] : []).sort()
      assert.deepEqual(got, expected, `at ${t + 5} ms`)
      for (const p of got) if (!probedAt.has(p)) probedAt.set(p, t + 5)
      for (const p of got) m.onProbeResult(p, true) // reachable: the detector decides again from the next tick
    }
    // Every peer stopped, and each was probed within a tick of φ reaching the threshold after its stop.
    assert.deepEqual([...probedAt.keys()].sort(), [...peers].sort())
    for (const p of peers) assert.ok(probedAt.get(p)! > stopsAt.get(p)!, `${p} probed before it stopped`)
  })
})
