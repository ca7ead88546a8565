/**
 * SIGKILL of a voter in the middle of a batch (issue 21, "Nothing lost"): three `kos start`
 * processes, all voters. One node writes batches of entries with `POST /v1/audit/batch
 * ?ack=quorum`, the victim writes its own batches with `ack=local`, and the victim is killed
 * while a batch of its own is in flight and the other node's batches are reaching it. After it
 * restarts, every entry acknowledged before (and after) the kill is on every node, and
 * `GET /v1/audit/verify` passes on every node: no group was half stored, no seal lost.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, type KosProcess } from '@kos/testkit'

interface Acked { origin: string, seq: number, hash: string }
const BATCH = 100

describe('SIGKILL of a voter in the middle of a batch', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []

  before(async () => {
    await cluster.init()
    const first = await cluster.startNode({ name: 'k1' })
    const rest = await cluster.startNodes(['k2', 'k3'].map((name) => ({ name, bootstrap: [first.addr] })))
    nodes = [first, ...rest]
    await cluster.waitFor('three alive in every view, three voters, a coordinator', async () => {
      for (const n of nodes) {
        if ((await n.peers()).peers.filter((p) => p.state === 'alive').length !== 2) return false
        const c = await n.coordinator()
        if (c.peerId === null || c.voters.length !== 3) return false
      }
      return true
    }, { timeoutMs: 60_000 })
  })

  after(async () => { await cluster.cleanup() })

  async function postBatch (n: KosProcess, ack: string, tag: string, i: number): Promise<Acked[]> {
    const tok = (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
    const entries = Array.from({ length: BATCH }, (_, k) => ({ class: 'operator', type: 'test:kill', severity: 'info', subject: `${tag}-${i}-${k}`, details: { i, k } }))
    const res = await fetch(`http://${n.apiHostPort}/v1/audit/batch?ack=${ack}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
      body: JSON.stringify({ entries }),
      signal: AbortSignal.timeout(30_000)
    })
    if (res.status !== 200) throw new Error(`${n.name}: ${res.status} ${await res.text()}`)
    return ((await res.json()) as { entries: Acked[] }).entries
  }

  /** Every entry a node holds of `origin`, by hash. */
  async function hashes (n: KosProcess, origin: string): Promise<Set<string>> {
    const out = new Set<string>()
    let cursor: string | null = null
    for (let page = 0; page < 1000; page++) {
      const res: { status: number, body: { entries: Acked[], next: string | null } } =
        await n.api(`/v1/audit?origin=${origin}&limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`)
      assert.equal(res.status, 200)
      for (const e of res.body.entries) out.add(e.hash)
      cursor = res.body.next
      if (cursor === null) break
    }
    return out
  }

  it('every acknowledged entry is on every node afterwards, and verify passes everywhere', async () => {
    const [writer, victim, third] = nodes as [KosProcess, KosProcess, KosProcess]
    const acked: Acked[] = []
    let killed = false
    // The writer: quorum batches, one after another, before, during and after the kill.
    const writing = (async () => {
      for (let i = 0; i < 12; i++) {
        try {
          acked.push(...await postBatch(writer, 'quorum', 'w', i))
        } catch (err) {
          // A quorum wait that straddled the kill may time out: not acknowledged, nothing owed.
          if (!killed) throw err
        }
      }
    })()
    // The victim: local batches; after its second acknowledged batch, the next one is sent
    // and the victim is killed while that one is in flight.
    let victimAcked = 0
    for (let i = 0; victimAcked < 2; i++) {
      const got = await postBatch(victim, 'local', 'v', i)
      acked.push(...got)
      victimAcked++
    }
    const inFlight = postBatch(victim, 'local', 'v', 99).then((got) => { acked.push(...got) }, () => { /* killed mid-request: not acknowledged */ })
    killed = true
    await victim.killNow()
    await inFlight
    await writing
    assert.ok(acked.some((e) => e.origin === victim.peerId), 'the victim acknowledged none of its batches')
    assert.ok(acked.filter((e) => e.origin === writer.peerId).length >= 6 * BATCH, 'the writer acknowledged too little')
    await victim.restart()
    await cluster.waitFor('every acknowledged entry on every node', async () => {
      for (const n of nodes) {
        for (const origin of [writer.peerId, victim.peerId]) {
          const held = await hashes(n, origin)
          const lack = acked.filter((e) => e.origin === origin && !held.has(e.hash))
          assert.equal(lack.length, 0, `${n.name} lacks ${lack.length} acknowledged entries of ${origin === victim.peerId ? 'the victim' : 'the writer'}, e.g. #${lack[0]?.seq}`)
        }
      }
      return true
    }, { timeoutMs: 90_000, intervalMs: 500 })
    for (const n of [writer, victim, third]) {
      const v = await n.api<{ ok: boolean, checked: number, breaks: unknown[] }>('/v1/audit/verify')
      assert.equal(v.status, 200, JSON.stringify(v.body))
      assert.equal(v.body.ok, true, `${n.name}: ${JSON.stringify(v.body.breaks).slice(0, 500)}`)
    }
  })
})
