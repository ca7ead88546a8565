import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { agreedDesignation } from '../src/escalation/designation-agreement.js'

const J = 'A'.repeat(46)
const K = 'B'.repeat(46)
const EVIL = 'C'.repeat(46)
const real = { junzi: [J, K], archon: [] }

describe('agreedDesignation', () => {
  it('adopts the designation a strict majority of those asked gave, whatever the order of ids', () => {
    assert.deepEqual(agreedDesignation([real, { junzi: [K, J], archon: [] }, { junzi: [EVIL], archon: [] }], 3), real)
  })

  it('adopts nothing on one voice among several: one peer cannot name itself an authority', () => {
    assert.equal(agreedDesignation([{ junzi: [EVIL], archon: [] }], 5), undefined)
    assert.equal(agreedDesignation([{ junzi: [EVIL], archon: [] }, real], 3), undefined)
  })

  it('counts the silent and the empty as asked, and against', () => {
    assert.equal(agreedDesignation([real, { junzi: [], archon: [] }], 4), undefined)
    assert.deepEqual(agreedDesignation([real], 1), real)
  })
})
