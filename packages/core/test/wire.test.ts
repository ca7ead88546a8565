/** Wire messages: round trips, and every kind of bad input refused with its reason. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encode } from 'cborg'
import { decodeMessage, encodeMessage, heartbeatSchema, MessageDecodeError, noticeSchema, type Heartbeat } from '../src/wire/messages.js'

const HB: Heartbeat = {
  v: 2, t: 'heartbeat', incarnation: 3, addrs: ['/ip4/127.0.0.1/tcp/1'],
  health: {
    name: 'a', role: 'member', incarnation: 3, version: '0.1.0', uptimeMs: 10, cpuPercent: 1.5, rssBytes: 1, heapUsedBytes: 1,
    eventLoopDelayP99Ms: 2, mode: 'normal', agents: { total: 0, running: 0, failed: 0, quarantined: 0 }
  }
}

/** A string that stands for raw CBOR in `withRawCbor`. */
const SLOT = 'raw-cbor-slot'

/** The CBOR of `value` with the encoding of SLOT replaced by `raw`: what no encoder would write. */
function withRawCbor (value: object, raw: Uint8Array): Buffer {
  const bytes = Buffer.from(encode(value))
  const slot = Buffer.from(encode(SLOT))
  const at = bytes.indexOf(slot)
  return Buffer.concat([bytes.subarray(0, at), raw, bytes.subarray(at + slot.length)])
}

function reason (fn: () => unknown): string {
  try { fn() } catch (err) { assert.ok(err instanceof MessageDecodeError); return err.reason }
  assert.fail('expected a MessageDecodeError')
}

describe('wire messages', () => {
  it('a heartbeat round-trips and stays small', () => {
    const bytes = encodeMessage(HB)
    assert.deepEqual(decodeMessage(bytes, heartbeatSchema, 16_384), HB)
    assert.ok(bytes.byteLength < 512, `${bytes.byteLength} bytes`)
  })
  it('refuses oversized, non-CBOR, other-version and schema-violating messages with distinct reasons', () => {
    assert.equal(reason(() => decodeMessage(encodeMessage(HB), heartbeatSchema, 10)), 'oversized')
    assert.equal(reason(() => decodeMessage(new TextEncoder().encode('{"v":1}'), heartbeatSchema, 16_384)), 'malformed')
    assert.equal(reason(() => decodeMessage(encode({ ...HB, v: 1 }), heartbeatSchema, 16_384)), 'version')
    assert.equal(reason(() => decodeMessage(encode({ ...HB, v: '2' }), heartbeatSchema, 16_384)), 'schema')
    assert.equal(reason(() => decodeMessage(encode({ ...HB, extra: true }), heartbeatSchema, 16_384)), 'schema')
    assert.equal(reason(() => decodeMessage(encode({ ...HB, health: { ...HB.health, mode: 'panic' } }), heartbeatSchema, 16_384)), 'schema')
  })
  it('a map with a __proto__ key is malformed, not a TypeError out of the schema (found by fuzzing)', () => {
    // cborg assigns the key, which sets the decoded object's prototype: a byte string's made zod
    // throw; a map's would lend the object fields it does not have.
    const protoMap = (value: Uint8Array): Buffer => Buffer.concat([Buffer.from([0xa1, 0x69]), Buffer.from('__proto__'), value])
    const addrs = withRawCbor({ ...HB, addrs: SLOT }, protoMap(Buffer.from([0x40])))
    assert.equal(reason(() => decodeMessage(addrs, heartbeatSchema, 16_384)), 'malformed')
    const agents = withRawCbor({ ...HB, health: { ...HB.health, agents: SLOT } }, protoMap(encode({ total: 0, running: 0, failed: 0, quarantined: 0 })))
    assert.equal(reason(() => decodeMessage(agents, heartbeatSchema, 16_384)), 'malformed')
  })
  it('a notice must name a peer id as its target', () => {
    const notice = { v: 2, t: 'notice', state: 'suspect', target: 'not a peer id!', incarnation: 1, name: 'x', role: 'member', addrs: [] }
    assert.equal(reason(() => decodeMessage(encode(notice), noticeSchema, 16_384)), 'schema')
    const ok = { ...notice, target: '12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V' }
    assert.deepEqual(decodeMessage(encode(ok), noticeSchema, 16_384), ok)
  })
})
