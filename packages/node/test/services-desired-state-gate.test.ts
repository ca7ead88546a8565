/**
 * Who may write the desired state (services/desired-state-gate.ts): only the coordinator of the
 * term an entry carries, as this node followed it; a term it never followed, only a voter; a term
 * it has not reached, held until it has; an absurd term, never.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MAX_TERM_LEAP } from '@kos/core'
import { DesiredStateGate } from '../src/services/desired-state-gate.js'
import type { DesiredStateEntry } from '../src/services/service-book.js'

let seq = 0
const entry = (origin: string, term: unknown): DesiredStateEntry => ({ origin, seq: ++seq, lamport: seq, type: 'service:removed', subject: 'web', details: { term } })
const voters = ['a', 'b', 'c']

describe('desired-state gate', () => {
  it('admits the coordinator of the entry\'s term and refuses any other member, voter or not', () => {
    const gate = new DesiredStateGate()
    gate.learn(4, 'a')
    assert.equal(gate.admit(entry('a', 4), { term: 5, voters }), 'apply')
    assert.equal(gate.admit(entry('b', 4), { term: 5, voters }), 'not-coordinator')
    assert.equal(gate.admit(entry('x', 4), { term: 5, voters }), 'not-coordinator')
  })

  it('takes a term it never followed only from a voter', () => {
    const gate = new DesiredStateGate()
    assert.equal(gate.admit(entry('b', 2), { term: 5, voters }), 'apply')
    assert.equal(gate.admit(entry('x', 2), { term: 5, voters }), 'not-voter')
  })

  it('refuses an absurd term outright, so no member can pin the desired state with one', () => {
    const gate = new DesiredStateGate()
    assert.equal(gate.admit(entry('a', 5 + MAX_TERM_LEAP + 1), { term: 5, voters }), 'term-bound')
    assert.equal(gate.admit(entry('a', Number.MAX_SAFE_INTEGER), { term: 5, voters }), 'term-bound')
    assert.equal(gate.admit(entry('a', 'seven'), { term: 5, voters }), 'malformed')
    assert.equal(gate.heldCount, 0)
  })

  it('holds a term not reached yet, and decides it once the node follows that term\'s coordinator', () => {
    const gate = new DesiredStateGate()
    const fromNew = entry('c', 6)
    const forged = entry('b', 6)
    assert.equal(gate.admit(fromNew, { term: 5, voters }), 'held')
    assert.equal(gate.admit(forged, { term: 5, voters }), 'held')
    assert.deepEqual(gate.release({ term: 5, voters }), [])
    gate.learn(6, 'c')
    const out = gate.release({ term: 6, voters })
    assert.deepEqual(out.map((r) => [r.entry.origin, r.verdict]), [['c', 'apply'], ['b', 'not-coordinator']])
    assert.equal(gate.heldCount, 0)
  })

  it('holds everything while it knows no voter (a joiner), and decides once it does', () => {
    const gate = new DesiredStateGate()
    assert.equal(gate.admit(entry('b', 2), { term: 0, voters: [] }), 'held')
    assert.equal(gate.admit(entry('x', 2), { term: 3, voters: [] }), 'held')
    assert.deepEqual(gate.release({ term: 3, voters: [] }), [])
    assert.deepEqual(gate.release({ term: 3, voters }).map((r) => [r.entry.origin, r.verdict]), [['b', 'apply'], ['x', 'not-voter']])
  })

  it('bounds what it holds', () => {
    const gate = new DesiredStateGate()
    const verdicts = Array.from({ length: 4100 }, () => gate.admit(entry('a', 9), { term: 5, voters }))
    assert.equal(verdicts.filter((v) => v === 'held').length, 4096)
    assert.equal(verdicts.filter((v) => v === 'held-full').length, 4)
  })

  it('never admits a member that is neither a voter nor the coordinator of the entry\'s term', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.constantFrom('a', 'b', 'c')), { maxLength: 10 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 0, max: 20 }),
      (followed, term, ours) => {
        const gate = new DesiredStateGate()
        for (const [t, c] of followed) gate.learn(t, c)
        const verdict = gate.admit(entry('x', term), { term: ours, voters })
        return verdict !== 'apply'
      }))
  })
})
