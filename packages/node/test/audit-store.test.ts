/**
 * AuditStore over a real LevelDB in a temp directory (docs/design/audit.md, issue #4): append and
 * reads, verify-before-store with its results (stored, duplicate, gap, fork, invalid), queries
 * with filters and cursor pagination, and whole-log verification catching tampering on disk.
 */
import assert from 'node:assert/strict'
import { afterEach, before, beforeEach, describe, it } from 'node:test'
import { encode } from 'cborg'
import { entryHash, type AuditSigner } from '@kos/core'
import { AuditQueryError } from '@kos/core'
import { ENCODINGS, entryKey, headKey } from '@kos/core'
import type { AuditEntry, AuditSeverity } from '@kos/core'
import { AuditStore } from '@kos/core'
import { buildChain, seededSigner, tempDb, type TempDb } from './helpers/audit-fixtures.js'

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

async function fresh (): Promise<void> {
  await t.cleanup()
  t = await tempDb()
  store = await AuditStore.open(t.db)
}

describe('AuditStore: append and reads', () => {
  it('appends as one batch and reads back by seq, by range and by heads', async () => {
    const chain = await buildChain(a, 10)
    await store.append(chain)
    assert.equal(store.writeBatches, 1)
    assert.deepEqual(await store.get(a.peerId, 3), chain[2])
    assert.equal(await store.get(a.peerId, 11), undefined)
    assert.deepEqual((await store.range(a.peerId, 4, 8, 100)).map((e) => e.seq), [4, 5, 6, 7, 8])
    assert.deepEqual((await store.range(a.peerId, 4, 8, 2)).map((e) => e.seq), [4, 5])
    assert.deepEqual(store.heads(), { [a.peerId]: { seq: 10, hash: chain[9]?.hash } })
    assert.equal(store.maxLamport(), 20)
  })

  it('keeps the heads across a reopen', async () => {
    const chain = await buildChain(a, 3)
    await store.append(chain)
    await t.db.close()
    await t.db.open()
    const again = await AuditStore.open(t.db)
    assert.deepEqual(again.head(a.peerId), { seq: 3, hash: chain[2]?.hash, lamport: 6 })
  })

  it('refuses an append that does not extend the stored chain, writing nothing', async () => {
    const chain = await buildChain(a, 4)
    await store.append(chain.slice(0, 2))
    await assert.rejects(store.append([chain[3] as AuditEntry]), { name: 'AuditChainError' })
    await assert.rejects(store.append([chain[2] as AuditEntry, chain[2] as AuditEntry]), { name: 'AuditChainError' })
    assert.equal(store.head(a.peerId)?.seq, 2)
    assert.equal(await store.get(a.peerId, 3), undefined)
  })
})

