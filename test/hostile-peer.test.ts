/**
 * An admitted but hostile peer (issue 16, "Authorization of every message"), through the code
 * paths its attacks used: a real libp2p peer in the test process (the testkit's HostilePeer)
 * speaks the election and audit protocols to three real nodes.
 * - an election ack with term 2^53-2, and a heartbeat crowning itself with an invented voter set:
 *   no node moves its term or changes its coordinator or voters, each counts the refusals and
 *   audits a coordinator:refused warning, and an election still succeeds afterwards;
 * - a checkpoint of a node's chain signed with its own key: nothing is deleted, verify stays ok;
 * - a genuinely signed entry with Lamport time 2^53-1: refused, and appends still work;
 * - alive@2^32 then dead@2^32 about a member: nobody raises its incarnation, it stays alive;
 * - to a non-voter (four nodes, three voters), an announcement crowning itself: refused.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { agreedCoordinator, Cluster, HostilePeer, poll, type KosProcess } from '@kos/testkit'

/** Starts `names` as one cluster (extra `kos start` arguments for each), waits for three voters, and connects a hostile peer to every node. */
async function hostileSetup (cluster: Cluster, names: string[], extraArgs: string[] = []): Promise<{ nodes: KosProcess[], hostile: HostilePeer }> {
  await cluster.init()
  const first = await cluster.startNode({ name: names[0], extraArgs })
  const nodes = [first, ...await cluster.startNodes(names.slice(1).map((name) => ({ name, bootstrap: [first.addr], extraArgs })))]
  await poll('one coordinator and three voters everywhere', async () => await agreedCoordinator(nodes, (v) => v.voters.length === 3 ? undefined : `${v.voters.length} voters`), { timeoutMs: 60_000 })
  const hostile = await HostilePeer.start()
  for (const n of nodes) await hostile.connect(n.addr)
  return { nodes, hostile }
}

