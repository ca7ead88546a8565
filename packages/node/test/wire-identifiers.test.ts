/**
 * Peer ids and addresses that libp2p cannot parse are refused by the schemas (wire/identifiers.ts).
 * Each case is a counterexample the fuzzer found (test/fuzz): before, the decoders accepted them,
 * and one sync or gossip notice naming such a member made the membership tick throw and stopped
 * the node.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encode } from 'cborg'
import { decodeEntry } from '@kos/core'
import { decodeDirect } from '@kos/core'
import { authoritiesSchema } from '@kos/core'
import { answerSchema, decodeEscalationMessage as decodeEscalation } from '@kos/core'
import { isMultiaddrString, isPeerIdString } from '@kos/core'
import { electionEnvelopeSchema } from '@kos/core'
import { decodeMessage, MessageDecodeError, noticeSchema, syncSchema } from '@kos/core'
import { buildChain, seededSigner } from './helpers/audit-fixtures.js'

const PEER = '12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V'
/** Base58 of a peer id's length that is no multihash: "Incorrect length" from libp2p. */
const NOT_A_PEER_ID = '1'.repeat(32)
/** A peer id with its multihash prefix changed by one character: libp2p cannot read it either. */
const BENT_PEER_ID = '13D3KooWSfMx5BpXVMrzyfMGHVLQe6UWNWX13ZBPLDmVoAKZ4oun'

function schemaFailure (fn: () => unknown): string {
  try { fn() } catch (err) { assert.ok(err instanceof MessageDecodeError, String(err)); return err.reason }
  assert.fail('expected a MessageDecodeError')
}

const member = (peerId: string, addrs: string[]): object => ({ peerId, name: 'x', role: 'member', addrs, state: 'alive', incarnation: 1 })

describe('peer ids and addresses from the wire', () => {
  it('the predicates follow libp2p', () => {
    assert.equal(isPeerIdString(PEER), true)
    assert.equal(isPeerIdString(NOT_A_PEER_ID), false)
    assert.equal(isPeerIdString(BENT_PEER_ID), false)
    assert.equal(isMultiaddrString('/ip4/127.0.0.1/tcp/4001'), true)
    assert.equal(isMultiaddrString(`/ip4/10.0.0.2/tcp/4002/p2p/${PEER}`), true)
    for (const bad of ['/hp4/127.0.0.1/tcp/4001', '/\u0000p4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/99999', '/ip4/999.0.0.1/tcp/1']) {
      assert.equal(isMultiaddrString(bad), false, bad)
    }
  })

  it('a sync naming a member whose peer id or address libp2p cannot parse is refused whole', () => {
    const ok = { v: 2, t: 'sync', members: [member(PEER, ['/ip4/127.0.0.1/tcp/1'])] }
    assert.deepEqual(decodeMessage(encode(ok), syncSchema, 1 << 22), ok)
    assert.equal(schemaFailure(() => decodeMessage(encode({ ...ok, members: [member(NOT_A_PEER_ID, [])] }), syncSchema, 1 << 22)), 'schema')
    assert.equal(schemaFailure(() => decodeMessage(encode({ ...ok, members: [member(PEER, ['/hp4/127.0.0.1/tcp/4001'])] }), syncSchema, 1 << 22)), 'schema')
  })

  it('so is a gossip notice', () => {
    const notice = { v: 2, t: 'notice', state: 'alive', target: PEER, incarnation: 1, name: 'x', role: 'member', addrs: ['/\u0000p4/127.0.0.1/tcp/4001'] }
    assert.equal(schemaFailure(() => decodeMessage(encode(notice), noticeSchema, 16_384)), 'schema')
    assert.equal(schemaFailure(() => decodeMessage(encode({ ...notice, addrs: [], target: BENT_PEER_ID }), noticeSchema, 16_384)), 'schema')
  })

  it('and a voter set, a heads message, an audit entry, an authorities answer', async () => {
    const election = { v: 2, t: 'election', m: { type: 'heartbeat', term: 1, sentAt: 0 }, config: { term: 1, version: 1, voters: [PEER, BENT_PEER_ID] } }
    assert.equal(schemaFailure(() => decodeMessage(encode(election), electionEnvelopeSchema, 65_536)), 'schema')
    assert.equal(schemaFailure(() => decodeDirect(encode({ kind: 'heads', heads: { [BENT_PEER_ID]: { seq: 1, hash: 'f'.repeat(64) } } }))), 'schema')
    const [entry] = await buildChain(await seededSigner(7), 1)
    assert.equal(schemaFailure(() => decodeEntry(encode({ ...entry, origin: NOT_A_PEER_ID }))), 'schema')
    const answer = new TextEncoder().encode(JSON.stringify({ ok: true, authorities: { junzi: [BENT_PEER_ID], archon: [] } }))
    assert.throws(() => decodeEscalation(answer, answerSchema), /not a libp2p peer id/)
    assert.equal(authoritiesSchema.safeParse({ junzi: [NOT_A_PEER_ID], archon: [] }).success, false)
  })
})
