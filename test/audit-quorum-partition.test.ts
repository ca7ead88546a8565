/**
 * `ack=quorum` across a real partition (issue 21): a majority of the election's voter set must
 * hold the entry, not a majority of the members alive. Three `kos start` processes, each on its
 * own loopback host, all three voters; iptables cuts one from the other two (`IptablesPartition`).
 * Once the lone node sees the others gone, a majority of what it sees alive is itself alone:
 * its `ack=quorum` must still answer 504 `quorum_timeout` after `auditQuorumTimeoutMs`, while the
 * majority side acknowledges. After the heal the lone node's entry reaches the others. Without
 * Linux, root or iptables the tests skip, saying why.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import { Cluster, IptablesPartition, type KosProcess } from '@kos/testkit'

const HOSTS = ['127.0.0.21', '127.0.0.22', '127.0.0.23']
/** The default `auditQuorumTimeoutMs` (profiles.ts), which this test does not change. */
const QUORUM_TIMEOUT_MS = 5000

interface Acked { origin: string, seq: number, hash: string }

describe('ack=quorum across a 1 | 2 partition of three voters', () => {
  const cluster = new Cluster()
  const partition = new IptablesPartition()
  let skipReason: string | undefined
  let nodes: KosProcess[] = []

  before(async () => {
    skipReason = await IptablesPartition.unavailable()
    if (skipReason !== undefined) return
    try {
      await partition.install()
    } catch (err) {
      skipReason = (err as Error).message
      return
    }
    await cluster.init()
    const first = await cluster.startNode({ name: 'q1', host: HOSTS[0] })
    const rest = await cluster.startNodes(HOSTS.slice(1).map((host, i) => ({ name: `q${i + 2}`, host, bootstrap: [first.addr] })))
    nodes = [first, ...rest]
  })

  after(async () => {
    await partition.remove()
    await cluster.cleanup()
  })

  function skipped (t: TestContext): boolean {
    if (skipReason === undefined) return false
    t.skip(skipReason)
    return true
  }

  async function post (n: KosProcess, subject: string): Promise<{ status: number, body: unknown, ms: number }> {
    const tok = (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
    const t0 = performance.now()
    // Not n.api: its deadline is shorter than the quorum wait this test must see end.
    const res = await fetch(`http://${n.apiHostPort}/v1/audit?ack=quorum`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
      body: JSON.stringify({ class: 'operator', type: 'test:quorum', severity: 'info', subject }),
      signal: AbortSignal.timeout(QUORUM_TIMEOUT_MS * 3)
    })
    return { status: res.status, body: await res.json() as unknown, ms: performance.now() - t0 }
  }

  it('with all three connected, ack=quorum answers 200', async (t) => {
    if (skipped(t)) return
    await cluster.waitFor('all three alive in every view, three voters', async () => {
      for (const n of nodes) {
        if ((await n.peers()).peers.filter((p) => p.state === 'alive').length !== 2) return false
        if ((await n.coordinator()).voters.length !== 3) return false
      }
      return true
    }, { timeoutMs: 60_000 })
    const r = await post(nodes[0]!, 'connected')
    assert.equal(r.status, 200, JSON.stringify(r.body))
  })

  it('cut: the lone node answers 504 quorum_timeout after auditQuorumTimeoutMs; the majority acknowledges', async (t) => {
    if (skipped(t)) return
    const [lone, ...pair] = nodes as [KosProcess, KosProcess, KosProcess]
    await partition.cut([lone.host], pair.map((n) => n.host))
    // The lone node must see the others gone: then a majority of what it sees alive is itself.
    await cluster.waitFor('the lone node to see neither other node alive', async () =>
      (await lone.peers()).peers.every((p) => p.state !== 'alive'), { timeoutMs: 60_000 })
    const minority = await post(lone, 'minority')
    assert.equal(minority.status, 504, `the lone node answered ${minority.status}: ${JSON.stringify(minority.body)}`)
    assert.equal((minority.body as { error: { code: string } }).error.code, 'quorum_timeout')
    assert.ok(minority.ms >= QUORUM_TIMEOUT_MS - 100, `answered after ${Math.round(minority.ms)} ms, before auditQuorumTimeoutMs`)
    t.diagnostic(`minority: 504 after ${Math.round(minority.ms)} ms: ${(minority.body as { error: { message: string } }).error.message}`)
    const majority = await cluster.waitFor('the majority side to acknowledge a quorum append', async () => {
      const r = await post(pair[0], 'majority')
      return r.status === 200 ? r : false
    }, { timeoutMs: 30_000 })
    assert.equal((majority.body as Acked).origin, pair[0].peerId)
  })

  it('heal: the lone node\'s entry, stored locally, reaches the others', async (t) => {
    if (skipped(t)) return
    await partition.heal()
    const lone = nodes[0]!
    await cluster.waitFor('the minority entry on every node', async () => {
      for (const n of nodes) {
        const res = await n.api<{ entries: Array<{ subject: string, origin: string }> }>(`/v1/audit?origin=${lone.peerId}&limit=1000`)
        if (!res.body.entries.some((e) => e.subject === 'minority')) return false
      }
      return true
    }, { timeoutMs: 60_000 })
  })
})
