/**
 * Audit entries: canonical encoding, hash chain, Ed25519 signature, verification and the schema
 * limits (docs/design/audit.md, issue #4 "Unit"). Keys come from fixed seeds, so the golden vector holds
 * on every run.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  canonicalBytes, createEntry, decodeEntry, encodeEntry, entryHash, originPublicKey, verifyEntry, verifyEntryContent, type AuditSigner, type VerifyResult
} from '@kos/core'
import { AuditChainError, AuditFieldsError } from '@kos/core'
import { MAX_DETAILS_BYTES, ZERO_HASH, type AuditEntry, type UnsignedEntry } from '@kos/core'
import { MessageDecodeError } from '@kos/core'
import { buildChain, fields, seededSigner } from './helpers/audit-fixtures.js'

const T0 = 1_700_000_000_000

let a: AuditSigner
let b: AuditSigner
before(async () => {
  a = await seededSigner(1)
  b = await seededSigner(2)
})

/** Re-hashes an edited entry, as a forger without the origin's key could. */
function rehash (e: AuditEntry): AuditEntry {
  return { ...e, hash: entryHash(e) }
}

/** Re-hashes and re-signs an edited entry with `signer`'s key, whatever its origin claims. */
async function resign (e: AuditEntry, signer: AuditSigner): Promise<AuditEntry> {
  const hash = entryHash(e)
  const sig = await signer.sign(Buffer.from(hash, 'hex'))
  return { ...e, hash, sig: Buffer.from(sig).toString('base64') }
}

/** Verifies a list as one chain, the way a reader walks it: the first failure, or ok. */
async function walk (chain: AuditEntry[]): Promise<{ index: number, result: VerifyResult }> {
  let prev: AuditEntry | null = null
  for (let i = 0; i < chain.length; i++) {
    const e = chain[i] as AuditEntry
    const result = await verifyEntry(e, prev)
    if (!result.ok) return { index: i, result }
    prev = e
  }
  return { index: -1, result: { ok: true } }
}

describe('audit canonical encoding', () => {
  const unsigned = (): UnsignedEntry => ({
    origin: a.peerId, seq: 1, lamport: 1, ts: T0, class: 'node', type: 'member:join', severity: 'info',
    subject: 'node-b', details: { b: [1, 2.5, 'x'], a: { z: null, y: true } }, prev: ZERO_HASH
  })

  it('is independent of the order of keys, at every level', () => {
    const e = unsigned()
    const reordered = Object.fromEntries(Object.entries(e).reverse()) as unknown as UnsignedEntry
    reordered.details = { a: { y: true, z: null }, b: [1, 2.5, 'x'] }
    assert.deepEqual(canonicalBytes(reordered), canonicalBytes(e))
    assert.equal(entryHash(reordered), entryHash(e))
  })

  it('covers exactly the ten hashed fields: hash, sig and extra properties do not change it', () => {
    const e = unsigned()
    const extra = { ...e, hash: 'f'.repeat(64), sig: 'x', note: 'ignored' } as unknown as UnsignedEntry
    assert.deepEqual(canonicalBytes(extra), canonicalBytes(e))
  })

  it('is pinned by a golden vector (a library default can never change a hash)', () => {
    const bytes = canonicalBytes(unsigned())
    assert.equal(bytes[0], 0xaa, 'a CBOR map of 10 pairs')
    assert.equal(entryHash(unsigned()), GOLDEN_HASH)
  })

  it('sorts keys bytewise and writes non-integers as float64', () => {
    const hex = Buffer.from(canonicalBytes({ ...unsigned(), details: { bb: 1, a: 1.5 } })).toString('hex')
    // details: {"a": 1.5 as float64, "bb": 1}
    assert.ok(hex.includes('a26161fb3ff800000000000062626201'), hex)
  })

  it('differs when any hashed field differs', () => {
    const base = entryHash(unsigned())
    const edits: Array<Partial<UnsignedEntry>> = [
      { seq: 2 }, { lamport: 2 }, { ts: T0 + 1 }, { class: 'agent' }, { type: 'member:left' }, { severity: 'error' },
      { subject: 'node-c' }, { details: {} }, { prev: 'a'.repeat(64) }, { origin: b.peerId }
    ]
    for (const edit of edits) assert.notEqual(entryHash({ ...unsigned(), ...edit }), base, JSON.stringify(edit))
  })
})

