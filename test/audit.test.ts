/**
 * The replicated audit log on real processes (issue #4), 5 nodes started through the CLI:
 * - the API token (mode 0600) guards appends; an entry POSTed on one node reaches all five and
 *   `ack=quorum` answers once a majority holds it; membership and coordinator events are logged;
 * - under a write load, a node that is being written to is SIGKILLed and restarted: afterwards
 *   every node holds the same log, and every acknowledged entry is on every node;
 * - a node that was down during 1,000 appends catches up;
 * - entries forged with another node's origin (by gossip and by the direct channel, from a
 *   libp2p peer in this process) are rejected everywhere, counted and audited as tamper;
 * - a node that joins late catches up on the whole log;
 * - one SIGKILL is one `member:dead` entry (the coordinator's), not one per observer;
 * - `kos audit verify` passes on every node.
 */
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, HostilePeer, summarize, type KosProcess } from '@kos/testkit'

interface Entry { origin: string, seq: number, class: string, type: string, subject: string, hash: string }
interface Page { entries: Entry[], next: string | null }
interface Acked { origin: string, seq: number, hash: string }

describe('replicated audit log, 5 nodes', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []
  const acked: Acked[] = []

  async function token (n: KosProcess): Promise<string> {
    return (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
  }

  async function post (n: KosProcess, body: object, ack = 'local'): Promise<{ status: number, body: Acked }> {
    return await n.api(`/v1/audit?ack=${ack}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(n)}` },
      body: JSON.stringify(body)
    })
  }

  /** Every entry a node holds (all pages). */
  async function all (n: KosProcess, filter = ''): Promise<Entry[]> {
    const out: Entry[] = []
    let cursor: string | null = null
    do {
      const res: { status: number, body: Page } = await n.api<Page>(`/v1/audit?limit=1000${filter}${cursor === null ? '' : `&cursor=${cursor}`}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      out.push(...res.body.entries)
      cursor = res.body.next
    } while (cursor !== null)
    return out
  }

  async function missing (n: KosProcess, wanted: Acked[]): Promise<Acked[]> {
    const held = new Set((await all(n)).map((e) => e.hash))
    return wanted.filter((e) => !held.has(e.hash))
  }

  /** Appends `count` entries spread over `on`, `inflight` at a time; returns the acknowledged ones. */
  async function load (on: KosProcess[], count: number, inflight: number, type: string, stop?: () => boolean): Promise<Acked[]> {
    const done: Acked[] = []
    let next = 0
    await Promise.all(Array.from({ length: inflight }, async () => {
      while (next < count && stop?.() !== true) {
        const i = next++
        const n = on[i % on.length] as KosProcess
        try {
          const res = await post(n, { class: 'operator', type, severity: 'info', subject: `${type}-${i}`, details: { i } })
          if (res.status === 200) done.push(res.body)
        } catch {
          // The node was killed mid-request: not acknowledged, so nothing is owed.
        }
      }
    }))
    return done
  }

  before(async () => {
    await cluster.init()
    const config = join(cluster.tmp, 'audit-config.json')
    await writeFile(config, JSON.stringify({ auditSyncIntervalMs: 1000 }))
    const a = await cluster.startNode({ name: 'a', extraArgs: ['--config', config] })
    const rest = await cluster.startNodes(['b', 'c', 'd', 'e'].map((name) => ({ name, bootstrap: [a.addr], extraArgs: ['--config', config] })))
    nodes = [a, ...rest]
    await cluster.waitFor('all five alive in every view, with a coordinator', async () => {
      for (const n of nodes) {
        const view = await n.peers()
        assert.equal(view.peers.filter((p) => p.state === 'alive').length, 4, JSON.stringify(summarize(view)))
        assert.notEqual((await n.coordinator()).peerId, null)
      }
      return true
    }, { timeoutMs: 30_000 })
  })

  after(async () => { await cluster.cleanup() })

  it('creates the API token with mode 0600 and refuses a POST without it', async () => {
    const st = await stat(join(nodes[0]!.dataDir, 'api-token'))
    assert.equal(st.mode & 0o777, 0o600)
    const res = await nodes[0]!.api('/v1/audit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ class: 'operator', type: 'x', severity: 'info', subject: 's' }) })
    assert.equal(res.status, 401)
  })

  it('an entry POSTed on one node reaches all five; ack=quorum answers once a majority holds it', async () => {
    const local = await post(nodes[0]!, { class: 'operator', type: 'test:local', severity: 'notice', subject: 'audit-test', details: { n: 1 } })
    assert.equal(local.status, 200, JSON.stringify(local.body))
    acked.push(local.body)
    await cluster.waitFor('the entry on all five nodes', async () => {
      for (const n of nodes) assert.deepEqual(await missing(n, [local.body]), [], `${n.name} lacks it`)
      return true
    }, { timeoutMs: 15_000 })
    const quorum = await post(nodes[1]!, { class: 'agent', type: 'test:quorum', severity: 'info', subject: 'audit-test' }, 'quorum')
    assert.equal(quorum.status, 200, JSON.stringify(quorum.body))
    acked.push(quorum.body)
    let held = 0
    for (const n of nodes) if ((await missing(n, [quorum.body])).length === 0) held++
    assert.ok(held >= 3, `quorum entry held by ${held} of 5 nodes right after the ack`)
  })

  it('membership and coordinator events are in the log', async () => {
    await cluster.waitFor('member:join and coordinator:elected entries on every node', async () => {
      for (const n of nodes) {
        const entries = await all(n)
        const types = new Set(entries.map((e) => e.type))
        assert.ok(types.has('member:join'), `${n.name}: ${[...types].join(', ')}`)
        assert.ok(types.has('coordinator:elected'), `${n.name}: ${[...types].join(', ')}`)
        for (const e of entries) {
          if (e.type.startsWith('member:')) assert.equal(e.class, 'node')
          if (e.type.startsWith('coordinator:')) assert.equal(e.class, 'coordinator')
        }
        // Recorded once for the cluster (by the coordinator, or before there is one by the first
        // member by peer id), and replicated: every node holds a join of every other.
        const joins = entries.filter((e) => e.type === 'member:join')
        for (const other of nodes.filter((o) => o !== n)) assert.ok(joins.some((e) => e.subject === other.peerId), `${n.name} has no join of ${other.name}`)
      }
      return true
    }, { timeoutMs: 15_000 })
  })

  it('SIGKILL of a node under write load: afterwards every node holds every acknowledged entry', async () => {
    const victim = nodes[2]!
    const writers = load([nodes[0]!, nodes[1]!, victim], 600, 6, 'test:load')
    // Kill the victim once it has acknowledged some of its own share.
    await cluster.waitFor('the victim to acknowledge appends', async () => {
      const mine = (await all(victim, `&origin=${victim.peerId}`)).filter((e) => e.type === 'test:load')
      return mine.length >= 20
    }, { timeoutMs: 30_000, intervalMs: 20 })
    await victim.killNow()
    const written = await writers
    assert.ok(written.some((e) => e.origin === victim.peerId), 'no append was acknowledged by the killed node')
    acked.push(...written)
    await victim.restart()
    await cluster.waitFor('every acknowledged entry on every node', async () => {
      for (const n of nodes) {
        const lack = await missing(n, acked)
        assert.equal(lack.length, 0, `${n.name} lacks ${lack.length}, e.g. ${JSON.stringify(lack[0])}`)
      }
      return true
    }, { timeoutMs: 60_000, intervalMs: 500 })
  })

  it('a node that was down during 1,000 appends catches up', async () => {
    const down = nodes[4]!
    await down.killNow()
    const written = await load([nodes[0]!, nodes[1]!, nodes[3]!], 1000, 16, 'test:while-down')
    assert.equal(written.length, 1000)
    acked.push(...written)
    await down.restart()
    await cluster.waitFor('the restarted node to hold all 1,000', async () => {
      const lack = await missing(down, written)
      assert.equal(lack.length, 0, `${down.name} still lacks ${lack.length}`)
      return true
    }, { timeoutMs: 60_000, intervalMs: 500 })
  })

  it('entries forged with another node\'s origin are rejected everywhere and audited as tamper', async () => {
    const forger = await HostilePeer.start()
    try {
      for (const n of nodes) await forger.connect(n.addr)
      await cluster.waitFor('the forger to see every node on the audit topic', async () => forger.topicPeers() === nodes.length, { timeoutMs: 15_000 })
      const victim = nodes[1]!
      const byGossip = await forger.forge(victim.peerId, 'test:forged-gossip')
      await forger.gossip([byGossip])
      const byChannel = await forger.forge(victim.peerId, 'test:forged-direct')
      for (const n of nodes) forger.send(n.peerId, { kind: 'entries', entries: [byChannel], more: false })
      await cluster.waitFor('every node to count both rejections and to audit a tamper event', async () => {
        for (const n of nodes) {
          const metrics = await n.metrics()
          assert.match(metrics, /kos_audit_rejected_total\{reason="origin"\} [1-9]/, `${n.name}: no gossip origin rejection`)
          assert.match(metrics, /kos_audit_rejected_total\{reason="signature"\} [1-9]/, `${n.name}: no signature rejection`)
          const tamper = (await all(n, `&origin=${n.peerId}`)).filter((e) => e.type === 'audit:tamper')
          assert.ok(tamper.length > 0, `${n.name} audited no tamper event`)
        }
        return true
      }, { timeoutMs: 15_000 })
      for (const n of nodes) {
        const held = await all(n, `&origin=${victim.peerId}`)
        assert.ok(!held.some((e) => e.hash === byGossip.hash || e.hash === byChannel.hash || e.type.startsWith('test:forged')), `${n.name} stored a forged entry`)
      }
    } finally {
      await forger.stop()
    }
  })

  it('a node that joins late catches up on the whole log', async () => {
    const config = join(cluster.tmp, 'audit-config.json')
    const late = await cluster.startNode({ name: 'f', bootstrap: [nodes[0]!.addr], extraArgs: ['--config', config] })
    nodes.push(late)
    await cluster.waitFor('the late node to hold every acknowledged entry', async () => {
      const lack = await missing(late, acked)
      assert.equal(lack.length, 0, `${late.name} still lacks ${lack.length} of ${acked.length}`)
      return true
    }, { timeoutMs: 60_000, intervalMs: 500 })
  })

  it('one SIGKILL is one member:dead entry, and its return one member:alive, while every node shows both', async () => {
    const coordinator = (await nodes[0]!.coordinator()).peerId
    const victim = nodes.slice(1).find((n) => n.peerId !== coordinator && n !== nodes[2] && n !== nodes[4])!
    const survivors = nodes.filter((n) => n !== victim)
    /** Entries about the victim of `type`: those each node wrote itself, once every node holds at least one. */
    async function written (type: string): Promise<Map<string, number>> {
      return await cluster.waitFor(`a ${type} entry of ${victim.name} on every node`, async () => {
        const byOrigin = new Map<string, number>()
        for (const n of survivors) {
          const held = (await all(n, '&class=node')).filter((e) => e.type === type && e.subject === victim.peerId)
          if (held.length === 0) return false
          byOrigin.set(n.name, held.filter((e) => e.origin === n.peerId).length)
        }
        return byOrigin
      }, { timeoutMs: 30_000, intervalMs: 300 })
    }
    await victim.killNow()
    await cluster.waitFor(`every survivor to see ${victim.name} dead`, async () => {
      for (const n of survivors) if (await n.stateOf(victim.peerId) !== 'dead') return false
      return true
    }, { timeoutMs: 30_000 })
    const deaths = await written('member:dead')
    assert.equal([...deaths.values()].reduce((a, b) => a + b, 0), 1, `member:dead entries written, by node: ${JSON.stringify([...deaths])}`)
    // Every node still saw the event itself: its peer view and its metrics.
    for (const n of survivors) {
      const metrics = await n.api<string>('/metrics')
      assert.match(metrics.body, /^kos_member_deaths_total [1-9]/m, `${n.name} counted no death`)
    }
    await victim.restart()
    await cluster.waitFor(`every node to see ${victim.name} alive again`, async () => {
      for (const n of survivors) if (await n.stateOf(victim.peerId) !== 'alive') return false
      return true
    }, { timeoutMs: 30_000 })
    const returns = await written('member:alive')
    assert.equal([...returns.values()].reduce((a, b) => a + b, 0), 1, `member:alive entries written, by node: ${JSON.stringify([...returns])}`)
  })

  it('the logs converge, and kos audit verify passes on every node', async () => {
    await cluster.waitFor('identical logs on all six', async () => {
      const sets = await Promise.all(nodes.map(async (n) => (await all(n)).map((e) => e.hash).sort().join(',')))
      for (let i = 1; i < sets.length; i++) assert.equal(sets[i], sets[0], `${nodes[i]!.name} differs from ${nodes[0]!.name}`)
      return true
    }, { timeoutMs: 30_000, intervalMs: 500 })
    for (const n of nodes) {
      const res = await cluster.runCli(['audit', 'verify', '--api', `127.0.0.1:${n.apiPort}`, '--json'])
      assert.equal(res.code, 0, `${n.name}: ${res.stderr}`)
      const report = JSON.parse(res.stdout) as { ok: boolean, checked: number, breaks: unknown[] }
      assert.equal(report.ok, true)
      assert.deepEqual(report.breaks, [])
      assert.ok(report.checked >= acked.length, `${n.name} checked ${report.checked} < ${acked.length} acknowledged`)
    }
  })
})
