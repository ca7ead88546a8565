/**
 * The local audit writer (docs/design/audit.md; issue #4 "Durability"): group commit (many appends, few
 * synced writes), acknowledgement only after the write, a bounded queue, write failures that
 * lose nothing acknowledged, and a restart that continues the chain. The wall clock is a
 * constant; writes are held and failed through a wrapper around a real LevelDB.
 */
import assert from 'node:assert/strict'
import { afterEach, before, beforeEach, describe, it } from 'node:test'
import { AuditAppender, type AppendResult } from '@kos/core'
import type { AuditSigner } from '@kos/core'
import { AuditFieldsError } from '@kos/core'
import { LamportClock } from '@kos/core'
import { AuditStore } from '@kos/core'
import { buildChain, ControlledDb, fields, seededSigner, settle, tempDb, type TempDb } from './helpers/audit-fixtures.js'

const NOW = 1_750_000_000_000

let a: AuditSigner
let b: AuditSigner
let t: TempDb
let db: ControlledDb
let store: AuditStore
let lamport: LamportClock

before(async () => {
  a = await seededSigner(1)
  b = await seededSigner(2)
})
beforeEach(async () => {
  t = await tempDb()
  db = new ControlledDb(t.db)
  store = await AuditStore.open(db)
  db.batchSizes = [] // the store's format, recorded at open
  lamport = new LamportClock()
})
afterEach(async () => {
  db.release()
  await t.cleanup()
})

const appender = (init: { maxBatch?: number, maxQueue?: number } = {}): AuditAppender =>
  new AuditAppender({ store, signer: a, wallClock: { now: () => NOW + 0.7 }, lamport }, init)

