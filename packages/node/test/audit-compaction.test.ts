/**
 * Audit retention over a real LevelDB in a temp directory (issue #4 "Retention"): compaction by
 * age and by count through AuditRetention, the signed checkpoint and a chain that still
 * verifies from it, tampering with the checkpoint detected, idempotence, bounded batches,
 * queries and ranges after compaction, and a fresh store continuing a compacted chain from a
 * peer's checkpoint (and refusing one signed by another key).
 */
import assert from 'node:assert/strict'
import { afterEach, before, beforeEach, describe, it } from 'node:test'
import { encode } from 'cborg'
import { checkpointDigest, createCheckpoint, decodeCheckpoint, encodeCheckpoint, verifyCheckpoint, type AuditCheckpoint } from '@kos/core'
import type { AuditSigner } from '@kos/core'
import { checkpointKey, ENCODINGS, entryKey, PREFIX_END, TIME_PREFIX } from '@kos/core'
import { AuditRetention, type RetentionInit } from '@kos/core'
import type { AuditEntry } from '@kos/core'
import { AuditStore, type AuditStoreInit } from '@kos/core'
import { buildChain, seededSigner, tempDb, type TempDb } from './helpers/audit-fixtures.js'

/** buildChain's first entry time: entry i has ts T0 + i * 1000. */
const T0 = 1_700_000_000_000

let a: AuditSigner
let b: AuditSigner
/** The compacting node's key. */
let local: AuditSigner
let other: AuditSigner
let t: TempDb
let store: AuditStore
const extra: TempDb[] = []

before(async () => {
  a = await seededSigner(1)
  b = await seededSigner(2)
  local = await seededSigner(3)
  other = await seededSigner(4)
})
beforeEach(async () => {
  t = await tempDb()
  store = await AuditStore.open(t.db)
})
afterEach(async () => {
  await t.cleanup()
  for (const x of extra.splice(0)) await x.cleanup()
})

async function openStore (init: Partial<AuditStoreInit> = {}): Promise<AuditStore> {
  const x = await tempDb()
  extra.push(x)
  return await AuditStore.open(x.db, init)
}

function retention (s: AuditStore, init: Partial<RetentionInit>): AuditRetention {
  return new AuditRetention({ store: s, signer: local, wallClock: { now: () => { throw new Error('tests pass now') } } }, init)
}

const seqs = (es: AuditEntry[]): number[] => es.map((e) => e.seq)

async function countKeys (prefix: string): Promise<number> {
  let n = 0
  for await (const _ of t.db.iterator({ gte: prefix, lt: `${prefix}${PREFIX_END}`, ...ENCODINGS })) n++
  return n
}

