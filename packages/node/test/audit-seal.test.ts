/**
 * Entries sealed once per written batch (issue 21, seal.ts): one signature over a batch's last
 * hash still makes every entry verifiable, on receipt and on disk; what nothing seals, what a
 * forged seal covers and what mixes origins is refused; chains written with a signature on
 * every entry (the format before seals) read unchanged.
 */
import assert from 'node:assert/strict'
import { afterEach, before, beforeEach, describe, it } from 'node:test'
import { encode } from 'cborg'
import { createBatch, entryHash, verifyRun, type AuditSigner } from '@kos/core'
import { ENCODINGS, entryKey } from '@kos/core'
import type { AuditEntry } from '@kos/core'
import { halveAtSeal, packGroups, SEAL_MAX_ENTRIES, sealedPrefix, sealGroups } from '@kos/core'
import { AuditStore } from '@kos/core'
import { buildChain, fields, seededSigner, tempDb, type TempDb } from './helpers/audit-fixtures.js'

let a: AuditSigner
let b: AuditSigner
let t: TempDb
let store: AuditStore

before(async () => {
  a = await seededSigner(1)
  b = await seededSigner(2)
})
beforeEach(async () => {
  t = await tempDb()
  store = await AuditStore.open(t.db)
})
afterEach(async () => { await t.cleanup() })

/** A batch of `n` entries of `signer`'s chain after `prev`, as the appender writes one. */
async function batch (signer: AuditSigner, n: number, prev: AuditEntry | null = null): Promise<AuditEntry[]> {
  let lamport = prev?.lamport ?? 0
  return await createBatch(prev, Array.from({ length: n }, (_, i) => ({ fields: fields({ details: { i } }), ts: 1_700_000_000_000 + i })), signer, () => ++lamport)
}

describe('sealed batches', () => {
  it('signs only the last entry of a batch, and every SEAL_MAX_ENTRIES', async () => {
    const small = await batch(a, 5)
    assert.deepEqual(small.map((e) => e.sig !== undefined), [false, false, false, false, true])
    assert.equal((await verifyRun(small, null)).ok, true)
    const big = await batch(a, SEAL_MAX_ENTRIES + 3)
    assert.deepEqual(big.flatMap((e, i) => e.sig === undefined ? [] : [i]), [SEAL_MAX_ENTRIES - 1, SEAL_MAX_ENTRIES + 2])
    assert.deepEqual(sealGroups(big).map((g) => g.length), [SEAL_MAX_ENTRIES, 3])
  })

  it('verifyRun refuses an unsealed tail, a changed entry, a forged seal', async () => {
    const run = await batch(a, 4)
    assert.deepEqual(await verifyRun(run.slice(0, 3), null), { ok: false, reason: 'signature' })
    const changed = run.map((e, i) => i === 1 ? { ...e, severity: 'critical' as const } : e)
    assert.deepEqual(await verifyRun(changed, null), { ok: false, reason: 'hash' })
    const rehashed = changed.map((e, i) => i === 1 ? { ...e, hash: entryHash(e) } : e)
    assert.deepEqual(await verifyRun(rehashed, null), { ok: false, reason: 'chain' })
    const last = run[3] as AuditEntry
    const forged = Buffer.from(await b.sign(Buffer.from(last.hash, 'hex'))).toString('base64')
    assert.deepEqual(await verifyRun([...run.slice(0, 3), { ...last, sig: forged }], null), { ok: false, reason: 'signature' })
  })

  it('stores a sealed group from a peer with one verdict per entry, and refuses what no seal covers', async () => {
    const run = await batch(a, 6)
    assert.deepEqual((await store.storeVerifiedMany(run.slice(0, 4))).map((r) => r.status), ['invalid', 'invalid', 'invalid', 'invalid'])
    assert.equal(store.head(a.peerId), undefined)
    assert.deepEqual((await store.storeVerifiedMany(run)).map((r) => r.status), Array(6).fill('stored'))
    assert.equal(store.head(a.peerId)?.seq, 6)
    assert.deepEqual((await store.storeVerifiedMany(run)).map((r) => r.status), Array(6).fill('duplicate'))
    assert.equal((await store.verifyAll()).ok, true)
  })

  it('refuses a whole group whose seal is forged, or with a changed entry under a genuine seal', async () => {
    const run = await batch(a, 3)
    const last = run[2] as AuditEntry
    const forged = Buffer.from(await b.sign(Buffer.from(last.hash, 'hex'))).toString('base64')
    assert.deepEqual(await store.storeVerifiedMany([...run.slice(0, 2), { ...last, sig: forged }]), Array(3).fill({ status: 'invalid', reason: 'signature' }))
    const edited = { ...(run[0] as AuditEntry), subject: 'forged' }
    const rehashed = { ...edited, hash: entryHash(edited) }
    assert.deepEqual((await store.storeVerifiedMany([rehashed, ...run.slice(1)])).map((r) => r.status === 'invalid' ? r.reason : r.status), ['chain', 'chain', 'chain'])
    assert.equal(store.head(a.peerId), undefined)
  })

  it('verifyAll checks every entry of sealed batches: a changed middle entry, a removed seal', async () => {
    const first = await batch(a, 4)
    const second = await batch(a, 4, first[3] as AuditEntry)
    await store.append([...first, ...second])
    assert.deepEqual(await store.verifyAll(), { ok: true, checked: 8, breaks: [], truncated: false })
    // A middle entry changed on disk: its hash breaks; the next one no longer links to it.
    const e2 = { ...(first[1] as AuditEntry), subject: 'edited' }
    await t.db.put(entryKey(a.peerId, 2), encode(e2), ENCODINGS)
    let r = await store.verifyAll()
    assert.deepEqual(r.breaks.map((x) => [x.seq, x.reason]), [[2, 'hash']])
    await t.db.put(entryKey(a.peerId, 2), encode(first[1]), ENCODINGS)
    // The last seal's signature removed: nothing vouches for the entries 5..8.
    const { sig: _sig, ...unsealed } = second[3] as AuditEntry
    await t.db.put(entryKey(a.peerId, 8), encode(unsealed), ENCODINGS)
    r = await store.verifyAll()
    assert.deepEqual(r.breaks.map((x) => [x.seq, x.reason]), [[5, 'signature'], [6, 'signature'], [7, 'signature'], [8, 'signature']])
  })

  it('reads a chain with a signature on every entry (the format before seals) unchanged', async () => {
    const legacy = await buildChain(a, 5)
    assert.ok(legacy.every((e) => e.sig !== undefined))
    assert.deepEqual((await store.storeVerifiedMany(legacy)).map((r) => r.status), Array(5).fill('stored'))
    const next = await batch(a, 3, legacy[4] as AuditEntry)
    assert.deepEqual((await store.storeVerifiedMany(next)).map((r) => r.status), Array(3).fill('stored'))
    assert.deepEqual(await store.verifyAll(), { ok: true, checked: 8, breaks: [], truncated: false })
  })

  it('packs whole groups into messages and halves a message only at a seal', async () => {
    const x = await batch(a, 3)
    const y = await batch(a, 3, x[2] as AuditEntry)
    const z = await batch(a, 3, y[2] as AuditEntry)
    const all = [...x, ...y, ...z]
    assert.deepEqual(packGroups(all, 7).map((m) => m.length), [6, 3])
    assert.deepEqual(packGroups(all, 2).map((m) => m.length), [3, 3, 3])
    assert.deepEqual(halveAtSeal(all)?.map((h) => h.length), [3, 6])
    assert.equal(halveAtSeal(x), null)
    assert.deepEqual(sealedPrefix([...x, ...(y.slice(0, 2))]).length, 3)
  })
})

