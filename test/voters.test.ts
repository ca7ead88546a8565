/**
 * The voter set across real processes (issue 3, "Voter set"): the coordinator admits joining
 * members one at a time, removes a member that left at once, and one that stayed dead past
 * `removeAfterMs` (set short here through a config file, as an operator would).
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { NodeInfo } from '@kos/client'
import { agreedCoordinator, Cluster, type KosProcess } from '@kos/testkit'

const REMOVE_AFTER_MS = 1500

describe('the voter set', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []
  let configFile = ''

  before(async () => {
    await cluster.init()
    configFile = join(cluster.tmp, 'voters.json')
    await writeFile(configFile, JSON.stringify({ removeAfterMs: REMOVE_AFTER_MS }))
    const first = await cluster.startNode({ name: 'v1', extraArgs: ['--config', configFile] })
    const rest = await cluster.startNodes(['v2', 'v3', 'v4'].map((name) => ({ name, bootstrap: [first.addr], extraArgs: ['--config', configFile] })))
    nodes = [first, ...rest]
  })

  after(async () => { await cluster.cleanup() })

  /** Waits until every node in `among` agrees on a coordinator whose voter set is exactly `expected`. */
  async function votersBecome (description: string, among: KosProcess[], expected: KosProcess[]): Promise<number> {
    const want = expected.map((n) => n.peerId).sort()
    await cluster.waitFor(description, async () => await agreedCoordinator(among, (v) => {
      const have = [...v.voters].sort()
      return have.join() === want.join() ? undefined : `voters are ${have.length}: ${have.map((id) => id.slice(-6)).join(',')}`
    }), { timeoutMs: 30_000, intervalMs: 100 })
    const views = await Promise.all(among.map(async (n) => await n.coordinator()))
    return Math.max(...views.map((v) => v.votersVersion))
  }

  it('admits every member that joined, one change at a time', async () => {
    const version = await votersBecome('all four to be voters', nodes, nodes)
    // v1 founded the set alone (version 1); each admission is one change.
    assert.ok(version >= 4, `voter set version ${version}`)
  })

  it('removes a member that left, at once', async () => {
    const leaver = await nonCoordinator(nodes)
    const before = (await nodes[0]!.coordinator()).votersVersion
    const exit = await leaver.stop()
    assert.equal(exit.code, 0)
    nodes = nodes.filter((n) => n !== leaver)
    const version = await votersBecome('the leaver to be removed from the voter set', nodes, nodes)
    assert.equal(version, before + 1, 'one change')
  })

  it('removes a member dead for longer than removeAfterMs', async () => {
    const victim = await nonCoordinator(nodes)
    victim.kill('SIGKILL')
    nodes = nodes.filter((n) => n !== victim)
    await votersBecome('the dead member to be removed from the voter set', nodes, nodes)
    const quorum = (await nodes[0]!.coordinator()).quorum
    assert.equal(quorum, 2, 'two voters left: a quorum of two')
  })

  async function nonCoordinator (among: KosProcess[]): Promise<KosProcess> {
    const a = await cluster.waitFor('a coordinator', async () => await agreedCoordinator(among), { timeoutMs: 15_000 })
    const n = among.find((x) => x.peerId !== a.peerId)
    assert.ok(n !== undefined)
    return n
  }
})

/**
 * The bounded voter set (issue 17): seven members, `voters` 5. Five east, one west, one north:
 * the coordinator fills the set to five and no further, spreading it across the three zones;
 * the two non-voters learn the coordinator and the set from its announcements alone; a dead
 * voter is replaced by a live member, and the set stays five and spread.
 */
describe('the bounded voter set', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []
  const zoneOf = new Map<string, string>()

  before(async () => {
    await cluster.init()
    const configFile = join(cluster.tmp, 'bounded.json')
    await writeFile(configFile, JSON.stringify({ removeAfterMs: REMOVE_AFTER_MS, voters: 5 }))
    const zones = ['east', 'east', 'east', 'east', 'east', 'west', 'north']
    const args = (i: number): string[] => ['--config', configFile, '--zone', zones[i]!]
    const first = await cluster.startNode({ name: 'b1', extraArgs: args(0) })
    const rest = await cluster.startNodes(zones.slice(1).map((_, i) => ({ name: `b${i + 2}`, bootstrap: [first.addr], extraArgs: args(i + 1) })))
    nodes = [first, ...rest]
    nodes.forEach((n, i) => zoneOf.set(n.peerId, zones[i]!))
  })

  after(async () => { await cluster.cleanup() })

  /** Every node in `among` names one coordinator, and holds a set of exactly five voters, the same everywhere, with all three zones in it, none of `gone`. */
  async function fiveSpread (description: string, among: KosProcess[], gone: string[] = [], heldForMs = 0): Promise<string[]> {
    const agreement = await cluster.waitFor(description, async () => await agreedCoordinator(among, (v) => {
      if (v.since === null || Date.now() - Date.parse(v.since) < heldForMs) return `names the coordinator since ${v.since ?? 'never'}`
      if (v.voters.length !== 5) return `${v.voters.length} voters`
      const zones = new Set(v.voters.map((id) => zoneOf.get(id)))
      if (zones.size !== 3) return `voters in zones ${[...zones].join(',')}`
      if (v.voters.some((id) => gone.includes(id))) return 'a dead member is still a voter'
      return undefined
    }), { timeoutMs: 60_000, intervalMs: 200 })
    const sets = new Set([...agreement.views.values()].map((v) => [...v.voters].sort().join()))
    assert.equal(sets.size, 1, `one voter set everywhere: ${[...sets].join(' | ')}`)
    return [...agreement.views.values()][0]!.voters
  }

  it('holds exactly five voters across the zones, and every member, voter or not, names the coordinator', async () => {
    // Named for longer than a non-voter trusts a coordinator it does not hear (3.5 announcement
    // periods): the non-voter that is not a learner hears no heartbeat, only the announcements.
    const voters = await fiveSpread('five voters spread over east, west and north, agreed by all seven for 5 s', nodes, [], 5000)
    const nonVoters = nodes.filter((n) => !voters.includes(n.peerId))
    assert.equal(nonVoters.length, 2)
    const coordinator = (await nodes[0]!.coordinator()).peerId
    for (const n of nonVoters) assert.equal((await n.api<NodeInfo>('/v1/node')).body.coordinator, coordinator, `${n.name} (a non-voter) names the coordinator`)
    const peers = await nodes[0]!.peers()
    assert.deepEqual(new Set(peers.peers.map((p) => p.zone)), new Set(['east', 'west', 'north']), 'the peer view shows each member\'s zone')
  })

  it('replaces a dead voter with a live member, keeping five and the spread', async () => {
    const coordinator = (await nodes[0]!.coordinator()).peerId
    const voters = (await nodes[0]!.coordinator()).voters
    const victim = nodes.find((n) => voters.includes(n.peerId) && n.peerId !== coordinator && zoneOf.get(n.peerId) === 'east')
    assert.ok(victim !== undefined, 'an east voter that is not the coordinator')
    victim.kill('SIGKILL')
    nodes = nodes.filter((n) => n !== victim)
    await fiveSpread('the dead voter replaced: five voters again, spread, agreed by the six left', nodes, [victim.peerId])
  })
})