describe('AuditRetention: compaction', () => {
  it('by age: drops the expired prefix, signs a checkpoint of it, and the chain still verifies', async () => {
    const chain = await buildChain(a, 10)
    await store.append(chain)
    // Cutoff T0 + 6500: entries 1..6 are older.
    const r = await retention(store, { maxAgeMs: 13_500 }).runOnce(T0 + 20_000)
    assert.deepEqual(r.compacted, [{ origin: a.peerId, throughSeq: 6, deleted: 6 }])
    assert.equal(r.deleted, 6)
    assert.equal(r.more, false)

    const cp = store.checkpoint(a.peerId) as AuditCheckpoint
    assert.deepEqual({ ...cp, sig: undefined }, {
      origin: a.peerId, seq: 6, hash: chain[5]?.hash, lamport: 12, ts: T0 + 6000, signer: local.peerId, at: T0 + 20_000, sig: undefined
    })
    assert.deepEqual(verifyCheckpoint(cp), { ok: true })
    assert.deepEqual(await store.verifyAll(), { ok: true, checked: 4, breaks: [], truncated: false })
    assert.deepEqual(store.heads(), { [a.peerId]: { seq: 10, hash: chain[9]?.hash } })
  })

  it('by count: the oldest entries go first across origins, heads stay', async () => {
    // a's entries at T0 + i s, b's half a second later: they interleave in time.
    await store.append(await buildChain(a, 10))
    await store.append(await buildChain(b, 10, () => ({}), T0 + 500))
    const r = await retention(store, { maxEntries: 8 }).runOnce(T0)
    assert.equal(r.deleted, 12)
    assert.deepEqual(new Set(r.compacted.map((c) => `${c.origin}:${c.throughSeq}`)), new Set([`${a.peerId}:6`, `${b.peerId}:6`]))
    assert.equal((await store.verifyAll()).ok, true)

    const all = await retention(store, { maxEntries: 1 }).runOnce(T0)
    assert.equal(all.deleted, 6)
    assert.deepEqual(seqs(await store.range(a.peerId, 1, 100, 100)), [10])
    assert.deepEqual(seqs(await store.range(b.peerId, 1, 100, 100)), [10])
    assert.equal((await store.verifyAll()).ok, true)
  })

  it('keeps the head so the origin can go on appending, and the chain verifies across it', async () => {
    const chain = await buildChain(a, 12)
    await store.append(chain.slice(0, 10))
    await retention(store, { maxAgeMs: 1 }).runOnce(T0 + 1_000_000)
    assert.deepEqual(seqs(await store.range(a.peerId, 1, 100, 100)), [10])
    await store.append(chain.slice(10))
    assert.deepEqual(await store.verifyAll(), { ok: true, checked: 3, breaks: [], truncated: false })
  })

  it('does nothing, reading nothing, while no limit is reached', async () => {
    await store.append(await buildChain(a, 5))
    assert.equal((await retention(store, { maxEntries: 5 }).runOnce(T0)).deleted, 0)
    assert.equal((await retention(store, {}).runOnce(T0 + 1e9)).deleted, 0)
    assert.equal((await retention(store, { maxAgeMs: 60_000 }).runOnce(T0 + 1000)).deleted, 0)
    assert.equal(store.checkpoint(a.peerId), undefined)
  })

  it('is idempotent: a second run and a repeated compact change nothing', async () => {
    await store.append(await buildChain(a, 10))
    const run = retention(store, { maxAgeMs: 13_500 })
    await run.runOnce(T0 + 20_000)
    const cp = store.checkpoint(a.peerId)
    assert.deepEqual(await run.runOnce(T0 + 20_000), { deleted: 0, compacted: [], failed: [], more: false })
    assert.deepEqual(await store.compact(a.peerId, 6, local, T0 + 30_000), { origin: a.peerId, deleted: 0, checkpoint: null })
    assert.deepEqual(await store.compact(a.peerId, 3, local, T0 + 30_000), { origin: a.peerId, deleted: 0, checkpoint: null })
    assert.deepEqual(store.checkpoint(a.peerId), cp)
    assert.equal((await store.verifyAll()).ok, true)
  })

  it('deletes at most maxCompactBatch entries per batch and at most maxDeletePerRun per run; every step verifies', async () => {
    store = await openStore({ maxCompactBatch: 3 })
    await store.append(await buildChain(a, 20))
    const first = await store.compact(a.peerId, 8, local, T0)
    assert.equal(first.deleted, 3)
    assert.equal(first.checkpoint?.seq, 3)
    assert.equal((await store.verifyAll()).ok, true)

    const run = retention(store, { maxEntries: 1, maxDeletePerRun: 7 })
    const r = await run.runOnce(T0)
    assert.equal(r.deleted, 7)
    assert.equal(r.more, true)
    assert.equal(store.checkpoint(a.peerId)?.seq, 10)
    assert.equal((await store.verifyAll()).ok, true)
    const second = await run.runOnce(T0)
    assert.deepEqual([second.deleted, second.more], [7, true])
    const last = await run.runOnce(T0)
    assert.deepEqual([last.deleted, last.more], [2, false])
    assert.equal(store.checkpoint(a.peerId)?.seq, 19)
    assert.equal((await store.verifyAll()).ok, true)
  })

  it('shares a pass in progress instead of starting another', async () => {
    await store.append(await buildChain(a, 10))
    const run = retention(store, { maxEntries: 2 })
    const [x, y] = await Promise.all([run.runOnce(T0), run.runOnce(T0)])
    assert.equal(x, y)
    assert.equal(x.deleted, 8)
  })

  it('queries, ranges and reads after compaction return what survives; the time indexes go with the entries', async () => {
    const chain = await buildChain(a, 10)
    await store.append(chain)
    await retention(store, { maxAgeMs: 13_500 }).runOnce(T0 + 20_000)
    assert.equal(await store.get(a.peerId, 6), undefined)
    assert.deepEqual(await store.get(a.peerId, 7), chain[6])
    assert.deepEqual(seqs(await store.range(a.peerId, 1, 10, 100)), [7, 8, 9, 10])
    assert.deepEqual(seqs(await store.range(a.peerId, 2, 8, 100)), [7, 8])
    assert.deepEqual(seqs(await store.range(a.peerId, 1, 6, 100)), [])
    assert.deepEqual(seqs((await store.query({})).entries), [7, 8, 9, 10])
    assert.deepEqual(seqs((await store.query({ origin: a.peerId, limit: 2 })).entries), [7, 8])
    assert.equal(await countKeys(TIME_PREFIX), 4)
    assert.equal(await countKeys(`o!${a.peerId}!`), 4)
    // A received copy of a compacted entry is a duplicate, not a gap or a fork.
    assert.deepEqual(await store.storeVerified(chain[2]), { status: 'duplicate' })
    assert.equal(await store.compareHead(a.peerId, { seq: 6, hash: chain[5]?.hash as string }), null)
    assert.deepEqual(await store.compareHead(a.peerId, { seq: 6, hash: 'f'.repeat(64) }), { origin: a.peerId, seq: 6, mine: chain[5]?.hash, theirs: 'f'.repeat(64) })
  })

  it('keeps checkpoints across a reopen', async () => {
    await store.append(await buildChain(a, 10))
    await retention(store, { maxEntries: 4 }).runOnce(T0)
    const cp = store.checkpoint(a.peerId)
    await t.db.close()
    await t.db.open()
    const again = await AuditStore.open(t.db)
    assert.deepEqual(again.checkpoint(a.peerId), cp)
    assert.deepEqual(seqs(await again.range(a.peerId, 1, 10, 100)), [7, 8, 9, 10])
    assert.equal((await again.verifyAll()).ok, true)
  })

  it('refuses to compact a prefix that does not chain (evidence is kept) and names it in the report', async () => {
    const chain = await buildChain(a, 10)
    await store.append(chain)
    await store.append(await buildChain(b, 10))
    const forged = { ...(chain[2] as AuditEntry), subject: 'rewritten' }
    await t.db.put(entryKey(a.peerId, 3), encode(forged), ENCODINGS)
    await assert.rejects(store.compact(a.peerId, 5, local, T0), { name: 'AuditChainError' })
    const r = await retention(store, { maxEntries: 4 }).runOnce(T0)
    assert.deepEqual(r.failed.map((f) => [f.origin, f.error.name]), [[a.peerId, 'AuditChainError']])
    // Entries before the forged one may go (they chain); the forged one and its successors stay.
    assert.deepEqual(await store.get(a.peerId, 3), forged)
    assert.ok((store.checkpoint(a.peerId)?.seq ?? 0) < 3)
    assert.deepEqual((await store.verifyAll()).breaks, [{ origin: a.peerId, seq: 3, reason: 'hash' }])
    assert.ok((r.compacted.find((c) => c.origin === b.peerId)?.deleted ?? 0) > 0, 'the other chain is still compacted')
  })
})

