/**
 * Bounded monitors on real processes (issue 17, `monitorsPerMember`): six nodes, each heartbeat
 * sent only to the 2 monitors after its sender on the ring, health gossiped every 30 s. Every
 * node still learns every member: they converge, a SIGKILLed node is dead in every survivor's
 * view (its monitors detect it and gossip the verdict), and when it restarts every node sees it
 * alive again. No timing is asserted.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, everyNodeSees, type KosProcess } from '@kos/testkit'

describe('bounded monitors', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []

  before(async () => {
    await cluster.init()
    const configFile = join(cluster.tmp, 'monitors.json')
    await writeFile(configFile, JSON.stringify({ monitorsPerMember: 2 }))
    const first = await cluster.startNode({ name: 'm1', extraArgs: ['--config', configFile] })
    const rest = await cluster.startNodes(['m2', 'm3', 'm4', 'm5', 'm6'].map((name) => ({ name, bootstrap: [first.addr], extraArgs: ['--config', configFile] })))
    nodes = [first, ...rest]
  })

  after(async () => { await cluster.cleanup() })

  it('converges: every node sees the five others alive', async () => {
    await cluster.waitFor('every node to see the five others alive', async () => await everyNodeSees(nodes, 'alive'), { timeoutMs: 60_000 })
    // Each node runs detectors on the two members it monitors only: the others show no phi.
    for (const n of nodes) {
      const watched = (await n.peers()).peers.filter((p) => p.phi !== null)
      assert.equal(watched.length, 2, `${n.name} runs detectors on ${watched.map((p) => p.name).join(', ')}`)
    }
  })

  it('a SIGKILLed node is dead in every survivor\'s view, and alive again in every view once it restarts', async () => {
    const victim = nodes[3]!
    const survivors = nodes.filter((n) => n !== victim)
    await victim.killNow()
    await cluster.waitFor('every survivor to see the victim dead', async () => await everyNodeSees(survivors, 'dead', victim), { timeoutMs: 60_000 })
    await victim.restart()
    await cluster.waitFor('every node to see the restarted victim alive', async () => await everyNodeSees(survivors, 'alive', victim), { timeoutMs: 60_000 })
  })
})