describe('audit chain and signature', () => {
  it('creates a chain from seq 1 that verifies link by link', async () => {
    const chain = await buildChain(a, 5)
    assert.deepEqual(chain.map((e) => e.seq), [1, 2, 3, 4, 5])
    assert.equal(chain[0]?.prev, ZERO_HASH)
    for (let i = 1; i < chain.length; i++) assert.equal(chain[i]?.prev, chain[i - 1]?.hash)
    assert.ok(chain.every((e) => e.origin === a.peerId && /^[A-Za-z0-9+/]{86}==$/.test(e.sig ?? '')))
    assert.deepEqual(await walk(chain), { index: -1, result: { ok: true } })
    for (const e of chain) assert.deepEqual(await verifyEntryContent(e), { ok: true })
  })

  it('signs and verifies exactly as @libp2p/crypto does (the KeyObject fast path changes nothing)', async () => {
    const key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(1))
    const [e1] = await buildChain(a, 1)
    const hash = Buffer.from((e1 as AuditEntry).hash, 'hex')
    assert.equal(a.peerId, peerIdFromPrivateKey(key).toString())
    assert.equal(await key.publicKey.verify(hash, Buffer.from((e1 as AuditEntry).sig ?? '', 'base64')), true)
    const viaLibp2p = { ...(e1 as AuditEntry), sig: Buffer.from(await key.sign(hash)).toString('base64') }
    assert.deepEqual(await verifyEntry(viaLibp2p, null), { ok: true })
    assert.deepEqual(originPublicKey(a.peerId), key.publicKey.raw)
  })

  it('refuses to extend another origin\'s chain or to let the Lamport time stand still', async () => {
    const [a1] = await buildChain(a, 1)
    await assert.rejects(createEntry(a1 as AuditEntry, fields(), b, 10, T0), { name: 'AuditChainError' })
    await assert.rejects(createEntry(a1 as AuditEntry, fields(), a, a1?.lamport as number, T0), AuditChainError)
  })

  it('names the bad field of an invalid event', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ class: 'weather' }, 'class'],
      [{ severity: 'loud' }, 'severity'],
      [{ type: '' }, 'type'],
      [{ type: 'has space' }, 'type'],
      [{ subject: 'x'.repeat(257) }, 'subject'],
      [{ details: [] }, 'details'],
      [{ details: { a: { b: undefined } } }, 'details.a.b'],
      [{ details: { n: Number.NaN } }, 'details.n'],
      [{ details: { n: 2 ** 60 } }, 'details.n'],
      [{ details: { d: new Date(0) } }, 'details.d'],
      [{ details: { s: 'bad \uD800 surrogate' } }, 'details.s'],
      [{ details: JSON.parse('{"__proto__": {"x": 1}}') as object }, 'details'],
      [{ details: { big: 'x'.repeat(MAX_DETAILS_BYTES) } }, 'details'],
      [{ extra: 1 }, 'entry']
    ]
    for (const [edit, field] of cases) {
      await assert.rejects(createEntry(null, { ...fields(), ...edit } as never, a, 1, T0), (err: unknown) => {
        assert.ok(err instanceof AuditFieldsError, String(err))
        assert.equal(err.field, field, JSON.stringify(edit))
        return true
      })
    }
  })

  it('bounds nesting before encoding anything', async () => {
    let deep: Record<string, unknown> = {}
    for (let i = 0; i < 10_000; i++) deep = { d: deep }
    await assert.rejects(createEntry(null, fields({ details: deep as never }), a, 1, T0), { name: 'AuditFieldsError' })
  })

  it('round-trips through the wire codec with the same hash, and refuses an oversized message', async () => {
    const [e1, e2] = await buildChain(a, 2, (i) => ({ details: { i, f: 0.1, list: ['é', '😀', null] } }))
    const back = decodeEntry(encodeEntry(e2 as AuditEntry))
    assert.deepEqual(back, e2)
    assert.deepEqual(await verifyEntry(back, e1 as AuditEntry), { ok: true })
    assert.throws(() => decodeEntry(new Uint8Array(64 * 1024)), (err: unknown) => err instanceof MessageDecodeError && err.reason === 'oversized')
  })
})

