/**
 * Audit replication over an in-memory network (issue #4: "Deterministic replication over an
 * in-memory network with loss and partitions: all nodes converge to identical logs"). Real
 * stores, appenders and the replication core; seeded loss, latency and partitions; virtual time.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { createCheckpoint } from '@kos/core'
import { createEntry } from '@kos/core'
import { AuditRetention } from '@kos/core'
import { AuditQuorumTimeoutError } from '@kos/core'
import { fields, seededSigner } from './helpers/audit-fixtures.js'
import { ReplicationNet } from './helpers/replication-net.js'

let net: ReplicationNet | undefined
afterEach(async () => { await net?.close(); net = undefined })

/** Runs until every log is identical, or fails after `maxMs` of virtual time. */
async function converge (n: ReplicationNet, maxMs = 20_000): Promise<string[]> {
  for (let t = 0; t < maxMs; t += 250) {
    await n.run(250)
    const logs = await n.logs()
    if (logs.every((l) => l === logs[0])) return logs
  }
  const logs = await n.logs()
  assert.fail(`no convergence after ${maxMs} ms: log sizes ${logs.map((l) => l.split('\n').length).join(', ')}`)
}

/** 4 replicas, 20 % loss; appends everywhere; a 2|2 partition with appends on both sides; heal. */
async function partitionScenario (seed: number): Promise<{ net: ReplicationNet, acked: Array<{ origin: string, seq: number }> }> {
  const n = await ReplicationNet.create(4, { seed, loss: 0.2 })
  const acked: Array<{ origin: string, seq: number }> = []
  for (let i = 0; i < 10; i++) {
    acked.push(await n.append(['a', 'b', 'c', 'd'][i % 4] as string, i))
    await n.run(30)
  }
  const left = new Set([n.replica('a').id, n.replica('b').id])
  n.cut = (from, to) => left.has(from) !== left.has(to)
  for (let i = 10; i < 30; i++) {
    acked.push(await n.append(['a', 'c', 'b', 'd'][i % 4] as string, i))
    await n.run(40)
  }
  n.cut = () => false
  return { net: n, acked }
}

describe('audit replication over a lossy, partitioned in-memory network', () => {
  it('converges to identical logs holding every acknowledged entry after a 2|2 partition heals', async () => {
    const run = await partitionScenario(7)
    net = run.net
    const logs = await converge(net)
    for (const a of run.acked) assert.ok(logs[0]?.includes(`${a.origin}#${a.seq}:`), `lost ${a.origin.slice(-6)}#${a.seq}`)
    assert.equal(logs[0]?.split('\n').length, 30)
    assert.ok(net.lost > 0, 'the scenario lost no message: it tests nothing')
    assert.ok(net.severed > 0, 'the partition cut no delivery: it tests nothing')
    for (const r of net.replicas) assert.deepEqual(r.rejected, [])
    for (const r of net.replicas) assert.equal((await r.store.verifyAll()).ok, true)
  })

  it('is deterministic: one seed gives the same message trace and logs', async () => {
    const first = await partitionScenario(11)
    const firstLogs = await converge(first.net)
    const firstTrace = first.net.traceHash()
    await first.net.close()
    const second = await partitionScenario(11)
    net = second.net
    assert.deepEqual(await converge(second.net), firstLogs)
    assert.equal(second.net.traceHash(), firstTrace)
  })

  it('converges for several seeds with heavy loss (40 %)', async () => {
    for (const seed of [1, 2, 3]) {
      net = await ReplicationNet.create(3, { seed, loss: 0.4 })
      for (let i = 0; i < 12; i++) { await net.append(['a', 'b', 'c'][i % 3] as string, i); await net.run(20) }
      const logs = await converge(net, 40_000)
      assert.equal(logs[0]?.split('\n').length, 12, `seed ${seed}`)
      await net.close()
      net = undefined
    }
  })

  it('a gap in an origin\'s pushes pulls that origin\'s chain from it at once, and only that', async () => {
    net = await ReplicationNet.create(3, { seed: 12, loss: 0, syncIntervalMs: 600_000 })
    const a = net.replica('a')
    const b = net.replica('b')
    const c = net.replica('c')
    net.cut = (from, to) => to === c.id
    for (let i = 0; i < 5; i++) { await net.append('a', i); await net.append('b', i) }
    await net.run(300) // every held-back push has gone out (and been lost to c)
    net.cut = () => false
    await net.append('a', 5)
    await net.run(200)
    assert.deepEqual(c.store.heads()[a.id], a.store.heads()[a.id], 'a\'s chain complete after one pull')
    assert.equal(c.store.heads()[b.id], undefined, 'b\'s chain is not part of that pull')
  })

  it('holds a push that runs ahead of the chain as backlog, unstored, until the pull fills the gap', async () => {
    net = await ReplicationNet.create(3, { seed: 4, loss: 0, syncIntervalMs: 600_000 })
    const a = net.replica('a')
    const c = net.replica('c')
    let blocking = true
    let pushes = 0
    // a's first push to c is lost; while `blocking`, so is every answer a sends c.
    net.lose = (from, to, msg) => from === a.id && to === c.id && ((msg.kind === 'push' && pushes++ === 0) || (blocking && msg.kind === 'entries'))
    await net.append('a', 0)
    await net.run(300)
    await net.append('a', 1)
    await net.run(300)
    assert.equal(c.store.heads()[a.id], undefined, 'nothing of a is stored: entry 2 waits for entry 1')
    assert.deepEqual(c.replication.backlog(), { entries: 1, gaps: 1 })
    blocking = false
    await net.run(600)
    assert.equal(c.store.heads()[a.id]?.seq, 2, 'the pull brought entry 1, and the waiting entry 2 followed')
    assert.deepEqual(c.replication.backlog(), { entries: 0, gaps: 0 })
  })

  it('a node that missed many entries catches up in bounded batches', async () => {
    net = await ReplicationNet.create(3, { seed: 5, loss: 0 })
    const c = net.replica('c').id
    net.cut = (from, to) => from === c || to === c
    for (let i = 0; i < 300; i++) await net.append('a', i)
    await net.run(100)
    assert.equal(net.replica('c').store.heads()[net.replica('a').id], undefined)
    net.cut = () => false
    const logs = await converge(net)
    assert.equal(logs[2]?.split('\n').length, 300)
  })
})

