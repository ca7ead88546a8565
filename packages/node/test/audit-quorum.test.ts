/**
 * `ack=quorum` counts the election's voter set (issue 21): a majority of the voters must hold
 * the entry, whoever else is alive. Acks from non-voters never make a quorum; on a minority
 * side the wait times out; a voter set changed while an append waits is judged as it is now.
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { AuditQuorumTimeoutError, AuditReplication, AuditStore, REPLICATION_DEFAULTS } from '@kos/core'
import { tempDb, type TempDb } from './helpers/audit-fixtures.js'

let t: TempDb
let clock: ManualClock
let rep: AuditReplication

beforeEach(async () => {
  t = await tempDb()
  clock = new ManualClock(0)
  rep = new AuditReplication({
    self: 'S',
    store: await AuditStore.open(t.db),
    transport: { broadcast: () => {}, send: () => {} },
    clock,
    random: () => 0.5,
    yieldNow: async () => {},
    options: { ...REPLICATION_DEFAULTS, syncIntervalMs: 1000, quorumTimeoutMs: 2000 }
  })
})
afterEach(async () => { rep.stop(); await t.cleanup() })

/** Whether the promise settled, and how. */
async function state (p: Promise<void>): Promise<'pending' | 'resolved' | 'rejected'> {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending'
  p.then(() => { s = 'resolved' }, () => { s = 'rejected' })
  await new Promise((resolve) => setImmediate(resolve))
  return s
}

const ack = (from: string, seq: number): void => { rep.receive(from, { kind: 'ack', origin: 'S', seq }) }

describe('ack=quorum: a majority of the voter set', () => {
  it('waits for a voter: acks from any number of non-voters count for nothing', async () => {
    rep.setAlive(['A', 'B', 'C', 'X', 'Y'])
    rep.setVoters(['S', 'X', 'Y'])
    const p = rep.awaitQuorum(1)
    ack('A', 1); ack('B', 1); ack('C', 1)
    assert.equal(await state(p), 'pending', 'three non-voters hold it: no quorum of S, X, Y')
    ack('X', 1)
    assert.equal(await state(p), 'resolved')
  })

  it('a node that does not vote needs a majority of the voters besides itself', async () => {
    rep.setAlive(['X', 'Y', 'Z'])
    rep.setVoters(['X', 'Y', 'Z'])
    const p = rep.awaitQuorum(1)
    ack('X', 1)
    assert.equal(await state(p), 'pending', 'one of three voters')
    ack('Z', 2)
    assert.equal(await state(p), 'resolved')
  })

  it('on a minority side times out with quorum_timeout, even when every member it sees holds the entry', async () => {
    // Five voters; this side sees only itself and one other, which acknowledges.
    rep.setVoters(['S', 'V', 'W', 'X', 'Y'])
    rep.setAlive(['V'])
    const p = rep.awaitQuorum(1)
    const settled = p.catch((err: unknown) => err)
    ack('V', 1)
    assert.equal(await state(p), 'pending')
    clock.advance(1999)
    rep.tick()
    assert.equal(await state(p), 'pending')
    clock.advance(1)
    rep.tick()
    const err = await settled
    assert.ok(err instanceof AuditQuorumTimeoutError)
    assert.match(err.message, /held by 2 of the 3 voters a quorum of 5 needs after 2000 ms/)
  })

  it('judges a wait against the voter set as it is when the acks arrive', async () => {
    rep.setVoters(['S', 'X', 'Y', 'Z', 'W'])
    const p = rep.awaitQuorum(1)
    ack('X', 1)
    assert.equal(await state(p), 'pending', '2 of 5')
    rep.setVoters(['S', 'X', 'Y'])
    assert.equal(await state(p), 'resolved', '2 of 3')
  })
})