describe('AuditAppender', () => {
  it('appendMany writes a batch request in one write with one seal, all or none', async () => {
    const w = appender({ maxBatch: 512 })
    await assert.rejects(w.appendMany([fields(), fields({ severity: 'loud' as never }), fields()]), (err: Error) => err.name === 'AuditFieldsError' && /entries\.1\.severity/.test(err.message))
    assert.equal(db.batchSizes.length, 0, 'nothing written for a bad entry')
    const results = await w.appendMany(Array.from({ length: 1000 }, (_, i) => fields({ details: { i } })))
    assert.deepEqual(results.map((r) => r.seq), Array.from({ length: 1000 }, (_, i) => i + 1))
    assert.equal(db.batchSizes.length, 1, 'a request larger than maxBatch still goes in one write')
    const held = await store.range(a.peerId, 1, 1000, 1000)
    assert.deepEqual(held.flatMap((e) => e.sig === undefined ? [] : [e.seq]), [128, 256, 384, 512, 640, 768, 896, 1000])
    db.failNext(new Error('disk full'))
    await assert.rejects(w.appendMany([fields(), fields()]), /disk full/)
    assert.equal(store.head(a.peerId)?.seq, 1000, 'a failed write stores none of the request')
    assert.deepEqual((await store.verifyAll()).ok, true)
  })

  it('writes 1,000 concurrent appends as contiguous seqs 1..1000 in a few synced batches, all verifying', async () => {
    const w = appender({ maxBatch: 512 })
    const results = await Promise.all(Array.from({ length: 1000 }, async (_, i) => await w.append(fields({ details: { i } }))))
    assert.deepEqual(results.map((r) => r.seq), Array.from({ length: 1000 }, (_, i) => i + 1), 'seq follows append order')
    assert.ok(results.every((r) => r.origin === a.peerId && /^[0-9a-f]{64}$/.test(r.hash)))
    assert.equal(db.batchSizes.length, 2, `1000 appends in ${db.batchSizes.length} writes`)
    assert.equal(w.batches, 2)
    const report = await store.verifyAll()
    assert.deepEqual(report, { ok: true, checked: 1000, breaks: [], truncated: false })
    const e500 = await store.get(a.peerId, 500)
    assert.deepEqual(e500?.details, { i: 499 })
    assert.equal(e500?.ts, NOW, 'wall-clock ms, an integer')
    assert.equal(e500?.lamport, 500)
    assert.equal(store.head(a.peerId)?.hash, results[999]?.hash)
  })

  it('acknowledges only after the write, and gathers appends made during a write into the next batch', async () => {
    const w = appender()
    db.hold()
    let acked = 0
    const first = w.append(fields()).then((r) => { acked++; return r })
    await settle()
    assert.equal(db.batchSizes.length, 0, 'the first write is in flight, held')
    const during = Array.from({ length: 20 }, async () => await w.append(fields()).then((r) => { acked++; return r }))
    assert.equal(w.queued, 20)
    await settle()
    assert.equal(acked, 0, 'nothing is acknowledged before its write completes')
    assert.equal(await store.get(a.peerId, 1), undefined)
    db.release()
    const all: AppendResult[] = [await first, ...(await Promise.all(during))]
    assert.deepEqual(all.map((r) => r.seq), Array.from({ length: 21 }, (_, i) => i + 1))
    assert.equal(w.batches, 2, 'one write for the first append, one for the 20 gathered behind it')
  })

  it('refuses appends past maxQueue with a clear error, and takes them again once drained', async () => {
    const w = appender({ maxQueue: 5 })
    db.hold()
    const inFlight = w.append(fields())
    await settle()
    const queued = Array.from({ length: 5 }, async () => await w.append(fields()))
    await assert.rejects(w.append(fields()), { name: 'AuditQueueFullError' })
    db.release()
    await Promise.all([inFlight, ...queued])
    assert.equal((await w.append(fields())).seq, 7)
  })

  it('rejects an invalid event naming its field, without touching the batch it would have joined', async () => {
    const w = appender()
    const good = w.append(fields())
    await assert.rejects(w.append(fields({ class: 'weather' as never })), (err: unknown) => err instanceof AuditFieldsError && err.field === 'class')
    await assert.rejects(w.append(fields({ details: { n: Infinity } })), (err: unknown) => err instanceof AuditFieldsError && err.field === 'details.n')
    assert.equal((await good).seq, 1)
  })

  it('fails the whole batch on a write error, acknowledges nothing of it, and goes on from the stored head', async () => {
    const w = appender()
    const ok = await w.append(fields())
    db.failNext(Object.assign(new Error('IO error: No space left on device'), { code: 'LEVEL_IO_ERROR' }))
    const failed = await Promise.allSettled([w.append(fields()), w.append(fields())])
    for (const f of failed) {
      assert.equal(f.status, 'rejected')
      assert.equal((f as PromiseRejectedResult).reason.name, 'AuditStoreError')
      assert.match(String((f as PromiseRejectedResult).reason.cause?.message), /No space left/)
    }
    assert.equal(store.head(a.peerId)?.seq, 1, 'the failed batch left no trace')
    const next = await w.append(fields())
    assert.equal(next.seq, 2)
    assert.equal(ok.seq, 1)
    assert.equal((await store.verifyAll()).ok, true)
  })

  it('hands each durable batch to onWritten before acknowledging, and survives a throwing callback', async () => {
    const seen: number[][] = []
    const w = new AuditAppender({
      store, signer: a, wallClock: { now: () => NOW }, lamport,
      onWritten: (entries) => {
        seen.push(entries.map((e) => e.seq))
        throw new Error('listener bug')
      }
    })
    const r = await Promise.all([w.append(fields()), w.append(fields())])
    assert.deepEqual(seen, [[1, 2]])
    assert.deepEqual(r.map((x) => x.seq), [1, 2])
  })

  it('continues its chain after a restart and orders after everything it stored', async () => {
    const first = appender()
    await Promise.all([first.append(fields()), first.append(fields())])
    await first.close()
    await assert.rejects(first.append(fields()), { name: 'AuditClosedError' })
    await first.close()
    // Entries of another origin with a higher Lamport time arrive and are stored.
    const other = await buildChain(b, 3)
    assert.ok((await store.storeVerifiedMany(other)).every((r) => r.status === 'stored'))
    await t.db.close()
    await t.db.open()
    store = await AuditStore.open(db)
    lamport = new LamportClock(store.maxLamport())
    const second = appender()
    const r = await second.append(fields())
    assert.equal(r.seq, 3)
    const e3 = await store.get(a.peerId, 3)
    assert.equal(e3?.lamport, 7, 'above the largest stored time (6)')
    assert.equal((await store.verifyAll()).ok, true)
  })
  it('a verify running beside appends sees one consistent state: no false breaks', async () => {
    // The heads, checkpoints and entries are read from one snapshot. Before, a batch written
    // between the scans looked like entries past their head (found by the chaos runs).
    const w = appender({ maxBatch: 4 })
    let writing = true
    const appends = (async () => {
      for (let i = 0; i < 200; i++) await w.append(fields({ details: { i } }))
      writing = false
    })()
    const reports = []
    while (writing && reports.length < 2000) reports.push(await store.verifyAll())
    await appends
    assert.ok(reports.length > 5, `only ${reports.length} verifies ran beside the appends`)
    assert.deepEqual(reports.filter((r) => !r.ok), [])
  })
})