describe('push coalescing', () => {
  it('a burst of appends leaves as one push now and one for the rest; a quorum wait flushes at once', async () => {
    net = await ReplicationNet.create(4, { seed: 2, loss: 0, syncIntervalMs: 60_000 })
    for (let i = 0; i < 10; i++) await net.append('a', i)
    assert.equal(net.sent.push, 3, 'the first entry goes at once, to each of the 3 peers')
    await net.run(200)
    assert.equal(net.sent.push, 6, 'the other nine follow together after the window')
    const logs = await net.logs()
    assert.ok(logs.every((l) => l.split('\n').length === 10))

    const a = net.replica('a')
    await net.append('a', 10)
    assert.equal(net.sent.push, 9, 'after a quiet window: at once')
    const res = await net.append('a', 11)
    assert.equal(net.sent.push, 9, 'inside the window: held back')
    const wait = a.replication.awaitQuorum(res.seq)
    assert.equal(net.sent.push, 12, 'a quorum wait pushes what is held back at once')
    await net.run(100)
    await wait
  })

  it('says when held-back pushes are due, and sends them then without waiting for a tick (a shorter window)', async () => {
    net = await ReplicationNet.create(3, { seed: 2, loss: 0, syncIntervalMs: 60_000 })
    const a = net.replica('a')
    a.replication.setPushWindow(20)
    await net.append('a', 0)
    assert.equal(net.sent.push, 2, 'the first leaves at once')
    assert.equal(a.replication.pushesDueAt(), undefined, 'nothing held')
    const pushedAt = net.clock.now()
    net.clock.advance(5)
    await net.append('a', 1)
    assert.equal(net.sent.push, 2, 'inside the 20 ms window: held back')
    assert.equal(a.replication.pushesDueAt(), pushedAt + 20)
    net.clock.advance(14)
    a.replication.flushDue()
    assert.equal(net.sent.push, 2, 'not due yet')
    net.clock.advance(1)
    a.replication.flushDue()
    assert.equal(net.sent.push, 4, 'due: sent, with no tick')
    assert.equal(a.replication.pushesDueAt(), undefined)
  })
})

