/**
 * `spread: zone` on real processes (issue 18): five `kos start` nodes labelled with `--zone`
 * (a, a, a, b, c) and a 3-replica service spread by zone.
 * - Its instances go to the three zones, one each (spread by node alone, three of five nodes
 *   chosen by load and peer id, they would cover all three zones in only 3 of 10 draws).
 * - The node of zone b is SIGKILLed: no zone is left unused, so its instance is re-placed on a
 *   node of zone a that holds none yet: distinct nodes, as the spread falls back to.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { agreedCoordinator, Cluster, type KosProcess } from '@kos/testkit'
import type { ServiceInfo } from '@kos/client'
import { EXAMPLE_AGENT } from './helpers/agents.js'

const SERVICE = 'zweb'
const ZONES = ['a', 'a', 'a', 'b', 'c']

describe('cluster services spread by zone', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []
  const zoneOf = new Map<string, string>()

  async function ready (via: KosProcess, count: number, description: string, check: (ready: ServiceInfo['instances']) => boolean): Promise<ServiceInfo['instances']> {
    return await cluster.waitFor(description, async () => {
      const res = await via.api<ServiceInfo>(`/v1/services/${SERVICE}`)
      if (res.status !== 200) return false
      const r = res.body.instances.filter((i) => i.ready)
      return r.length === count && check(r) ? r : false
    }, { timeoutMs: 60_000 })
  }

  before(async () => {
    await cluster.init()
    const first = await cluster.startNode({ name: 'z1', extraArgs: ['--zone', ZONES[0]!] })
    const rest = await cluster.startNodes(ZONES.slice(1).map((zone, i) => ({ name: `z${i + 2}`, bootstrap: [first.addr], extraArgs: ['--zone', zone] })))
    nodes = [first, ...rest]
    nodes.forEach((n, i) => zoneOf.set(n.peerId, ZONES[i]!))
    await cluster.waitFor('one coordinator agreed', async () => await agreedCoordinator(nodes), { timeoutMs: 60_000 })
    await cluster.waitFor('every node to know every zone', async () => {
      for (const n of nodes) {
        const peers = (await n.peers()).peers
        if (peers.length !== nodes.length - 1 || peers.some((p) => p.zone !== zoneOf.get(p.peerId))) return false
      }
      return true
    }, { timeoutMs: 30_000 })
  })

  after(async () => { await cluster.cleanup() })

  it('puts one instance in each zone, and falls back to distinct nodes when a zone is lost', async () => {
    const token = (await readFile(join(nodes[0]!.dataDir, 'api-token'), 'utf8')).trim()
    const health = 'http://127.0.0.1:${PORT}/healthz'
    const definition = {
      name: SERVICE, command: process.execPath, args: [EXAMPLE_AGENT, '--port', '${PORT}'], replicas: 3, spread: 'zone', essential: true,
      startup: { http: health, periodMs: 100, failureThreshold: 300 }, readiness: { http: health, periodMs: 200, failureThreshold: 2 }
    }
    await cluster.waitFor('the service defined', async () => {
      const res = await nodes[0]!.api('/v1/services', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(definition) })
      return res.status === 200 || res.status === 201
    }, { timeoutMs: 30_000 })
    const placed = await ready(nodes[0]!, 3, 'three instances ready', () => true)
    assert.deepEqual(placed.map((i) => zoneOf.get(i.nodeId)).sort(), ['a', 'b', 'c'], JSON.stringify(placed))

    const zoneB = nodes[ZONES.indexOf('b')]!
    await zoneB.killNow()
    const after = await ready(nodes[0]!, 3, 'three instances ready again, none on the killed node', (r) => r.every((i) => i.nodeId !== zoneB.peerId))
    assert.equal(new Set(after.map((i) => i.nodeId)).size, 3, JSON.stringify(after))
    assert.deepEqual(after.map((i) => zoneOf.get(i.nodeId)).sort(), ['a', 'a', 'c'], JSON.stringify(after))
  })
})
