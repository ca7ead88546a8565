/** The outbox and inbox state machines (escalation/outbox.ts, inbox.ts): pure, time passed in. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Inbox } from '../src/escalation/inbox.js'
import { Outbox } from '../src/escalation/outbox.js'
import { incidentId, makeEscalation } from '../src/escalation/escalation-record.js'

const ORIGIN = '12D3KooWM1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const J1 = '12D3KooWJ1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const t = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s))
const record = (id = 'e1') => makeEscalation({ id, class: 'ethics', severity: 'critical', summary: 'agent lied' }, ORIGIN, t(0))

describe('outbox', () => {
  it('pending → delivered(to) → acked → resolved, each step once', () => {
    const o = new Outbox()
    assert.equal(o.add(record(), t(0)).created, true)
    assert.deepEqual(o.pending().map((i) => i.record.id), ['e1'])
    o.attemptFailed('e1', 'refused', t(1))
    o.attemptFailed('e1', 'timeout', t(2))
    const d = o.delivered('e1', J1, 'delivered', t(3))
    assert.equal(d?.item.status, 'delivered')
    assert.equal(d?.item.deliveredTo, J1)
    assert.equal(d?.item.attempts, 2)
    assert.equal(d?.item.lastError, null)
    assert.equal(o.pending().length, 0)
    assert.equal(o.delivered('e1', 'other', 'delivered', t(4)), null, 'a second delivery changes nothing')
    assert.equal(o.notice('e1', 'acked', J1, t(5))?.item.status, 'acked')
    assert.equal(o.notice('e1', 'acked', J1, t(6)), null)
    assert.equal(o.notice('e1', 'resolved', J1, t(7))?.item.status, 'resolved')
    assert.equal(o.notice('e1', 'acked', J1, t(8)), null, 'a late ack never undoes a resolve')
    assert.equal(o.get('e1')?.updatedAt, t(7).toISOString())
  })
  it('is idempotent on the id: a repeated add returns the held item', () => {
    const o = new Outbox()
    o.add(record(), t(0))
    o.delivered('e1', J1, 'delivered', t(1))
    const again = o.add(record(), t(2))
    assert.equal(again.created, false)
    assert.equal(again.item.status, 'delivered')
  })
  it('takes a delivery answered with the authority\'s later status (re-sent after an ack)', () => {
    const o = new Outbox()
    o.add(record(), t(0))
    const d = o.delivered('e1', J1, 'acked', t(1))
    assert.equal(d?.item.status, 'acked')
    assert.equal(d?.from, 'pending')
  })
  it('counts failures only while pending, and ignores unknown ids', () => {
    const o = new Outbox()
    assert.equal(o.attemptFailed('nope', 'x', t(0)), undefined)
    assert.equal(o.notice('nope', 'acked', J1, t(0)), null)
    o.add(record(), t(0))
    o.delivered('e1', J1, 'delivered', t(1))
    assert.equal(o.attemptFailed('e1', 'x', t(2)), undefined)
  })
  it('lists pending items oldest first (the order delivery resumes after a restart)', () => {
    const o = new Outbox()
    o.add(makeEscalation({ id: 'b', class: 'node', severity: 'error', summary: 's' }, ORIGIN, t(5)), t(5))
    o.add(makeEscalation({ id: 'a', class: 'node', severity: 'error', summary: 's' }, ORIGIN, t(1)), t(1))
    assert.deepEqual(o.pending().map((i) => i.record.id), ['a', 'b'])
  })
})

describe('inbox', () => {
  it('dedupes by id, and ack/resolve stay unnotified until the sender confirms', () => {
    const i = new Inbox()
    assert.equal(i.receive(record(), ORIGIN, t(0)).created, true)
    assert.equal(i.receive(record(), ORIGIN, t(1)).created, false)
    assert.equal(i.size, 1)
    assert.equal(i.unnotified().length, 0)
    assert.equal(i.advance('e1', 'acked', t(2))?.status, 'acked')
    assert.deepEqual(i.unnotified().map((x) => x.record.id), ['e1'])
    assert.equal(i.notified('e1', 'delivered'), null, 'a confirmation of an older status does not count')
    assert.equal(i.notified('e1', 'acked')?.notified, true)
    assert.equal(i.advance('e1', 'acked', t(3)), null)
    assert.equal(i.advance('e1', 'resolved', t(4))?.notified, false)
    assert.equal(i.advance('unknown', 'acked', t(5)), null)
  })
})

describe('incident ids', () => {
  it('are the same for the same incident and differ otherwise', () => {
    assert.equal(incidentId('member-dead', 'p', 3), incidentId('member-dead', 'p', 3))
    assert.notEqual(incidentId('member-dead', 'p', 3), incidentId('member-dead', 'p', 4))
    assert.match(incidentId('member-dead', 'p', 3), /^member-dead-[0-9a-f]{32}$/)
  })
})
