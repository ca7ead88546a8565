/**
 * While the bootstrap peer is unreachable the node starts, keeps retrying and reports it
 * (issue 2, "Bad input"); once a node appears at that address, it joins by itself.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Cluster, freePort, summarize, type KosProcess } from '@kos/testkit'

interface Health {
  status: string
  mode: string
  checks: Array<{ name: string, status: string, output: string }>
}

describe('an unreachable bootstrap peer', () => {
  const cluster = new Cluster()
  let bootstrapPort: number
  let early: KosProcess

  before(async () => { await cluster.init() })
  after(async () => { await cluster.cleanup() })

  it('does not stop the node from starting; /v1/health warns (429) with a bootstrap check', async () => {
    bootstrapPort = await freePort() // nothing listens there yet
    early = await cluster.startNode({ name: 'early', bootstrap: [`/ip4/127.0.0.1/tcp/${bootstrapPort}`] })
    assert.ok(early.peerId.startsWith('12D3KooW'), `startup line: ${early.peerId}`)

    const health = await cluster.waitFor('/v1/health to report the unreachable bootstrap peer', async () => {
      const res = await early.api<Health>('/v1/health')
      assert.equal(res.status, 429, `status ${res.status}: ${JSON.stringify(res.body)}`)
      const check = res.body.checks.find((c) => c.name === 'bootstrap')
      assert.equal(check?.status, 'warning', JSON.stringify(res.body))
      return res.body
    }, { timeoutMs: 20_000 })
    assert.equal(health.status, 'warning')
    // The node itself works: it answers, and it is alone.
    assert.deepEqual((await early.peers()).peers, [])
  })

  it('joins by itself once a node listens at the bootstrap address; health becomes 200', async () => {
    const late = await cluster.startNode({ name: 'late', listenPort: bootstrapPort })
    await cluster.waitFor('early and late to see each other alive', async () => {
      for (const [a, b] of [[early, late], [late, early]] as const) {
        const view = await a.peers()
        const state = view.peers.find((p) => p.peerId === b.peerId)?.state
        assert.equal(state, 'alive', `${a.name} sees ${b.name} as ${state ?? 'unknown'}: ${JSON.stringify(summarize(view))}`)
      }
      return true
    }, { timeoutMs: 30_000 })
    await cluster.waitFor('early\'s /v1/health to pass', async () => {
      const res = await early.api<Health>('/v1/health')
      assert.equal(res.status, 200, `status ${res.status}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.checks.find((c) => c.name === 'bootstrap')?.status, 'passing', JSON.stringify(res.body))
      return true
    }, { timeoutMs: 20_000 })
  })
})
