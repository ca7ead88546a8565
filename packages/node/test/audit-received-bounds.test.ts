/**
 * What a replica refuses although the entry is genuinely signed (issue 16): a Lamport time far
 * beyond the local clock, which would drag every node's clock to where none can append, and the
 * chains of new origins past the cap, which would grow the store and the heads message without end.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { createEntry } from '@kos/core'
import { AuditStore } from '@kos/core'
import { fields, seededSigner, tempDb, type TempDb } from './helpers/audit-fixtures.js'

let t: TempDb | undefined
afterEach(async () => { await t?.cleanup() })

describe('a received entry', () => {
  it('is refused when its Lamport time is past the ceiling, and stored under it', async () => {
    t = await tempDb()
    let clock = 100
    const store = await AuditStore.open(t.db, { lamportCeiling: () => clock + 1000 })
    const stranger = await seededSigner(7)
    const far = await createEntry(null, fields(), stranger, Number.MAX_SAFE_INTEGER - 1, 1_700_000_000_000)
    assert.deepEqual(await store.storeVerified(far), { status: 'invalid', reason: 'lamport' })
    assert.equal(store.heads()[stranger.peerId], undefined, 'nothing of it is held')
    assert.equal(store.maxLamport(), 0)
    const near = await createEntry(null, fields(), stranger, 1100, 1_700_000_000_000)
    assert.deepEqual(await store.storeVerified(near), { status: 'stored' })
    clock = 5000
    const next = await createEntry(near, fields(), stranger, 5999, 1_700_000_001_000)
    assert.deepEqual(await store.storeVerified(next), { status: 'stored' })
  })

  it('of a new origin is refused past the origins cap; held origins go on', async () => {
    t = await tempDb()
    const store = await AuditStore.open(t.db, { maxOrigins: 3 })
    const signers = await Promise.all([1, 2, 3, 4, 5].map(async (i) => await seededSigner(i)))
    const firsts = await Promise.all(signers.map(async (s) => await createEntry(null, fields(), s, 1, 1_700_000_000_000)))
    // In one batch: the first three origins fit, the fourth and fifth do not.
    const results = await store.storeVerifiedMany(firsts)
    assert.deepEqual(results.filter((r) => r.status === 'stored').length, 3)
    assert.deepEqual(results.filter((r) => r.status === 'invalid' && r.reason === 'origins').length, 2)
    assert.equal(Object.keys(store.heads()).length, 3)
    const held = signers.find((s) => store.heads()[s.peerId] !== undefined)!
    const second = await createEntry(firsts[signers.indexOf(held)]!, fields(), held, 2, 1_700_000_001_000)
    assert.deepEqual(await store.storeVerified(second), { status: 'stored' })
  })
})