describe('verifyAll with checkpoints', () => {
  let chain: AuditEntry[]
  beforeEach(async () => {
    chain = await buildChain(a, 10)
    await store.append(chain)
    await store.compact(a.peerId, 6, local, T0)
  })

  it('detects a checkpoint whose signature does not match its fields', async () => {
    const cp = store.checkpoint(a.peerId) as AuditCheckpoint
    await t.db.put(checkpointKey(a.peerId), encode({ ...cp, at: cp.at + 1 }), ENCODINGS)
    assert.deepEqual((await store.verifyAll()).breaks, [{ origin: a.peerId, seq: 6, reason: 'checkpoint' }])
  })

  it('detects a checkpoint claiming another signer', async () => {
    const cp = store.checkpoint(a.peerId) as AuditCheckpoint
    await t.db.put(checkpointKey(a.peerId), encode({ ...cp, signer: other.peerId }), ENCODINGS)
    assert.deepEqual((await store.verifyAll()).breaks, [{ origin: a.peerId, seq: 6, reason: 'checkpoint' }])
  })

  it('detects a validly signed checkpoint that the first surviving entry does not link to', async () => {
    const wrong = await createCheckpoint({ origin: a.peerId, seq: 6, hash: chain[4]?.hash as string, lamport: 12, ts: T0 }, local, T0)
    await t.db.put(checkpointKey(a.peerId), encode(wrong), ENCODINGS)
    assert.deepEqual((await store.verifyAll()).breaks, [{ origin: a.peerId, seq: 7, reason: 'chain' }])
  })

  it('detects a checkpoint at the wrong seq, and an unreadable one', async () => {
    const early = await createCheckpoint({ origin: a.peerId, seq: 5, hash: chain[4]?.hash as string, lamport: 10, ts: T0 }, local, T0)
    await t.db.put(checkpointKey(a.peerId), encode(early), ENCODINGS)
    assert.deepEqual((await store.verifyAll()).breaks, [{ origin: a.peerId, seq: 7, reason: 'seq' }])
    await t.db.put(checkpointKey(a.peerId), encode({ nonsense: true }), ENCODINGS)
    assert.deepEqual((await store.verifyAll()).breaks, [{ origin: a.peerId, seq: 0, reason: 'checkpoint' }])
  })

  it('detects a removed first surviving entry', async () => {
    await t.db.del(entryKey(a.peerId, 7), ENCODINGS)
    assert.deepEqual((await store.verifyAll()).breaks, [{ origin: a.peerId, seq: 8, reason: 'seq' }])
  })
})