describe('AuditStore: storeVerified', () => {
  it('stores the next entry, reports a duplicate, and refuses a gap with the seq it holds', async () => {
    const chain = await buildChain(a, 5)
    assert.deepEqual(await store.storeVerified(chain[0]), { status: 'stored' })
    assert.deepEqual(await store.storeVerified(chain[1]), { status: 'stored' })
    assert.deepEqual(await store.storeVerified(chain[0]), { status: 'duplicate' })
    assert.deepEqual(await store.storeVerified(chain[1]), { status: 'duplicate' })
    assert.deepEqual(await store.storeVerified(chain[3]), { status: 'gap', haveSeq: 2 })
    assert.equal(await store.get(a.peerId, 4), undefined, 'a gap is not stored')
    assert.deepEqual(await store.storeVerified((await buildChain(b, 2))[1]), { status: 'gap', haveSeq: 0 })
    assert.deepEqual((await store.verifyAll()).ok, true)
  })

  it('stores a pulled range as one batch, whatever order it arrives in', async () => {
    const chain = await buildChain(a, 50)
    const shuffled = [...chain].sort((x, y) => (x.hash < y.hash ? -1 : 1))
    const before = store.writeBatches
    const results = await store.storeVerifiedMany(shuffled)
    assert.ok(results.every((r) => r.status === 'stored'))
    assert.equal(store.writeBatches - before, 1)
    assert.equal(store.head(a.peerId)?.seq, 50)
    const again = await store.storeVerifiedMany([...chain, chain[4]])
    assert.ok(again.every((r) => r.status === 'duplicate'))
  })

  it('reports a fork at an existing (origin, seq) and never overwrites the stored entry', async () => {
    const main = await buildChain(a, 3)
    const other = await buildChain(a, 3, (i) => ({ subject: i >= 2 ? 'other' : 'node-b' }))
    assert.equal(other[0]?.hash, main[0]?.hash)
    await store.append(main)
    assert.deepEqual(await store.storeVerified(other[1]), { status: 'fork', fork: { origin: a.peerId, seq: 2, mine: main[1]?.hash, theirs: other[1]?.hash } })
    assert.deepEqual(await store.storeVerified(other[2]), { status: 'fork', fork: { origin: a.peerId, seq: 3, mine: main[2]?.hash, theirs: other[2]?.hash } })
    assert.deepEqual(await store.get(a.peerId, 2), main[1])
    // The next entry of the other chain links to a seq-2 entry that is not ours.
    const twoOnly = await buildChain(a, 2)
    await fresh()
    await store.append(twoOnly)
    assert.deepEqual(await store.storeVerified(other[2]), { status: 'fork', fork: { origin: a.peerId, seq: 2, mine: main[1]?.hash, theirs: other[1]?.hash } })
    assert.deepEqual(await store.compareHead(a.peerId, { seq: 2, hash: other[1]?.hash as string }), { origin: a.peerId, seq: 2, mine: main[1]?.hash, theirs: other[1]?.hash })
    assert.equal(await store.compareHead(a.peerId, { seq: 2, hash: main[1]?.hash as string }), null)
  })

  it('keeps the first of two entries racing for the same seq and reports the other as a fork', async () => {
    const main = await buildChain(a, 2)
    const other = await buildChain(a, 2, (i) => ({ subject: i === 2 ? 'other' : 'node-b' }))
    await store.append([main[0] as AuditEntry])
    const results = await store.storeVerifiedMany([main[1], other[1]])
    assert.deepEqual(results, [{ status: 'stored' }, { status: 'fork', fork: { origin: a.peerId, seq: 2, mine: main[1]?.hash, theirs: other[1]?.hash } }])
    assert.deepEqual(await store.get(a.peerId, 2), main[1])
  })

  it('refuses tampered and forged entries with the reason, storing nothing', async () => {
    const [e1, e2] = await buildChain(a, 2)
    await store.append([e1 as AuditEntry])
    const edited = { ...(e2 as AuditEntry), severity: 'critical' as const }
    assert.deepEqual(await store.storeVerified(edited), { status: 'invalid', reason: 'hash' })
    const rehashed = { ...edited, hash: entryHash(edited) }
    assert.deepEqual(await store.storeVerified(rehashed), { status: 'invalid', reason: 'signature' })
    const sig = Buffer.from(await b.sign(Buffer.from((e2 as AuditEntry).hash, 'hex'))).toString('base64')
    assert.deepEqual(await store.storeVerified({ ...(e2 as AuditEntry), sig }), { status: 'invalid', reason: 'signature' })
    assert.deepEqual(await store.storeVerified({ ...(e2 as AuditEntry), extra: true }), { status: 'invalid', reason: 'schema' })
    assert.deepEqual(await store.storeVerified('garbage'), { status: 'invalid', reason: 'schema' })
    // A forged copy of a stored entry is not a duplicate: it fails its signature.
    const forgedDup = { ...(e1 as AuditEntry), sig }
    assert.deepEqual(await store.storeVerified(forgedDup), { status: 'invalid', reason: 'signature' })
    assert.equal(store.head(a.peerId)?.seq, 1)
    assert.deepEqual(await store.storeVerified(e2), { status: 'stored' })
  })
})