describe('replication of sealed batches', () => {
  it('refuses a message mixing origins whole, and stores one origin\'s sealed groups', async () => {
    const { AuditReplication, REPLICATION_DEFAULTS } = await import('@kos/core')
    const { ManualClock } = await import('@kos/detect')
    const sent: unknown[] = []
    const rejected: string[] = []
    const rep = new AuditReplication({
      self: 'self',
      store,
      transport: { broadcast: () => {}, send: (_to, msg) => { sent.push(msg) } },
      clock: new ManualClock(0),
      random: () => 0.5,
      yieldNow: async () => {},
      options: { ...REPLICATION_DEFAULTS, syncIntervalMs: 1000, quorumTimeoutMs: 1000 },
      onRejected: (_from, _e, why) => { rejected.push(why.status === 'invalid' || why.status === 'checkpoint' ? why.reason : why.status) }
    })
    const fromA = await batch(a, 2)
    const fromB = await batch(b, 2)
    rep.receive(a.peerId, { kind: 'entries', entries: [...fromA, ...fromB], more: false })
    await rep.idle()
    assert.deepEqual(rejected, ['origin', 'origin', 'origin', 'origin'])
    assert.deepEqual(store.heads(), {})
    rep.receive(b.peerId, { kind: 'push', entries: fromA })
    await rep.idle()
    assert.equal(rejected.length, 6, 'a push of another origin\'s entries is forged')
    rep.receive(a.peerId, { kind: 'push', entries: fromA })
    await rep.idle()
    assert.equal(store.head(a.peerId)?.seq, 2)
    assert.deepEqual(sent, [{ kind: 'ack', origin: a.peerId, seq: 2 }])
  })
})

describe('store format', () => {
  it('records format 2 on a store written before seals, and refuses a format it does not know', async () => {
    const { FORMAT_KEY } = await import('@kos/core')
    const legacy = await buildChain(a, 3)
    await store.append(legacy)
    await t.db.del(FORMAT_KEY)
    store = await AuditStore.open(t.db)
    assert.equal(store.head(a.peerId)?.seq, 3)
    assert.deepEqual([...(await t.db.get(FORMAT_KEY, ENCODINGS)) ?? []], [...encode(2)])
    await t.db.put(FORMAT_KEY, encode(3), ENCODINGS)
    await assert.rejects(AuditStore.open(t.db), /audit store is in format 3.*reads formats 1 and 2/)
  })
})
