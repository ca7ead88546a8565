/** Another kOS protocol version is told apart by name (net/protocol-version.ts, wire/messages.ts). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerProtocolVersion, PROTOCOL_VERSION, syncProtocolId } from '../src/net/protocol-version.js'
import { decodeMessage, encodeMessage, MessageDecodeError, probeRequestSchema, WIRE_VERSION } from '@kos/core'

describe('the protocol version', () => {
  it('is read from the sync protocol a peer serves for this cluster', () => {
    assert.equal(PROTOCOL_VERSION, 2)
    assert.equal(syncProtocolId('kos'), '/kos/kos/sync/2.0.0')
    assert.equal(peerProtocolVersion('kos', ['/ipfs/id/1.0.0', '/kos/kos/sync/1.0.0', '/meshsub/1.1.0']), 1)
    assert.equal(peerProtocolVersion('kos', [syncProtocolId('kos')]), 2)
    assert.equal(peerProtocolVersion('kos', ['/kos/other/sync/1.0.0']), null, 'another cluster says nothing')
    assert.equal(peerProtocolVersion('kos', ['/kos/kos/election/1.0.0']), null, 'a peer with no sync protocol (a tool) is not judged')
    assert.equal(peerProtocolVersion('kos', ['/kos/kos/sync/x.0.0']), null)
  })

  it('a message of another version is refused as such, naming both versions', () => {
    const target = '12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V'
    assert.deepEqual(decodeMessage(encodeMessage({ v: WIRE_VERSION, t: 'probe', target }), probeRequestSchema, 1024), { v: WIRE_VERSION, t: 'probe', target })
    assert.throws(() => decodeMessage(encodeMessage({ v: 1, t: 'probe', target }), probeRequestSchema, 1024),
      (err: unknown) => err instanceof MessageDecodeError && err.reason === 'version' && /version 1, this node speaks version 2/.test(err.message))
  })
})