describe('AuditStore: query', () => {
  const SEV: AuditSeverity[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical']
  let all: AuditEntry[]

  before(async () => {
    // Two interleaved origins: A at odd seconds, B at even ones; classes and severities cycle.
    const ca = await buildChain(a, 12, (i) => ({ class: i % 2 === 0 ? 'agent' : 'node', severity: SEV[i % 6] }), 1_000_000)
    const cb = await buildChain(b, 12, (i) => ({ class: i % 3 === 0 ? 'ethics' : 'node', severity: SEV[(i + 3) % 6] }), 1_000_500)
    all = [...ca, ...cb].sort((x, y) => x.ts - y.ts)
  })
  const load = async (): Promise<void> => {
    await store.append(all.filter((e) => e.origin === a.peerId))
    await store.storeVerifiedMany(all.filter((e) => e.origin === b.peerId))
  }
  const ids = (es: AuditEntry[]): string[] => es.map((e) => `${e.origin === a.peerId ? 'A' : 'B'}${e.seq}`)

  it('returns entries in time order, filtered by origin, class, severity and time range', async () => {
    await load()
    assert.deepEqual(ids((await store.query({ limit: 1000 })).entries), ids(all))
    assert.deepEqual((await store.query({ limit: 1000 })).next, null)
    assert.deepEqual(ids((await store.query({ origin: b.peerId, limit: 1000 })).entries), ids(all.filter((e) => e.origin === b.peerId)))
    assert.deepEqual(ids((await store.query({ class: 'ethics', limit: 1000 })).entries), ids(all.filter((e) => e.class === 'ethics')))
    const atLeastError = all.filter((e) => e.severity === 'error' || e.severity === 'critical')
    assert.deepEqual(ids((await store.query({ severity: 'error', limit: 1000 })).entries), ids(atLeastError))
    const since = all[5]?.ts as number
    const until = all[9]?.ts as number
    assert.deepEqual(ids((await store.query({ since, until, limit: 1000 })).entries), ids(all.slice(5, 9)), 'since <= ts < until')
    assert.deepEqual(ids((await store.query({ origin: a.peerId, class: 'agent', severity: 'warning', limit: 1000 })).entries),
      ids(all.filter((e) => e.origin === a.peerId && e.class === 'agent' && SEV.indexOf(e.severity) >= 3)))
  })

  it('pages with an opaque cursor until next is null, with and without filters', async () => {
    await load()
    for (const q of [{}, { origin: a.peerId }, { class: 'node' as const }, { severity: 'notice' as const, since: all[3]?.ts }]) {
      const expected = ids((await store.query({ ...q, limit: 1000 })).entries)
      const got: string[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = await store.query({ ...q, limit: 3, ...(cursor === undefined ? {} : { cursor }) })
        assert.ok(page.entries.length <= 3)
        got.push(...ids(page.entries))
        cursor = page.next ?? undefined
        pages++
      } while (cursor !== undefined && pages < 50)
      assert.deepEqual(got, expected, JSON.stringify(q))
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / 3)), 'no empty trailing page')
    }
  })

  it('bounds the scan of one call: a short page with a cursor that resumes', async () => {
    await load()
    const bounded = await AuditStore.open(t.db, { queryScanLimit: 5 })
    const first = await bounded.query({ class: 'ethics', limit: 100 })
    assert.ok(first.next !== null)
    const rest: AuditEntry[] = [...first.entries]
    let next: string | null = first.next
    while (next !== null) {
      const page = await bounded.query({ class: 'ethics', limit: 100, cursor: next })
      rest.push(...page.entries)
      next = page.next
    }
    assert.deepEqual(ids(rest), ids(all.filter((e) => e.class === 'ethics')))
  })

  it('names the bad parameter', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ limit: 0 }, 'limit'], [{ limit: 1001 }, 'limit'], [{ class: 'x' }, 'class'], [{ severity: 'x' }, 'severity'],
      [{ since: -1 }, 'since'], [{ origin: 'x' }, 'origin'], [{ cursor: 'not-a-cursor' }, 'cursor'], [{ extra: 1 }, 'query']
    ]
    for (const [q, field] of bad) {
      await assert.rejects(store.query(q as never), (err: unknown) => err instanceof AuditQueryError && err.field === field, JSON.stringify(q))
    }
    // A cursor of a per-origin query does not resume a global one.
    await load()
    const page = await store.query({ origin: a.peerId, limit: 1 })
    await assert.rejects(store.query({ limit: 1, cursor: page.next as string }), { name: 'AuditQueryError' })
  })
})

