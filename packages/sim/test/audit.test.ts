/**
 * The audit replication core in the simulator (issue 7): its invariants hold under partitions
 * and churn at small N, a seed replays exactly, the checkers catch a node that lost its log, and
 * the in-memory AuditDb under the real AuditStore reads ranges as LevelDB does. A few seconds.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AUDIT, type AuditDisk } from '../src/audit-adapter.js'
import type { CoreFactory } from '../src/core-adapter.js'
import { MemoryAuditDb } from '../src/memory-audit-db.js'
import { formatReport } from '../src/report.js'
import { runScenario, runScenarioAsync, type RunResult } from '../src/run.js'
import { Simulation } from '../src/simulation.js'

async function run (scenario: string, seed: number, o: { nodes?: number, seconds?: number, extraCores?: CoreFactory[] } = {}): Promise<RunResult> {
  return await runScenarioAsync({ scenario, seed, nodes: o.nodes ?? 7, seconds: o.seconds ?? 30, audit: true, auditQuietMs: 20_000, extraCores: o.extraCores })
}

describe('audit replication in the simulator', () => {
  it('partition: every entry reaches every node after the heal, quorum acks included', async () => {
    const r = await run('partition', 1)
    assert.equal(r.summary.violations, 0, formatReport(r))
    const a = r.summary.audit!
    assert.ok(a.appends > 50 && a.quorumAcked > 10, JSON.stringify(a))
    // No crash: each of the 6 other nodes stored each entry from its origin's push or a pull.
    assert.equal(a.stored, a.appends * 6)
    assert.equal(a.rejected + a.wireRefused, 0)
    assert.ok(a.msgs.entries > 0, 'the minority caught up through anti-entropy')
    assert.match(formatReport(r), /audit traffic per node\s+[\d.]+ msg\/s/)
  })

  it('churn: crashes, restarts from the simulated disk and pauses lose no acknowledged entry', async () => {
    // The churn scenario is quiet for its last 25 s: its faults need a 60 s run.
    const r = await run('churn', 2, { nodes: 5, seconds: 60 })
    assert.equal(r.summary.violations, 0, formatReport(r))
    assert.equal(r.summary.faults.restarts, 2)
    assert.ok(r.summary.audit!.quorumAcked > 10)
  })

  it('is deterministic: one seed gives the same summary, audit figures and trace hash', async () => {
    // Lossy: loss, duplicates and reordering draw on the network's stream at every audit message.
    const a = await run('lossy', 5, { nodes: 5 })
    const b = await run('lossy', 5, { nodes: 5 })
    assert.deepEqual(a.summary, b.summary)
    assert.ok(a.summary.audit!.quorumAcked > 0)
    const c = await run('lossy', 6, { nodes: 5 })
    assert.notEqual(a.summary.traceHash, c.summary.traceHash)
  })

  it('reports a node that lost its log, with the seed and the replay command', async () => {
    // At 20 s, n0002's disk loses every audit key under the running store, whose heads in
    // memory still claim the entries: nothing pulls them back.
    const wiper: CoreFactory = {
      name: 'wiper',
      create: (host) => ({
        name: 'wiper',
        start: () => {
          if (host.id !== 'n0002') return
          host.after(20_000, () => {
            const db = (host.disk.get(AUDIT) as AuditDisk).db
            host.track((async () => {
              const keys: string[] = []
              for await (const [k] of db.iterator({ keyEncoding: 'utf8', valueEncoding: 'view' })) keys.push(k)
              await db.batch(keys.map((key) => ({ type: 'del' as const, key })))
            })())
          })
        },
        receive: () => {},
        peerLost: () => {}
      })
    }
    const r = await run('steady', 2, { extraCores: [wiper] })
    const kinds = new Set(r.violations.map((v) => v.invariant))
    assert.ok(kinds.has('audit-logs-identical') && kinds.has('audit-acked-entry-kept'), formatReport(r))
    const lost = r.violations.find((v) => v.invariant === 'audit-acked-entry-kept')!
    assert.match(lost.detail, /n0002:missing/)
    const text = formatReport(r)
    assert.match(text, /seed 2, replay: npm run sim -- --scenario steady --nodes 7 --seconds 30 --seed 2 --audit/)
  })

  it('reports an ack=quorum acknowledged before a majority holds the entry', async () => {
    // In the audit core's name, n0003 claims a quorum for an entry of its chain no disk holds.
    const liar: CoreFactory = {
      name: 'liar',
      create: (host) => ({
        name: 'liar',
        start: () => {
          if (host.id !== 'n0003') return
          host.after(10_000, () => { host.emit(AUDIT, { type: 'audit:acked', origin: 'nobody', seq: 999, hash: '00'.repeat(32), majority: 4 }) })
        },
        receive: () => {},
        peerLost: () => {}
      })
    }
    const r = await run('steady', 3, { nodes: 5, extraCores: [liar] })
    assert.deepEqual(r.violations.map((v) => v.invariant).sort(), ['audit-ack-has-quorum', 'audit-acked-entry-kept'], formatReport(r))
    assert.match(r.violations[0]!.detail, /n0003 acknowledged its entry #999 with ack=quorum while 0 node\(s\) hold it/)
  })

  it('the synchronous run refuses async work: it could not wait for it', () => {
    assert.throws(() => runScenario({ scenario: 'steady', seed: 1, nodes: 5, seconds: 30, audit: true }), /runScenarioAsync/)
    const busy: CoreFactory = { name: 'busy', create: (host) => ({ name: 'busy', start: () => { host.track(Promise.resolve()) }, receive: () => {}, peerLost: () => {} }) }
    const sim = new Simulation({ nodes: 3, seed: 1, factories: [busy] })
    sim.startWarm()
    assert.throws(() => { sim.run(1000) }, /runAsync/)
  })
})

describe('MemoryAuditDb', () => {
  const all = { keyEncoding: 'utf8', valueEncoding: 'view' } as const
  async function keys (db: MemoryAuditDb, o: Record<string, unknown>): Promise<string[]> {
    const out: string[] = []
    for await (const [k] of db.iterator({ ...all, ...o })) out.push(k)
    return out
  }

  it('iterates key ranges in byte order, with limits, reversed, and from a snapshot', async () => {
    const db = new MemoryAuditDb()
    const v = new Uint8Array([1])
    await db.batch(['e!b!2', 'e!a!1', 'h!a', 'e!b!1', 'e!a!2'].map((key) => ({ type: 'put' as const, key, value: v })))
    assert.deepEqual(await keys(db, {}), ['e!a!1', 'e!a!2', 'e!b!1', 'e!b!2', 'h!a'])
    assert.deepEqual(await keys(db, { gte: 'e!a!2', lte: 'e!b!2' }), ['e!a!2', 'e!b!1', 'e!b!2'])
    assert.deepEqual(await keys(db, { gt: 'e!a!2', lt: 'e!b!2' }), ['e!b!1'])
    assert.deepEqual(await keys(db, { gte: 'e!', lt: 'e~', limit: 2 }), ['e!a!1', 'e!a!2'])
    assert.deepEqual(await keys(db, { gte: 'e!', lt: 'e~', limit: 2, reverse: true }), ['e!b!2', 'e!b!1'])
    const it = db.iterator({ ...all, gte: 'e!' })
    await db.batch([{ type: 'del', key: 'e!a!1' }, { type: 'put', key: 'e!c!1', value: v }])
    const seen: string[] = []
    for await (const [k] of it) seen.push(k)
    assert.deepEqual(seen, ['e!a!1', 'e!a!2', 'e!b!1', 'e!b!2', 'h!a'], 'an iterator reads the state it was created on')
    assert.deepEqual(await keys(db, { gte: 'e!', lt: 'f' }), ['e!a!2', 'e!b!1', 'e!b!2', 'e!c!1'])
    assert.equal(await db.get('e!a!1', all), undefined)
    assert.deepEqual(await db.getMany(['e!a!2', 'x'], all), [v, undefined])
  })
})
