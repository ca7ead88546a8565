/** What a message channel lost, and when it says so (net/drop-report.ts). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DropReport } from '../src/net/drop-report.js'

describe('DropReport', () => {
  it('reports a peer\'s first loss at once, then at most once per everyMs, with everything held back since', () => {
    const r = new DropReport(10_000)
    assert.deepEqual(r.add('p', 'queue-full', 1, 0), { 'queue-full': 1, 'stream-failed': 0, 'breaker-open': 0 })
    assert.equal(r.add('p', 'queue-full', 1, 100), null)
    assert.equal(r.add('p', 'breaker-open', 3, 9_999), null)
    assert.deepEqual(r.add('p', 'stream-failed', 2, 10_000), { 'queue-full': 1, 'stream-failed': 2, 'breaker-open': 3 })
    assert.equal(r.add('p', 'queue-full', 1, 10_001), null)
  })

  it('limits each peer on its own', () => {
    const r = new DropReport(10_000)
    assert.notEqual(r.add('p', 'queue-full', 1, 0), null)
    assert.notEqual(r.add('q', 'queue-full', 1, 1), null)
    assert.equal(r.size, 2)
    r.clear()
    assert.equal(r.size, 0)
    assert.notEqual(r.add('p', 'queue-full', 1, 2), null, 'a cleared report starts afresh')
  })

  it('rejects a negative interval', () => {
    assert.throws(() => new DropReport(-1), RangeError)
  })
})
