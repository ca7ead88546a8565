/**
 * Membership and failure detection across five real `kos start` processes (issue 2, "Tests").
 * One cluster is shared by the scenarios, which run in order and each leave it in a known
 * state: converge → stall (SIGSTOP/SIGCONT) → crash (SIGKILL) → restart → graceful leave (SIGTERM).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Cluster, summarize, type KosProcess, type PeersResponse } from '@kos/testkit'

const CONVERGE_MS = 30_000
const DETECT_MS = 20_000

describe('a five-node cluster', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []

  before(async () => {
    await cluster.init()
    const first = await cluster.startNode({ name: 'n1' })
    const rest = await cluster.startNodes(['n2', 'n3', 'n4', 'n5'].map((name) => ({ name, bootstrap: [first.addr] })))
    nodes = [first, ...rest]
  })

  after(async () => { await cluster.cleanup() })

  /** Asserts that `observer` sees each of `targets` in `state`; the message shows its whole view. */
  async function assertSees (observer: KosProcess, targets: KosProcess[], state: string): Promise<PeersResponse> {
    const view = await observer.peers()
    for (const t of targets) {
      const p = view.peers.find((x) => x.peerId === t.peerId)
      assert.equal(p?.state, state, `${observer.name} sees ${t.name} as ${p?.state ?? 'unknown'}; its view: ${JSON.stringify(summarize(view))}`)
    }
    return view
  }

  function others (of: KosProcess, among: KosProcess[] = nodes): KosProcess[] {
    return among.filter((n) => n !== of)
  }

  it('converges: every node sees the four others alive', async () => {
    await cluster.waitFor('each node to see 4 peers alive', async () => {
      for (const n of nodes) {
        const view = await assertSees(n, others(n), 'alive')
        assert.equal(view.self, n.peerId)
        assert.equal(view.peers.length, 4, `${n.name} lists ${view.peers.length} peers: ${JSON.stringify(summarize(view))}`)
      }
      return true
    }, { timeoutMs: CONVERGE_MS })
  })

  it('tolerates a 1.5 s stall: SIGSTOP then SIGCONT is never declared dead', async (t) => {
    const victim = nodes[1]!
    const survivors = others(victim)
    const seen = new Map<string, Set<string>>() // survivor → states it showed for the victim
    let watching = true
    let polls = 0
    // Watch every survivor's view of the victim continuously, from before the stop until well
    // after it continues (the phi detector would cross its threshold about 2.5 s after the
    // last heartbeat, so a false death would show within this window).
    const watcher = (async () => {
      while (watching) {
        await Promise.all(survivors.map(async (s) => {
          const state = await s.stateOf(victim.peerId).catch((err: Error) => `error: ${err.message}`)
          const states = seen.get(s.name) ?? new Set<string>()
          states.add(state ?? 'unknown')
          seen.set(s.name, states)
        }))
        polls++
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })()

    try {
      victim.kill('SIGSTOP')
      // The stall itself is the fault being injected, so it is timed, not polled.
      await new Promise((resolve) => setTimeout(resolve, 1500))
      victim.kill('SIGCONT')
      // Keep watching for 6 s after the stall, and until the victim heartbeats again everywhere.
      const watchUntil = performance.now() + 6000
      await cluster.waitFor('survivors to see the victim alive 6 s after SIGCONT', async () => {
        await assertSees(victim, [], 'alive') // the victim answers its API again
        for (const s of survivors) await assertSees(s, [victim], 'alive')
        return performance.now() >= watchUntil
      }, { timeoutMs: 20_000 })
    } finally {
      watching = false
      await watcher
    }

    t.diagnostic(`${polls} polls; states seen: ${JSON.stringify(Object.fromEntries([...seen].map(([k, v]) => [k, [...v]])))}`)
    assert.ok(polls >= 20, `the watcher polled only ${polls} times`)
    for (const s of survivors) {
      const states = [...(seen.get(s.name) ?? [])]
      assert.ok(!states.includes('dead'), `${s.name} declared ${victim.name} dead during the stall; states seen: ${states.join(', ')}`)
      assert.ok(!states.includes('left'), `${s.name} saw ${victim.name} as left; states seen: ${states.join(', ')}`)
      assert.equal(await s.metric('kos_member_deaths_total'), 0, `${s.name} counted a member death`)
    }
  })

  it('detects a crash: SIGKILL one node and every survivor marks it dead', async () => {
    const victim = nodes[4]!
    const survivors = others(victim)
    victim.kill('SIGKILL')
    const exit = await victim.waitExit()
    assert.equal(exit.signal, 'SIGKILL')
    await cluster.waitFor(`every survivor to mark ${victim.name} dead`, async () => {
      for (const s of survivors) await assertSees(s, [victim], 'dead')
      return true
    }, { timeoutMs: DETECT_MS })
    // The survivors still see each other alive: the crash accused nobody else.
    for (const s of survivors) await assertSees(s, others(s, survivors), 'alive')
    // Each survivor pinged the dead node itself and for the others' ping-reqs (1 + 3 refused
    // pings, threshold 3): its probe breaker towards it is open, so later calls fail at once.
    await cluster.waitFor(`every survivor to show ${victim.name}'s probe breaker open`, async () => {
      for (const s of survivors) {
        const p = (await s.peers()).peers.find((x) => x.peerId === victim.peerId)
        assert.equal(p?.breakers.probe, 'open', `${s.name}'s breakers towards ${victim.name}: ${JSON.stringify(p?.breakers)}`)
        assert.ok(await s.metric('kos_peer_breaker_opened_total', { protocol: 'probe' }) >= 1, `${s.name} counted no probe breaker opening`)
      }
      return true
    }, { timeoutMs: DETECT_MS })
  })

  it('a node restarted with the same data directory comes back alive with the same peer id', async () => {
    const victim = nodes[4]!
    const survivors = others(victim)
    const oldPeerId = victim.peerId
    const incarnationBefore = Math.max(...await Promise.all(survivors.map(async (s) =>
      (await s.peers()).peers.find((p) => p.peerId === oldPeerId)?.incarnation ?? 0)))

    await victim.restart()
    assert.equal(victim.peerId, oldPeerId, 'the startup line shows another peer id')
    const info = await victim.api<{ peerId: string, incarnation: number }>('/v1/node')
    assert.equal(info.status, 200)
    assert.equal(info.body.peerId, oldPeerId)

    await cluster.waitFor(`every survivor to see ${victim.name} alive again`, async () => {
      for (const s of survivors) {
        const view = await assertSees(s, [victim], 'alive')
        const p = view.peers.find((x) => x.peerId === oldPeerId)!
        assert.ok(p.incarnation > incarnationBefore,
          `${s.name} sees ${victim.name} at incarnation ${p.incarnation}, not above ${incarnationBefore}`)
      }
      await assertSees(victim, survivors, 'alive')
      return true
    }, { timeoutMs: CONVERGE_MS })
    // Back at a new incarnation: the survivors forgot their breakers towards it.
    await cluster.waitFor(`every survivor to show ${victim.name}'s breakers closed`, async () => {
      for (const s of survivors) {
        const p = (await s.peers()).peers.find((x) => x.peerId === oldPeerId)
        assert.ok(p !== undefined && Object.values(p.breakers).every((b) => b === 'closed'),
          `${s.name}'s breakers towards ${victim.name}: ${JSON.stringify(p?.breakers)}`)
      }
      return true
    }, { timeoutMs: CONVERGE_MS })
  })

  it('SIGTERM leaves gracefully: the others see it as left and it exits 0', async () => {
    const leaver = nodes[3]!
    const rest = others(leaver)
    // stop(): SIGTERM, then wait for the exit (SIGKILL only if it outlives the deadline).
    const exit = await leaver.stop(15_000)
    assert.deepEqual(exit, { code: 0, signal: null, forced: false }, `exit of ${leaver.name}; stderr:\n${leaver.stderr.toString()}`)
    await cluster.waitFor(`every other node to see ${leaver.name} as left`, async () => {
      for (const s of rest) await assertSees(s, [leaver], 'left')
      return true
    }, { timeoutMs: DETECT_MS })
    // A graceful leave is not a failure: nobody counted it as a death (the SIGKILL above is one).
    for (const s of rest.filter((n) => n !== nodes[4])) {
      assert.equal(await s.metric('kos_member_deaths_total'), 1, `${s.name}: only the SIGKILL counts as a death`)
    }
  })

  it('a node that left and starts again (a rolling restart) is alive again everywhere', async () => {
    const leaver = nodes[3]!
    const rest = others(leaver)
    const peerId = leaver.peerId
    await leaver.restart()
    assert.equal(leaver.peerId, peerId)
    await cluster.waitFor(`every node to see ${leaver.name} alive again`, async () => {
      for (const s of rest) await assertSees(s, [leaver], 'alive')
      await assertSees(leaver, rest, 'alive')
      return true
    }, { timeoutMs: CONVERGE_MS })
  })
})