describe('a hostile admitted peer', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []
  let hostile: HostilePeer

  async function auditTypes (n: KosProcess): Promise<string[]> {
    const res = await n.api<{ entries: Array<{ type: string }> }>(`/v1/audit?origin=${n.peerId}&limit=1000`)
    return res.body.entries.map((e) => e.type)
  }

  before(async () => {
    ({ nodes, hostile } = await hostileSetup(cluster, ['h1', 'h2', 'h3']))
  })

  after(async () => {
    await hostile?.stop()
    await cluster.cleanup()
  })

  it('cannot move the term, crown itself or replace the voter set', async () => {
    const before = await agreedCoordinator(nodes)
    for (const n of nodes) {
      hostile.sendElection(n.peerId, { v: 2, t: 'election', m: { type: 'heartbeat-ack', term: 2 ** 53 - 2, sentAt: 0, ok: false } })
      hostile.sendElection(n.peerId, {
        v: 2, t: 'election', m: { type: 'heartbeat', term: before.term + 1, sentAt: 0 },
        config: { term: before.term + 1, version: 1000, voters: [hostile.peerId, ...before.views.get(n)!.voters] }
      })
    }
    await cluster.waitFor('every node to count both refusals and audit a warning', async () => {
      for (const n of nodes) {
        const metrics = await n.metrics()
        if (!/kos_election_refused_total\{reason="term-bound"\} [1-9]/.test(metrics) || !/kos_election_refused_total\{reason="not-voter"\} [1-9]/.test(metrics)) return false
        if (!(await auditTypes(n)).includes('coordinator:refused')) return false
      }
      return true
    }, { timeoutMs: 30_000 })
    const now = await agreedCoordinator(nodes)
    assert.equal(now.term, before.term)
    assert.equal(now.peerId, before.peerId)
    for (const v of now.views.values()) assert.ok(!v.voters.includes(hostile.peerId), 'the hostile peer became a voter')
  })

  it('leaves the cluster able to elect: a killed coordinator is replaced in a sane term', async () => {
    const before = await agreedCoordinator(nodes)
    const coordinator = nodes.find((n) => n.peerId === before.peerId)!
    await coordinator.killNow()
    const rest = nodes.filter((n) => n !== coordinator)
    const after = await poll('a new coordinator among the survivors', async () => await agreedCoordinator(rest, (v) => v.peerId === before.peerId ? 'still the old one' : undefined), { timeoutMs: 30_000 })
    assert.ok(after.term > before.term && after.term < before.term + 100, `term ${after.term}`)
    await coordinator.restart()
    await poll('all three agree again', async () => await agreedCoordinator(nodes), { timeoutMs: 60_000 })
  })

  it('cannot delete another node\'s entries with a checkpoint it signed', async () => {
    const victim = nodes[0]!
    const held = (await victim.api<{ entries: unknown[] }>(`/v1/audit?origin=${victim.peerId}&limit=1000`)).body.entries.length
    assert.ok(held >= 3, `${held} entries`)
    const cp = await hostile.checkpoint(victim.peerId, held - 1)
    for (const n of nodes) hostile.send(n.peerId, { kind: 'checkpoint', checkpoint: cp })
    await cluster.waitFor('every node to count the refused checkpoint', async () => {
      for (const n of nodes) if (!/kos_audit_rejected_total\{reason="checkpoint"\} [1-9]/.test(await n.metrics())) return false
      return true
    }, { timeoutMs: 30_000 })
    for (const n of nodes) {
      const kept = (await n.api<{ entries: Array<{ seq: number }> }>(`/v1/audit?origin=${victim.peerId}&limit=1000`)).body.entries
      assert.ok(kept.some((e) => e.seq === 1), `${n.name} lost the start of ${victim.name}'s chain`)
      assert.equal((await n.api<{ ok: boolean }>('/v1/audit/verify')).body.ok, true)
    }
  })

  it('cannot kill a member beyond refutation with alive@2^32 then dead@2^32', async () => {
    await cluster.waitFor('the hostile peer to reach every node on the notice topic', async () => hostile.noticePeers() === nodes.length, { timeoutMs: 15_000 })
    const victim = nodes[1]!
    const held = async (n: KosProcess): Promise<{ state: string, incarnation: number } | undefined> => (await n.peers()).peers.find((p) => p.peerId === victim.peerId)
    // h1 restarted in the test before: until it has the victim again it would take the first
    // claim it hears at face value (overview.md, "What is not there yet"), which is not this attack.
    await cluster.waitFor('both other nodes to hold the victim alive', async () => {
      for (const n of [nodes[0]!, nodes[2]!]) if ((await held(n))?.state !== 'alive') return false
      return true
    })
    const before = (await held(nodes[0]!))!
    await hostile.notice('alive', victim.peerId, 2 ** 32, ['/ip4/127.0.0.1/tcp/9'])
    await hostile.notice('dead', victim.peerId, 2 ** 32)
    await cluster.waitFor('both nodes that hold the victim to count the refused raise', async () => {
      for (const n of [nodes[0]!, nodes[2]!]) if (!/^kos_membership_claims_refused_total [1-9]/m.test(await n.metrics())) return false
      return true
    }, { timeoutMs: 30_000 })
    for (const n of [nodes[0]!, nodes[2]!]) {
      const seen = (await held(n))!
      assert.equal(seen.state, 'alive', `${n.name} holds ${victim.name} ${seen.state}`)
      assert.ok(seen.incarnation < 2 ** 32 && seen.incarnation >= before.incarnation, `${n.name}: incarnation ${seen.incarnation}`)
    }
  })

  it('cannot exhaust the Lamport clock with a genuinely signed entry', async () => {
    await cluster.waitFor('the hostile peer to reach every node on the audit topic', async () => hostile.topicPeers() === nodes.length, { timeoutMs: 15_000 })
    await hostile.gossip([await hostile.ownEntry(Number.MAX_SAFE_INTEGER - 1, 'test:far-future')])
    await cluster.waitFor('every node to refuse it for its Lamport time', async () => {
      for (const n of nodes) if (!/kos_audit_rejected_total\{reason="lamport"\} [1-9]/.test(await n.metrics())) return false
      return true
    }, { timeoutMs: 30_000 })
    const token = async (n: KosProcess): Promise<string> => (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
    for (const n of nodes) {
      const res = await n.api<{ seq: number }>('/v1/audit', { method: 'POST', headers: { authorization: `Bearer ${await token(n)}`, 'content-type': 'application/json' }, body: JSON.stringify({ class: 'operator', type: 'test:after', severity: 'info', subject: 's' }) })
      assert.equal(res.status, 200, `${n.name}: ${JSON.stringify(res.body)}`)
    }
  })

  it('cannot define a service: its desired-state entries are refused, not folded, and counted', async () => {
    await cluster.waitFor('the hostile peer to reach every node on the audit topic', async () => hostile.topicPeers() === nodes.length, { timeoutMs: 15_000 })
    const { term } = await cluster.waitFor('one coordinator agreed', async () => await agreedCoordinator(nodes), { timeoutMs: 30_000 })
    const spec = (name: string) => ({ name, command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], replicas: 1 })
    // Its own chain, as a member whose process was altered could write it past its API's checks:
    // the current term (which it does not coordinate), and a term far beyond it (to pin the state).
    await hostile.gossip(await hostile.ownChain([
      { class: 'coordinator', type: 'service:defined', severity: 'notice', subject: 'forged', details: { term, spec: spec('forged') } },
      { class: 'coordinator', type: 'service:defined', severity: 'notice', subject: 'pinned', details: { term: Number.MAX_SAFE_INTEGER, spec: spec('pinned') } }
    ], 10))
    await cluster.waitFor('every node to refuse both, each for its reason', async () => {
      for (const n of nodes) {
        const metrics = await n.metrics()
        if (!/kos_service_desired_state_refused_total\{reason="not-coordinator"\} [1-9]/.test(metrics)) return false
        if (!/kos_service_desired_state_refused_total\{reason="term-bound"\} [1-9]/.test(metrics)) return false
      }
      return true
    }, { timeoutMs: 30_000 })
    for (const n of nodes) assert.deepEqual((await n.api<{ services: unknown[] }>('/v1/services')).body.services, [], n.name)
  })
})

describe('a hostile admitted peer, towards the members that do not vote', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []
  let hostile: HostilePeer

  before(async () => {
    ({ nodes, hostile } = await hostileSetup(cluster, ['v1', 'v2', 'v3', 'v4'], ['--voters', '3']))
  })

  after(async () => {
    await hostile?.stop()
    await cluster.cleanup()
  })

  it('cannot take a non-voter from its coordinator with an announcement naming itself', async () => {
    const before = await agreedCoordinator(nodes)
    const voters = [...before.views.values()][0]!.voters
    const nonVoter = nodes.find((n) => !voters.includes(n.peerId))!
    await cluster.waitFor('the hostile peer to reach the non-voter on the announcement topic', async () => hostile.announcePeers() === nodes.length, { timeoutMs: 15_000 })
    await hostile.announce(before.term + 5, [hostile.peerId, ...voters.slice(0, 2)])
    await cluster.waitFor('the non-voter to count the refused announcement', async () => /kos_election_refused_total\{reason="not-voter"\} [1-9]/.test(await nonVoter.metrics()), { timeoutMs: 30_000 })
    const now = await agreedCoordinator(nodes)
    assert.equal(now.peerId, before.peerId)
    assert.equal(now.term, before.term)
    assert.deepEqual([...now.views.get(nonVoter)!.voters].sort(), [...voters].sort())
  })
})