describe('AuditStore.acceptCheckpoint', () => {
  let chain: AuditEntry[]
  let peer: AuditStore
  let cp: AuditCheckpoint
  /** The peer compacted a's chain through 6; `local` signed the checkpoint. */
  beforeEach(async () => {
    chain = await buildChain(a, 10)
    peer = await openStore()
    await peer.append(chain)
    await peer.compact(a.peerId, 6, local, T0)
    cp = peer.checkpoint(a.peerId) as AuditCheckpoint
  })

  it('lets a fresh store continue a compacted chain from seq k + 1', async () => {
    const pulled = await peer.range(a.peerId, 1, 10, 100)
    assert.deepEqual(seqs(pulled), [7, 8, 9, 10])
    assert.deepEqual((await store.storeVerifiedMany(pulled))[0], { status: 'gap', haveSeq: 0 })
    assert.deepEqual(await store.acceptCheckpoint(cp, local.peerId), { status: 'accepted', deleted: 0 })
    assert.deepEqual(store.heads(), { [a.peerId]: { seq: 6, hash: chain[5]?.hash } })
    assert.deepEqual(await store.verifyAll(), { ok: true, checked: 0, breaks: [], truncated: false })
    assert.deepEqual(await store.storeVerifiedMany(pulled), pulled.map(() => ({ status: 'stored' })))
    assert.deepEqual(store.heads(), peer.heads())
    assert.deepEqual(await store.verifyAll(), { ok: true, checked: 4, breaks: [], truncated: false })
  })

  it('replaces an older held prefix, deleting it in bounded batches', async () => {
    store = await openStore({ maxCompactBatch: 2 })
    await store.append(chain.slice(0, 3))
    assert.deepEqual(await store.acceptCheckpoint(cp, local.peerId), { status: 'accepted', deleted: 3 })
    assert.equal(await store.get(a.peerId, 2), undefined)
    assert.deepEqual(await store.storeVerifiedMany(chain.slice(6)), chain.slice(6).map(() => ({ status: 'stored' })))
    assert.deepEqual((await store.query({})).entries.map((e) => e.seq), [7, 8, 9, 10])
    assert.equal((await store.verifyAll()).ok, true)
  })

  it('is stale when we hold the chain that far already', async () => {
    await store.append(chain.slice(0, 6))
    assert.deepEqual(await store.acceptCheckpoint(cp, local.peerId), { status: 'stale', haveSeq: 6 })
    assert.equal(store.checkpoint(a.peerId), undefined)
  })

  it('refuses a checkpoint from anyone but the trusted signer, or with a bad signature', async () => {
    assert.deepEqual(await store.acceptCheckpoint(cp, other.peerId), { status: 'invalid', reason: 'signer' })
    assert.deepEqual(await store.acceptCheckpoint({ ...cp, signer: other.peerId }, other.peerId), { status: 'invalid', reason: 'signature' })
    assert.deepEqual(await store.acceptCheckpoint({ ...cp, seq: 7 }, local.peerId), { status: 'invalid', reason: 'signature' })
    const byOther = await createCheckpoint({ origin: a.peerId, seq: 6, hash: cp.hash, lamport: cp.lamport, ts: cp.ts }, other, T0)
    assert.deepEqual(await store.acceptCheckpoint(byOther, local.peerId), { status: 'invalid', reason: 'signer' })
    assert.deepEqual(await store.acceptCheckpoint({ ...cp, extra: 1 }, local.peerId), { status: 'invalid', reason: 'schema' })
    assert.equal(store.checkpoint(a.peerId), undefined)
    assert.deepEqual(store.heads(), {})
  })

  it('signs a digest that covers every field, and crosses the wire unchanged', () => {
    assert.deepEqual(decodeCheckpoint(encodeCheckpoint(cp)), cp)
    assert.throws(() => decodeCheckpoint(encodeCheckpoint({ ...cp, seq: 0 })), { name: 'MessageDecodeError' })
    const base = checkpointDigest(cp)
    for (const change of [{ origin: b.peerId }, { seq: 7 }, { hash: 'f'.repeat(64) }, { lamport: 13 }, { ts: 1 }, { signer: other.peerId }, { at: 1 }]) {
      assert.notDeepEqual(checkpointDigest({ ...cp, ...change }), base, JSON.stringify(change))
    }
  })
})
