import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Inbox } from '../src/escalation/inbox.js'
import type { Escalation } from '../src/escalation/escalation-record.js'

function record (id: string, origin: string): Escalation {
  return { id, origin, class: 'node', severity: 'error', subject: 's', summary: 'x', evidence: [], createdAt: '2026-12-07T00:00:00.000Z' } as unknown as Escalation
}

describe('an authority\'s inbox', () => {
  it('counts what each sender has open, resolved items aside', () => {
    const inbox = new Inbox()
    inbox.receive(record('a1', 'A'), 'A', new Date(1000))
    inbox.receive(record('a2', 'A'), 'A', new Date(2000))
    inbox.receive(record('b1', 'B'), 'B', new Date(3000))
    inbox.advance('a1', 'resolved', new Date(4000))
    assert.equal(inbox.openFrom('A'), 1)
    assert.equal(inbox.openFrom('B'), 1)
    assert.equal(inbox.openFrom('C'), 0)
  })

  it('forgets the item resolved longest ago whose sender was told, and never an open one', () => {
    const inbox = new Inbox()
    for (const [id, t] of [['x', 1000], ['y', 2000], ['z', 3000]] as const) inbox.receive(record(id, 'A'), 'A', new Date(t))
    assert.equal(inbox.evictOne(), undefined, 'all open')
    inbox.advance('y', 'resolved', new Date(5000))
    inbox.advance('z', 'resolved', new Date(4000))
    assert.equal(inbox.evictOne(), undefined, 'the senders have not confirmed the news yet')
    inbox.notified('y', 'resolved')
    inbox.notified('z', 'resolved')
    assert.equal(inbox.evictOne(), 'z')
    assert.equal(inbox.evictOne(), 'y')
    assert.equal(inbox.evictOne(), undefined)
    assert.equal(inbox.size, 1)
  })
})
