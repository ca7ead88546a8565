/**
 * Joining by a bare address (no /p2p/<peerId>): at start with --bootstrap, and on a running lone
 * node through POST /v1/join and through `kos join` (issue 2: "joining by a bare /ip4/…/tcp/…
 * address must work").
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, summarize, type KosProcess } from '@kos/testkit'

const CONVERGE_MS = 30_000

describe('joining by a bare address', () => {
  const cluster = new Cluster()
  let seed: KosProcess
  const members: KosProcess[] = []

  before(async () => {
    await cluster.init()
    seed = await cluster.startNode({ name: 'seed' })
    members.push(seed)
  })

  after(async () => { await cluster.cleanup() })

  async function waitAllAlive (what: string): Promise<void> {
    await cluster.waitFor(what, async () => {
      for (const n of members) {
        const view = await n.peers()
        for (const other of members.filter((m) => m !== n)) {
          const state = view.peers.find((p) => p.peerId === other.peerId)?.state
          assert.equal(state, 'alive', `${n.name} sees ${other.name} as ${state ?? 'unknown'}: ${JSON.stringify(summarize(view))}`)
        }
      }
      return true
    }, { timeoutMs: CONVERGE_MS })
  }

  it('--bootstrap /ip4/127.0.0.1/tcp/<port> without /p2p/ joins the cluster', async () => {
    assert.ok(!seed.bareAddr.includes('/p2p/'))
    const node = await cluster.startNode({ name: 'boot-bare', bootstrap: [seed.bareAddr] })
    members.push(node)
    await waitAllAlive('seed and boot-bare to see each other alive')
    // Healthy once the coordinator has admitted it (a learner until it holds the voter set).
    await cluster.waitFor('boot-bare healthy: joined and following the coordinator', async () => {
      const health = await node.api<{ status: string }>('/v1/health')
      assert.equal(health.status, 200, JSON.stringify(health.body))
      return true
    }, { timeoutMs: CONVERGE_MS })
  })

  it('POST /v1/join with a bare address joins a running lone node', async () => {
    const lone = await cluster.startNode({ name: 'api-join' })
    assert.deepEqual((await lone.peers()).peers, [], 'a node started without bootstrap knows nobody')
    const token = (await readFile(join(lone.dataDir, 'api-token'), 'utf8')).trim()
    const res = await lone.api<{ joined: number, errors: unknown[] }>('/v1/join', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ addrs: [seed.bareAddr] })
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { joined: 1, errors: [] })
    members.push(lone)
    await waitAllAlive('api-join and the cluster to see each other alive')
  })

  it('`kos join <bare addr>` joins a running lone node', async () => {
    const lone = await cluster.startNode({ name: 'cli-join' })
    const res = await cluster.runCli(['join', '--api', lone.apiHostPort, '--data', lone.dataDir, seed.bareAddr])
    assert.equal(res.code, 0, `kos join exited ${res.code}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`)
    assert.match(res.stdout, /joined 1 of 1 address/)
    members.push(lone)
    await waitAllAlive('cli-join and the cluster to see each other alive')
  })
})
