/**
 * The whole encoding of an entry from its hashed bytes (entry.ts spliceEncoding, issue 21): what
 * the store writes and a push carries, made without encoding the entry a second time. It must
 * be exactly the canonical CBOR of the entry, `hash` and `sig` included, for every entry; and a
 * push joined from kept encodings (wire.ts) must decode to the message cborg would have sent.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { canonicalCbor } from '../src/audit/canonical-cbor.js'
import { canonicalBytes, createBatch, ed25519Signer, encodeEntry, keptEncoding, spliceEncoding } from '../src/audit/entry.js'
import { decodeDirect, encodeReplicationParts } from '../src/audit/wire.js'
import { encodeMessage } from '../src/wire/messages.js'
import type { AuditEntry } from '../src/audit/schema.js'

const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
const entry = fc.record({
  origin: fc.string({ minLength: 1, maxLength: 60 }),
  seq: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
  lamport: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  ts: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 33 }), fc.constant(1_765_000_000_000)),
  class: fc.constantFrom('node' as const, 'operator' as const),
  type: fc.string({ minLength: 1, maxLength: 40 }),
  severity: fc.constantFrom('info' as const),
  subject: fc.string({ maxLength: 100 }),
  details: fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean())),
  prev: hex,
  hash: hex,
  sig: fc.option(fc.base64String({ minLength: 88, maxLength: 88 }), { nil: undefined })
})

describe('an entry\'s whole encoding from its hashed bytes', () => {
  it('is the canonical CBOR of the whole entry, with or without a seal', () => {
    fc.assert(fc.property(entry, (e) => {
      const whole = spliceEncoding(canonicalBytes(e), e)
      assert.ok(whole !== null)
      assert.equal(Buffer.from(whole).toString('hex'), Buffer.from(canonicalCbor(e)).toString('hex'))
    }), { numRuns: 3000, seed: 21 })
  })

  it('is kept for the entries of a batch (frozen), and a push joined from them decodes to what cborg sends', async () => {
    const signer = ed25519Signer(randomBytes(32))
    let l = 1
    const items = Array.from({ length: 300 }, (_, i) => ({ fields: { class: 'operator' as const, type: 't:x', severity: 'info' as const, subject: 's', details: { i, f: 1.5, s: 'é'.repeat(i % 3) } }, ts: 1_765_000_000_000 + i }))
    const batch = await createBatch(null, items, signer, () => l++)
    for (const e of batch) {
      assert.ok(Object.isFrozen(e))
      assert.ok(keptEncoding(e) !== undefined)
      assert.deepEqual(encodeEntry(e), canonicalCbor({ ...e }))
    }
    const groups = [batch.slice(0, 128), batch.slice(128, 256)] as AuditEntry[][]
    for (const msg of [{ kind: 'push' as const, entries: groups[0] as unknown[] }, { kind: 'entries' as const, entries: groups[1] as unknown[], more: true }]) {
      const parts = encodeReplicationParts(msg)
      assert.equal(parts.length, 1)
      assert.deepEqual(decodeDirect(parts[0] as Uint8Array), decodeDirect(encodeMessage(msg)))
    }
  })
})