describe('ack=quorum bookkeeping', () => {
  it('resolves once a majority holds the entry; times out in a minority', async () => {
    net = await ReplicationNet.create(5, { seed: 3, loss: 0, quorumTimeoutMs: 1000 })
    const a = net.replica('a')
    const ok = await net.append('a', 1)
    let resolved = false
    const wait = a.replication.awaitQuorum(ok.seq).then(() => { resolved = true })
    await net.run(200)
    await wait
    assert.equal(resolved, true)

    // a and b cut off from c, d, e while a still counts all five alive (membership has not
    // noticed yet): 2 holders of the 3 needed, so the wait times out.
    const minority = new Set([a.id, net.replica('b').id])
    net.cut = (from, to) => minority.has(from) !== minority.has(to)
    net.view = (r) => net!.replicas.filter((p) => p !== r).map((p) => p.id)
    const res = await net.append('a', 2)
    const outcome = a.replication.awaitQuorum(res.seq).then(() => 'resolved', (err: Error) => err)
    await net.run(1500)
    const err = await outcome
    assert.ok(err instanceof AuditQuorumTimeoutError, String(err))
    assert.match(err.message, /held by 2 of the 3/)
  })

  it('re-pushes to a peer whose push was lost, so the quorum still completes', async () => {
    // No anti-entropy round within the test (every 30–90 s), and a single entry leaves no gap to
    // pull: only a re-push can bring it to b or c.
    net = await ReplicationNet.create(3, { seed: 9, loss: 0, syncIntervalMs: 60_000, quorumTimeoutMs: 2000 })
    const a = net.replica('a')
    const b = net.replica('b')
    const c = net.replica('c')
    // Membership sees all three alive throughout: the quorum is two of three, a and one peer.
    net.view = (r) => net!.replicas.filter((p) => p !== r).map((p) => p.id)
    // a's push of the entry is lost on its way to both b and c; everything else goes through.
    const lostPushes: string[] = []
    net.lose = (from, to, msg) => {
      if (from !== a.id || msg.kind !== 'push') return false
      lostPushes.push(to)
      return true
    }
    const res = await net.append('a', 1)
    const outcome = a.replication.awaitQuorum(res.seq).then(() => 'held by a quorum', (err: Error) => err.message)
    await net.run(2500) // past the quorum timeout: without a re-push the wait fails
    assert.deepEqual(lostPushes.sort(), [b.id, c.id].sort(), 'the push to each peer was lost')
    assert.equal(await outcome, 'held by a quorum')
    assert.ok(net.sent.entries >= 1, 'the entry went again, as entries')
    for (const r of [b, c]) assert.equal(r.store.heads()[a.id]?.seq, res.seq, `${r.name} holds the entry`)
  })
})

describe('acks', () => {
  it('only voters acknowledge: a non-voter stores the entry and sends no ack, and the quorum still completes', async () => {
    net = await ReplicationNet.create(4, { seed: 5, loss: 0, syncIntervalMs: 60_000, quorumTimeoutMs: 2000 })
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => net!.replica(name))
    const voters = [a!.id, b!.id, c!.id]
    for (const r of net.replicas) r.replication.setVoters(voters)
    const acksFrom: string[] = []
    net.lose = (from, _to, msg) => { if (msg.kind === 'ack') acksFrom.push(from); return false }
    const res = await net.append('a', 1)
    const outcome = a!.replication.awaitQuorum(res.seq).then(() => 'held by a quorum', (err: Error) => err.message)
    await net.run(500)
    assert.equal(await outcome, 'held by a quorum')
    for (const r of [b!, c!, d!]) assert.equal(r.store.heads()[a!.id]?.seq, res.seq, `${r.name} holds the entry`)
    assert.deepEqual([...new Set(acksFrom)].sort(), [b!.id, c!.id].sort(), 'acks from the voters b and c, none from d')
  })

  it('every member acknowledges while no voter set is known', async () => {
    net = await ReplicationNet.create(3, { seed: 5, loss: 0, syncIntervalMs: 60_000 })
    const acksFrom = new Set<string>()
    net.lose = (from, _to, msg) => { if (msg.kind === 'ack') acksFrom.add(from); return false }
    await net.append('a', 1)
    await net.run(300)
    assert.deepEqual([...acksFrom].sort(), [net.replica('b').id, net.replica('c').id].sort())
  })
})

