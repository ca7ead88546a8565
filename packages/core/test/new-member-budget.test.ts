import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ManualClock } from '@kos/detect'
import { NewMemberBudget } from '../src/membership/new-member-budget.js'
import type { MemberSnapshot } from '../src/wire/messages.js'

const snap = (i: number): MemberSnapshot => ({ peerId: `P${i}`, name: `n${i}`, role: 'member', addrs: [], state: 'alive', incarnation: 1 })
const many = (from: number, n: number): MemberSnapshot[] => Array.from({ length: n }, (_, i) => snap(from + i))

describe('NewMemberBudget', () => {
  it('admits every known member and at most perSync new ones per sync', () => {
    const budget = new NewMemberBudget(5, 100, new ManualClock(0))
    const known = new Set(['P0', 'P1'])
    const r = budget.admit(many(0, 12), (id) => known.has(id), 'X')
    assert.equal(r.admitted.length, 7)
    assert.equal(r.refused, 5)
    assert.ok(r.admitted.some((m) => m.peerId === 'P0') && r.admitted.some((m) => m.peerId === 'P1'))
  })

  it('holds one peer to perMinute new members, refilled over the minute, without holding back another', () => {
    const clock = new ManualClock(0)
    const budget = new NewMemberBudget(100, 10, clock)
    const none = (): boolean => false
    assert.equal(budget.admit(many(0, 8), none, 'X').admitted.length, 8)
    assert.equal(budget.admit(many(100, 8), none, 'X').admitted.length, 2)
    assert.equal(budget.admit(many(200, 8), none, 'Y').admitted.length, 8, 'another peer has its own budget')
    clock.advance(30_000)
    assert.equal(budget.admit(many(300, 8), none, 'X').admitted.length, 5)
    clock.advance(120_000)
    assert.equal(budget.admit(many(400, 20), none, 'X').admitted.length, 10)
  })
})