describe('AuditStore: verifyAll', () => {
  let ca: AuditEntry[]
  let cb: AuditEntry[]
  before(async () => {
    ca = await buildChain(a, 6)
    cb = await buildChain(b, 3)
  })
  const load = async (): Promise<void> => { await store.append([...ca, ...cb]) }
  const put = async (origin: string, seq: number, value: unknown): Promise<void> => { await t.db.put(entryKey(origin, seq), encode(value), ENCODINGS) }
  const at = (i: number): AuditEntry => ca[i] as AuditEntry

  it('passes on an untouched log and counts every entry', async () => {
    await load()
    assert.deepEqual(await store.verifyAll(), { ok: true, checked: 9, breaks: [], truncated: false })
  })

  it('finds a changed field at its seq', async () => {
    await load()
    await put(a.peerId, 3, { ...at(2), details: { incarnation: 99 } })
    assert.deepEqual((await store.verifyAll()).breaks, [{ origin: a.peerId, seq: 3, reason: 'hash' }])
  })

  it('finds swapped entries at both places', async () => {
    await load()
    await put(a.peerId, 2, at(2))
    await put(a.peerId, 3, at(1))
    assert.deepEqual((await store.verifyAll()).breaks, [{ origin: a.peerId, seq: 2, reason: 'seq' }, { origin: a.peerId, seq: 3, reason: 'seq' }])
  })

  it('finds a removed entry, in the middle and at the tail', async () => {
    await load()
    await t.db.del(entryKey(a.peerId, 3), ENCODINGS)
    await t.db.del(entryKey(b.peerId, 3), ENCODINGS)
    const r = await store.verifyAll()
    assert.equal(r.ok, false)
    assert.deepEqual(r.breaks, [{ origin: a.peerId, seq: 4, reason: 'seq' }, { origin: b.peerId, seq: 3, reason: 'seq' }].sort((x, y) => (x.origin < y.origin ? -1 : 1)))
  })

  it('finds a wrong signer and an entry with an unreadable value', async () => {
    await load()
    const sig = Buffer.from(await b.sign(Buffer.from(at(4).hash, 'hex'))).toString('base64')
    await put(a.peerId, 5, { ...at(4), sig })
    await t.db.put(entryKey(b.peerId, 2), Uint8Array.of(0xff), ENCODINGS)
    await t.db.put(headKey('12D3KooWGhostGhostGhostGhostGhostGhostGhostGhostGhost'), encode({ seq: 4, hash: 'a'.repeat(64), lamport: 1 }), ENCODINGS)
    const breaks = (await store.verifyAll()).breaks
    assert.deepEqual(new Set(breaks.map((x) => `${x.origin === a.peerId ? 'A' : x.origin === b.peerId ? 'B' : 'G'}${x.seq}:${x.reason}`)), new Set(['A5:signature', 'B2:schema', 'G1:seq']))
  })

  it('passes on an empty store', async () => {
    assert.deepEqual(await store.verifyAll(), { ok: true, checked: 0, breaks: [], truncated: false })
  })
})
