/**
 * A machine kept busy by other processes is not a node's overload (issue 15). Five real nodes on
 * 127.0.0.1, at the defaults; two CPU-bound processes that are not nodes run for 30 s beside them
 * (2 cores: the machine is saturated), then stop. Throughout, every node's /v1/peers and
 * /v1/coordinator are polled: no node may be declared dead, and the coordinator's term may move
 * at most once. After the burst every node must answer GET /v1/health with 200 within the
 * issue's 15 s: nodes whose own event loop stayed responsive are not degraded by the machine's
 * CPU, and a node that did degrade recovers within two short calm periods.
 * The benchmark (scripts/bench-burst.ts) runs the same scenario several times and reports the
 * times; this test is the one run that must hold.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { agreedCoordinator, Cluster, describeNotHealthy, runCpuBurst, type CpuBurstResult, type HealthView, type KosProcess } from '@kos/testkit'

/** Forming the cluster, or settling it again, on a busy test machine: generous. */
const SETTLE_MS = 90_000
/** The burst: the fault's own duration. */
const BURST_MS = 30_000
/** The bound on the return to 200 after the burst (healthy nodes need far less). */
const BACK_TO_200_MS = 15_000

describe('a CPU burst from other processes', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []

  /** Every node sees the four others alive, all agree on a coordinator with five voters, all answer 200. */
  async function settled (): Promise<void> {
    await cluster.waitFor('five nodes that see each other alive, agree on a coordinator with five voters, and answer 200', async () => {
      await agreedCoordinator(nodes, (v) => v.voters.length === 5 ? undefined : `${v.voters.length} voters`)
      for (const n of nodes) {
        const alive = (await n.peers()).peers.filter((p) => p.state === 'alive').length
        assert.equal(alive, 4, `${n.name} sees ${alive} alive`)
        const h = await n.api<HealthView>('/v1/health')
        assert.equal(h.status, 200, `${n.name}: ${JSON.stringify(h.body)}`)
      }
      return true
    }, { timeoutMs: SETTLE_MS, intervalMs: 500 })
  }

  before(async () => {
    await cluster.init()
    const first = await cluster.startNode({ name: 'n1' })
    nodes = [first, ...await cluster.startNodes(['n2', 'n3', 'n4', 'n5'].map((name) => ({ name, bootstrap: [first.addr] })))]
    await settled()
  })

  after(async () => { await cluster.cleanup() })

  function assertNoHarm (r: CpuBurstResult): void {
    assert.deepEqual(r.deaths, [], 'a node was declared dead')
    assert.equal(r.deathsCounted, 0, 'a node counted a death')
    assert.ok(r.termMoves <= 1, `the term moved ${r.termMoves} times (${r.termBefore} → ${r.termMax})`)
  }

  // Two bursts and a settle between them when the first is void (below): more than the default 3 min.
  it('declares no node dead, moves the term at most once, and every node answers 200 within 15 s of its end', { timeout: 300_000 }, async (t) => {
    const burst = async (): Promise<CpuBurstResult> => {
      const r = await runCpuBurst(nodes, { hogs: 2, burstMs: BURST_MS, recoverDeadlineMs: BACK_TO_200_MS })
      t.diagnostic(`burst ${r.burstMs} ms; back to 200 after ${String(r.backTo200Ms)} ms; term ${r.termBefore} → ${r.termMax}; ` +
        `deaths seen ${r.deaths.length}, counted ${r.deathsCounted}; waited on: ${r.waitingOn.map((h) => describeNotHealthy(h)).join(' | ')}; health: ${JSON.stringify(r.health)}`)
      assertNoHarm(r)
      return r
    }
    let r = await burst()
    // The test's own hogs are gone once the burst ends: a machine still busy then is busy with
    // other work (other tests, a build), which makes nodes late for reasons not under test and
    // warns by design. Such a run proves nothing either way; the scenario runs once more.
    if (r.backTo200Ms === null && r.waitingOn.some((h) => h.failing.some((c) => c.startsWith('machine-cpu ')))) {
      t.diagnostic('the machine stayed busy with other work after the burst: running the scenario once more')
      await settled()
      r = await burst()
    }
    assert.notEqual(r.backTo200Ms, null, `not every node answered 200 within ${BACK_TO_200_MS} ms of the burst's end:\n${r.waitingOn.map((h) => describeNotHealthy(h)).join('\n')}\n${cluster.stderrTails()}`)
  })
})
