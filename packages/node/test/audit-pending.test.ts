/**
 * The replica's reorder buffer (pending.ts, issue 21) and one store call carrying two copies of
 * an entry. Under a steady load on ten nodes a replica refused (after verifying them) the pushes
 * that ran ahead of its chain until its pull came back, and a push and a pull's answer stored in
 * one round read as a broken chain: the origin's chain stopped on the replicas.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { AuditStore, createBatch, PendingCarriers, type AuditEntry, type Carrier } from '@kos/core'
import { buildChain, fields, seededSigner, tempDb, type TempDb } from './helpers/audit-fixtures.js'

const push = (from: string, entries: unknown[]): Carrier => ({ from, msg: { kind: 'push', entries } })
const seqs = (cs: Carrier[]): number[][] => cs.map((c) => c.msg.entries.map((e) => (e as AuditEntry).seq))

let t: TempDb | undefined
afterEach(async () => { await t?.cleanup(); t = undefined })

describe('pending received entries', () => {
  it('gives out only what continues the chain, in seq order; what is ahead waits and names its gap', async () => {
    const a = await seededSigner(1)
    const chain = await buildChain(a, 6)
    const p = new PendingCarriers(100)
    p.add(push(a.peerId, chain.slice(4, 6)))
    p.add(push(a.peerId, chain.slice(2, 4)))
    assert.deepEqual(p.take(() => 0, 512), [], 'entries 3..6 wait for 1..2')
    assert.deepEqual(p.gaps(() => 0), [{ origin: a.peerId, from: a.peerId }])
    p.add({ from: 'relay', msg: { kind: 'entries', entries: chain.slice(0, 2), more: false } })
    assert.deepEqual(seqs(p.take(() => 0, 512)), [[1, 2], [3, 4], [5, 6]])
    assert.equal(p.entries, 0)
    assert.deepEqual(p.gaps(() => 6), [])
  })

  it('takes two copies of a seq in separate rounds, and stays within its budget', async () => {
    const a = await seededSigner(1)
    const chain = await buildChain(a, 4)
    const p = new PendingCarriers(100)
    p.add(push(a.peerId, chain.slice(0, 2)))
    p.add({ from: 'relay', msg: { kind: 'entries', entries: chain.slice(0, 4), more: false } })
    assert.deepEqual(seqs(p.take(() => 0, 512)), [[1, 2]], 'the overlapping copy waits')
    assert.deepEqual(seqs(p.take(() => 2, 512)), [[1, 2, 3, 4]], 'next round: it overlaps the held chain, the store sorts that out')
    p.add(push(a.peerId, chain.slice(0, 2)))
    p.add(push(a.peerId, chain.slice(2, 4)))
    assert.deepEqual(seqs(p.take(() => 0, 3)), [[1, 2]], 'a budget of 3 entries holds one message of 2')
  })

  it('past its bound drops the message furthest ahead of the fullest origin, keeping what continues a chain', async () => {
    const [a, b] = await Promise.all([seededSigner(1), seededSigner(2)])
    const ca = await buildChain(a, 6)
    const cb = await buildChain(b, 2)
    const p = new PendingCarriers(6)
    p.add(push(a.peerId, ca.slice(2, 4)))
    p.add(push(a.peerId, ca.slice(4, 6)))
    p.add(push(b.peerId, cb.slice(0, 2)))
    const dropped = p.add(push(a.peerId, ca.slice(0, 2)))
    assert.deepEqual(seqs(dropped), [[5, 6]])
    assert.equal(p.entries, 6)
    assert.deepEqual(seqs(p.take(() => 0, 512)).sort(), [[1, 2], [1, 2], [3, 4]].sort())
  })
  it('says how far the held chain reaches with what waits, stopping at a gap', async () => {
    const a = await seededSigner(1)
    const chain = await buildChain(a, 7)
    const p = new PendingCarriers(100)
    const at = (seq: number): { seq: number, hash: string } => ({ seq, hash: (chain[seq - 1] as AuditEntry).hash })
    assert.deepEqual(p.reach(a.peerId, at(2)), at(2), 'nothing waits: the held head')
    p.add(push(a.peerId, chain.slice(2, 4)))
    p.add(push(a.peerId, chain.slice(5, 7)))
    assert.deepEqual(p.reach(a.peerId, at(2)), at(4), '3..4 continue 2; 6..7 wait behind the gap at 5')
    assert.deepEqual(p.reach(a.peerId, at(1)), at(1), 'a gap right after the head')
    assert.deepEqual(p.reach(a.peerId, undefined), undefined)
  })
})

describe('one store call with two copies of an entry', () => {
  it('stores it once, and refuses nothing (a push and a pull\'s answer of one sealed group)', async () => {
    t = await tempDb()
    const store = await AuditStore.open(t.db)
    const a = await seededSigner(3)
    let lamport = 0
    const tick = (): number => ++lamport
    const first = await createBatch(null, [0, 1].map((i) => ({ fields: fields(), ts: 1_700_000_000_000 + i })), a, tick)
    const second = await createBatch(first[1] as AuditEntry, [2, 3].map((i) => ({ fields: fields(), ts: 1_700_000_000_000 + i })), a, tick)
    assert.equal(first[0]?.sig, undefined, 'one seal per group: the group is checked as one run')
    const results = await store.storeVerifiedMany([...first, ...first, ...second])
    assert.deepEqual(results.map((r) => r.status), ['stored', 'stored', 'duplicate', 'duplicate', 'stored', 'stored'])
    assert.equal(store.heads()[a.peerId]?.seq, 4)
    assert.equal((await store.verifyAll()).ok, true)
  })
})
