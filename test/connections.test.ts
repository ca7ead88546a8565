/**
 * Bounded connections on real processes (issue 17, docs/design/membership.md "Connections"):
 * fourteen nodes, each watched by 2 monitors (a ring of 4 neighbours) and 3 voters, idle
 * connections closed after 1 s. A node keeps connections to its ring neighbours and, if it votes,
 * to the other voters; push/pull, audit anti-entropy, a join's sync and escalation open others
 * now and then, which close once idle. So every node ends up connected to a few peers, not to
 * the 13 others, while the cluster converges, detects a SIGKILL, and reconnects the ring after
 * it. No timing is asserted.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, everyNodeSees, type KosProcess } from '@kos/testkit'

const N = 14
const MONITORS = 2
const VOTERS = 3
/**
 * The most peers a node may be connected to: its 2 × MONITORS ring neighbours, the other voters,
 * and three more for the exchanges under way (each closes about 2 s after its last message).
 * Connected to everyone, a node would hold N - 1 = 13.
 */
const BOUND = 2 * MONITORS + (VOTERS - 1) + 3

describe('bounded connections', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []

  before(async () => {
    await cluster.init()
    const configFile = join(cluster.tmp, 'connections.json')
    await writeFile(configFile, JSON.stringify({ monitorsPerMember: MONITORS, voters: VOTERS, connectionIdleCloseMs: 1000 }))
    const extraArgs = ['--config', configFile]
    const first = await cluster.startNode({ name: 'c01', extraArgs })
    const rest = await cluster.startNodes(Array.from({ length: N - 1 }, (_, i) => ({ name: `c${String(i + 2).padStart(2, '0')}`, bootstrap: [first.addr], extraArgs })))
    nodes = [first, ...rest]
  })

  after(async () => { await cluster.cleanup() })

  /** True once every node of `among` is connected to at most BOUND peers; else why not. */
  async function allBounded (among: KosProcess[]): Promise<true | string> {
    const counts = await Promise.all(among.map(async (n) => await n.metric('kos_connected_peers')))
    const over = among.filter((_, i) => counts[i]! > BOUND)
    return over.length === 0 ? true : `connected peers per node: ${counts.join(' ')}; over ${BOUND}: ${over.map((n) => n.name).join(', ')}`
  }

  it('converges, and then every node is connected to a few peers, not to everyone', async () => {
    await cluster.waitFor('every node to see the 13 others alive', async () => await everyNodeSees(nodes, 'alive'), { timeoutMs: 120_000 })
    await cluster.waitFor(`every node to be connected to at most ${BOUND} peers`, async () => await allBounded(nodes) === true, { timeoutMs: 90_000, intervalMs: 1000 })
    // The joins' syncs dialled beyond the bound; what came down, the nodes counted.
    const trimmed = await Promise.all(nodes.map(async (n) => await n.metric('kos_connections_trimmed_total')))
    assert.ok(trimmed.reduce((a, b) => a + b, 0) > 0, `connections trimmed per node: ${trimmed.join(' ')}`)
  })

  it('a SIGKILLed node is dead in every survivor\'s view, and the survivors stay within the bound', async () => {
    const victim = nodes[5]!
    const survivors = nodes.filter((n) => n !== victim)
    await victim.killNow()
    await cluster.waitFor('every survivor to see the victim dead', async () => await everyNodeSees(survivors, 'dead', victim), { timeoutMs: 60_000 })
    await cluster.waitFor(`every survivor to be connected to at most ${BOUND} peers`, async () => await allBounded(survivors) === true, { timeoutMs: 90_000, intervalMs: 1000 })
  })
})
