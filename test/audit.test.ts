/**
 * The replicated audit log on real processes (issue #4), 3 nodes started through the CLI:
 * an entry POSTed on one node (with the token from its data directory) reaches all three,
 * `ack=quorum` answers with 3 alive, membership and coordinator events are in the log, a node
 * killed and restarted catches up on what was appended while it was down, and every log verifies.
 */
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, summarize, type KosProcess } from '@kos/testkit'

interface Entry { origin: string, seq: number, class: string, type: string, subject: string, hash: string }
interface Page { entries: Entry[], next: string | null }

describe('replicated audit log', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []

  async function token (n: KosProcess): Promise<string> {
    return (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
  }

  async function post (n: KosProcess, body: object, ack = 'local'): Promise<{ status: number, body: { origin: string, seq: number, hash: string } }> {
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

  async function holds (n: KosProcess, origin: string, seq: number): Promise<boolean> {
    return (await all(n, `&origin=${origin}`)).some((e) => e.seq === seq)
  }

  before(async () => {
    await cluster.init()
    const config = join(cluster.tmp, 'audit-config.json')
    await writeFile(config, JSON.stringify({ auditSyncIntervalMs: 1000 }))
    const a = await cluster.startNode({ name: 'a', extraArgs: ['--config', config] })
    const rest = await cluster.startNodes([
      { name: 'b', bootstrap: [a.addr], extraArgs: ['--config', config] },
      { name: 'c', bootstrap: [a.addr], extraArgs: ['--config', config] }
    ])
    nodes = [a, ...rest]
    await cluster.waitFor('all three alive in every view, with a coordinator', async () => {
      for (const n of nodes) {
        const view = await n.peers()
        assert.equal(view.peers.filter((p) => p.state === 'alive').length, 2, JSON.stringify(summarize(view)))
        assert.notEqual((await n.coordinator()).peerId, null)
      }
      return true
    }, { timeoutMs: 20_000 })
  })

  after(async () => { await cluster.cleanup() })

  it('creates the API token with mode 0600 and refuses a POST without it', async () => {
    const st = await stat(join(nodes[0]!.dataDir, 'api-token'))
    assert.equal(st.mode & 0o777, 0o600)
    const res = await nodes[0]!.api('/v1/audit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ class: 'operator', type: 'x', severity: 'info', subject: 's' }) })
    assert.equal(res.status, 401)
  })

  it('an entry POSTed on one node appears on all three; ack=quorum answers 200', async () => {
    const local = await post(nodes[0]!, { class: 'operator', type: 'test:local', severity: 'notice', subject: 'audit-test', details: { n: 1 } })
    assert.equal(local.status, 200, JSON.stringify(local.body))
    await cluster.waitFor('the entry on all three nodes', async () => {
      for (const n of nodes) assert.ok(await holds(n, local.body.origin, local.body.seq), `${n.name} lacks ${local.body.seq}`)
      return true
    }, { timeoutMs: 10_000 })
    const quorum = await post(nodes[1]!, { class: 'agent', type: 'test:quorum', severity: 'info', subject: 'audit-test' }, 'quorum')
    assert.equal(quorum.status, 200, JSON.stringify(quorum.body))
    let held = 0
    for (const n of nodes) if (await holds(n, quorum.body.origin, quorum.body.seq)) held++
    assert.ok(held >= 2, `quorum entry held by ${held} nodes right after the ack`)
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
        // Each node recorded its own view: joins of both others, from its own origin.
        const joins = entries.filter((e) => e.type === 'member:join' && e.origin === n.peerId).map((e) => e.subject)
        for (const other of nodes.filter((o) => o !== n)) assert.ok(joins.includes(other.peerId), `${n.name} has no join of ${other.name}`)
      }
      return true
    }, { timeoutMs: 10_000 })
  })

  it('a node killed and restarted catches up on entries appended while it was down', async () => {
    const c = nodes[2]!
    await c.killNow()
    const appended: Array<{ origin: string, seq: number }> = []
    for (let i = 0; i < 20; i++) {
      const res = await post(nodes[i % 2]!, { class: 'operator', type: 'test:while-down', severity: 'info', subject: `n${i}` })
      assert.equal(res.status, 200)
      appended.push(res.body)
    }
    await c.restart()
    await cluster.waitFor('the restarted node to hold every entry appended while it was down', async () => {
      for (const e of appended) assert.ok(await holds(c, e.origin, e.seq), `${c.name} lacks ${e.origin.slice(-6)}#${e.seq}`)
      return true
    }, { timeoutMs: 15_000 })
    // The dead and alive-again transitions the others saw are recorded too.
    await cluster.waitFor('member:dead of c in the log', async () => {
      const entries = await all(nodes[0]!)
      assert.ok(entries.some((e) => e.type === 'member:dead' && e.subject === c.peerId), 'no member:dead of c')
      return true
    }, { timeoutMs: 10_000 })
  })

  it('GET /v1/audit/verify is ok on every node, and the logs converge', async () => {
    await cluster.waitFor('identical logs on all three', async () => {
      const sets = await Promise.all(nodes.map(async (n) => (await all(n)).map((e) => e.hash).sort().join(',')))
      assert.equal(sets[1], sets[0])
      assert.equal(sets[2], sets[0])
      return true
    }, { timeoutMs: 10_000 })
    for (const n of nodes) {
      const res = await n.api<{ ok: boolean, checked: number, breaks: unknown[] }>('/v1/audit/verify')
      assert.equal(res.status, 200)
      assert.equal(res.body.ok, true, JSON.stringify(res.body))
      assert.ok(res.body.checked > 20)
      assert.deepEqual(res.body.breaks, [])
    }
  })
})