describe('rejections', () => {
  it('refuses a pushed entry whose origin is not the sender, and a forged signature', async () => {
    net = await ReplicationNet.create(2, { seed: 4, loss: 0 })
    const a = net.replica('a')
    const b = net.replica('b')
    const mallory = await seededSigner(99)
    const forged = await createEntry(null, fields(), mallory, 1, 1_700_000_000_000)
    // A push from b of an entry whose origin is mallory: not b's own.
    a.replication.receive(b.id, { kind: 'push', entries: [forged] })
    // An entry claiming b's origin but signed by mallory, relayed as anti-entropy entries.
    const claimed = { ...await createEntry(null, fields(), { peerId: b.id, sign: (x) => mallory.sign(x) }, 1, 1_700_000_000_000) }
    a.replication.receive(b.id, { kind: 'entries', entries: [claimed], more: false })
    await a.replication.idle()
    assert.deepEqual(a.rejected.map((r) => r.why.status === 'invalid' ? r.why.reason : r.why.status), ['origin', 'signature'])
    assert.deepEqual(a.store.heads(), {})
  })
})

describe('retention and replication', () => {
  it('a node that missed a compacted prefix takes the signed checkpoint and continues the chain', async () => {
    net = await ReplicationNet.create(3, { seed: 6, loss: 0 })
    const a = net.replica('a')
    const c = net.replica('c')
    net.cut = (from, to) => from === c.id || to === c.id
    for (let i = 0; i < 120; i++) await net.append('a', i)
    await net.run(500)
    for (const r of [a, net.replica('b')]) {
      const report = await new AuditRetention({ store: r.store, signer: r.signer, wallClock: { now: () => 0 } }, { maxAgeMs: 0, maxEntries: 40 }).runOnce()
      assert.equal(report.deleted, 80)
    }
    net.cut = () => false
    for (let t = 0; t < 20_000 && c.store.heads()[a.id]?.seq !== 120; t += 250) await net.run(250)
    assert.deepEqual(c.store.heads(), a.store.heads())
    assert.equal(c.store.checkpoint(a.id)?.seq, 80)
    assert.equal((await c.store.range(a.id, 1, 120, 1000)).length, 40)
    assert.equal((await c.store.verifyAll()).ok, true)
    assert.deepEqual(c.rejected, [])
  })

  it('refuses a checkpoint of a chain signed by anyone but its origin, the sender included', async () => {
    net = await ReplicationNet.create(2, { seed: 9, loss: 0 })
    const a = net.replica('a')
    const b = net.replica('b')
    for (let i = 0; i < 5; i++) await net.append('a', i)
    await net.run(500)
    assert.equal(a.store.heads()[a.id]?.seq, 5)
    // b, an admitted member, signs "a's chain starts after seq 4" and sends it to a itself.
    const cp = await createCheckpoint({ origin: a.id, seq: 4, hash: 'ab'.repeat(32), lamport: 4, ts: 1 }, b.signer, 1)
    a.replication.receive(b.id, { kind: 'checkpoint', checkpoint: cp })
    await a.replication.idle()
    assert.deepEqual(a.rejected.map((r) => r.why), [{ status: 'checkpoint', reason: 'signer' }])
    assert.equal(a.store.checkpoint(a.id), undefined)
    assert.equal((await a.store.range(a.id, 1, 5, 10)).length, 5, 'nothing deleted')
  })

  it('refuses a checkpoint signed by a node that is neither the sender nor an alive member', async () => {
    net = await ReplicationNet.create(2, { seed: 8, loss: 0 })
    const a = net.replica('a')
    const b = net.replica('b')
    for (let i = 0; i < 5; i++) await net.append('b', i)
    const mallory = await seededSigner(77)
    const cp = await createCheckpoint({ origin: b.id, seq: 4, hash: 'ab'.repeat(32), lamport: 4, ts: 1 }, mallory, 1)
    a.replication.receive(b.id, { kind: 'checkpoint', checkpoint: cp })
    await a.replication.idle()
    assert.deepEqual(a.rejected.map((r) => r.why), [{ status: 'checkpoint', reason: 'signer' }])
    assert.equal(a.store.checkpoint(b.id), undefined)
  })
})
