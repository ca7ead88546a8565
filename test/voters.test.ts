/**
 * The voter set across real processes (issue 3, "Voter set"): the coordinator admits joining
 * members one at a time, removes a member that left at once, and one that stayed dead past
 * `removeAfterMs` (set short here through a config file, as an operator would).
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
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