describe('audit tampering is detected with the right reason', () => {
  let chain: AuditEntry[]
  before(async () => { chain = await buildChain(a, 4) })
  const at = (i: number): AuditEntry => chain[i] as AuditEntry

  it('a changed field: hash (and signature once the hash is recomputed)', async () => {
    const edited = { ...at(1), severity: 'critical' as const }
    assert.deepEqual(await verifyEntry(edited, at(0)), { ok: false, reason: 'hash' })
    assert.deepEqual(await verifyEntry(rehash(edited), at(0)), { ok: false, reason: 'signature' })
    assert.deepEqual(await verifyEntryContent(rehash(edited)), { ok: false, reason: 'signature' })
    assert.deepEqual(await walk([at(0), edited, at(2)]), { index: 1, result: { ok: false, reason: 'hash' } })
  })

  it('a reordered entry: seq, or chain once renumbered', async () => {
    assert.deepEqual(await walk([at(0), at(2), at(1), at(3)]), { index: 1, result: { ok: false, reason: 'seq' } })
    const renumbered = { ...at(2), seq: 2 }
    assert.deepEqual(await verifyEntry(renumbered, at(0)), { ok: false, reason: 'chain' })
  })

  it('a removed entry: seq, or chain once the next is renumbered', async () => {
    assert.deepEqual(await walk([at(0), at(2), at(3)]), { index: 1, result: { ok: false, reason: 'seq' } })
    assert.deepEqual(await walk([at(1), at(2)]), { index: 0, result: { ok: false, reason: 'seq' } })
    assert.deepEqual(await verifyEntry(rehash({ ...at(2), seq: 2 }), at(0)), { ok: false, reason: 'chain' })
  })

  it('a wrong signer: signature, even with a correct hash and chain', async () => {
    const forged = await resign(at(1), b)
    assert.equal(forged.origin, a.peerId)
    assert.equal(forged.hash, at(1).hash)
    assert.deepEqual(await verifyEntry(forged, at(0)), { ok: false, reason: 'signature' })
    // B writes a whole entry of its own but claims A's origin.
    const claimed = await resign({ ...(await createEntry(at(0), fields({ subject: 'lie' }), { ...b, peerId: a.peerId }, 99, T0)) }, b)
    assert.deepEqual(await verifyEntry(claimed, at(0)), { ok: false, reason: 'signature' })
    // A signature that is not even 64 valid bytes.
    assert.deepEqual(await verifyEntry({ ...at(1), sig: Buffer.alloc(64).toString('base64') }, at(0)), { ok: false, reason: 'signature' })
  })

  it('an origin that embeds no Ed25519 key, or differs from prev: origin', async () => {
    const rsa = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'
    assert.deepEqual(await verifyEntry(await resign({ ...at(0), origin: rsa }, a), null), { ok: false, reason: 'origin' })
    const [b1] = await buildChain(b, 1)
    assert.deepEqual(await verifyEntry(at(1), b1 as AuditEntry), { ok: false, reason: 'origin' })
  })

  it('a broken link or Lamport order: chain', async () => {
    assert.deepEqual(await verifyEntry({ ...at(1), prev: at(2).hash }, at(0)), { ok: false, reason: 'chain' })
    assert.deepEqual(await verifyEntry({ ...at(0), prev: at(1).hash }, null), { ok: false, reason: 'chain' })
    assert.deepEqual(await verifyEntryContent(await resign({ ...at(0), prev: at(1).hash }, a)), { ok: false, reason: 'chain' })
    assert.deepEqual(await verifyEntry(await resign({ ...at(1), lamport: at(0).lamport }, a), at(0)), { ok: false, reason: 'chain' })
  })

  it('anything off-schema: schema', async () => {
    const bad: unknown[] = [
      null, 'entry', { ...at(0), extra: 1 }, { ...at(0), seq: 0 }, { ...at(0), seq: 1.5 }, { ...at(0), class: 'x' },
      { ...at(0), hash: at(0).hash.toUpperCase() }, { ...at(0), sig: 'short' }, { ...at(0), details: { u: undefined } },
      { ...at(0), ts: -1 }, { ...at(0), origin: 'not/a/peer' },
      // Base58 that libp2p cannot parse as a peer id is no peer id (wire/identifiers.ts).
      { ...at(0), origin: '1'.repeat(40) }
    ]
    for (const e of bad) assert.deepEqual(await verifyEntry(e, null), { ok: false, reason: 'schema' }, JSON.stringify(e))
  })
})

/** sha-256 of the canonical bytes of the first describe block's fixed entry (origin: seed 0x01). */
const GOLDEN_HASH = 'b89e33330e55bc16ac6367e514fb04cc7a12cd1c76458927bd26bb7c5f660eb6'
