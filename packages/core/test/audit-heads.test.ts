/**
 * The pure parts of audit replication: the Lamport clock, the heads diff with bounded batches
 * and fork detection, and the group-commit queue (docs/design/audit.md, issue #4 "head/vector diff,
 * batch pull"). Table tests; no storage, no time.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GroupCommit } from '../src/audit/group-commit.js'
import { diffHeads, forkAt, headsSchema, splitRange, type Heads } from '../src/audit/heads.js'
import { LamportClock } from '../src/audit/lamport.js'

const h = (c: string): string => c.repeat(64)
const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const C = '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'

describe('LamportClock', () => {
  it('ticks for local events and jumps past observed times', () => {
    const c = new LamportClock()
    assert.equal(c.tick(), 1)
    assert.equal(c.tick(), 2)
    c.observe(10)
    assert.equal(c.now(), 10)
    assert.equal(c.tick(), 11)
    c.observe(5)
    assert.equal(c.tick(), 12, 'an older time does not move the clock back')
  })

  it('ignores observed values that are not safe non-negative integers', () => {
    const c = new LamportClock(3)
    for (const v of [Number.NaN, Infinity, 1e300, 2.5, -1]) c.observe(v)
    assert.equal(c.now(), 3)
    assert.throws(() => new LamportClock(-1), RangeError)
    assert.throws(() => new LamportClock(Number.MAX_SAFE_INTEGER).tick(), RangeError)
  })
})

describe('diffHeads', () => {
  const opts = { maxBatch: 100, maxRanges: 100 }

  it('pulls what the peer has beyond my heads, per origin, from seq 1 for an unknown origin', () => {
    const mine: Heads = { [A]: { seq: 5, hash: h('a') }, [B]: { seq: 7, hash: h('b') } }
    const theirs: Heads = { [A]: { seq: 8, hash: h('1') }, [B]: { seq: 7, hash: h('b') }, [C]: { seq: 3, hash: h('c') } }
    const d = diffHeads(mine, theirs, opts)
    assert.deepEqual(d.pull, [{ origin: A, fromSeq: 6, toSeq: 8 }, { origin: C, fromSeq: 1, toSeq: 3 }])
    assert.deepEqual(d.forks, [])
    assert.deepEqual(d.check, [])
    assert.equal(d.truncated, false)
  })

  it('pulls nothing from a peer that is equal or behind, and lists its lower heads to check', () => {
    const mine: Heads = { [A]: { seq: 9, hash: h('a') }, [B]: { seq: 2, hash: h('b') } }
    const d = diffHeads(mine, { [A]: { seq: 4, hash: h('4') }, [B]: { seq: 2, hash: h('b') } }, opts)
    assert.deepEqual(d.pull, [])
    assert.deepEqual(d.check, [{ origin: A, seq: 4, hash: h('4') }])
    assert.deepEqual(diffHeads(mine, {}, opts).pull, [])
  })

  it('reports a fork at the same seq and never plans to overwrite it', () => {
    const d = diffHeads({ [A]: { seq: 4, hash: h('a') } }, { [A]: { seq: 4, hash: h('f') } }, opts)
    assert.deepEqual(d.forks, [{ origin: A, seq: 4, mine: h('a'), theirs: h('f') }])
    assert.deepEqual(d.pull, [])
    assert.deepEqual(forkAt(A, 4, h('a'), h('a')), null)
    assert.deepEqual(forkAt(A, 4, h('a'), h('f')), { origin: A, seq: 4, mine: h('a'), theirs: h('f') })
  })

  it('splits ranges into batches of at most maxBatch entries', () => {
    assert.deepEqual(splitRange(A, 1, 250, 100), [
      { origin: A, fromSeq: 1, toSeq: 100 }, { origin: A, fromSeq: 101, toSeq: 200 }, { origin: A, fromSeq: 201, toSeq: 250 }
    ])
    assert.deepEqual(splitRange(A, 5, 5, 100), [{ origin: A, fromSeq: 5, toSeq: 5 }])
    assert.deepEqual(splitRange(A, 6, 5, 100), [])
    assert.throws(() => splitRange(A, 1, 2, 0), RangeError)
    const d = diffHeads({}, { [A]: { seq: 1000, hash: h('a') } }, { maxBatch: 256, maxRanges: 100 })
    assert.deepEqual(d.pull.map((r) => [r.fromSeq, r.toSeq]), [[1, 256], [257, 512], [513, 768], [769, 1000]])
  })

  it('takes batches round-robin over origins and stops at maxRanges', () => {
    const theirs: Heads = { [A]: { seq: 30, hash: h('a') }, [B]: { seq: 10, hash: h('b') }, [C]: { seq: 25, hash: h('c') } }
    const d = diffHeads({}, theirs, { maxBatch: 10, maxRanges: 5 })
    assert.deepEqual(d.pull.map((r) => `${r.origin.slice(8, 9)}${r.fromSeq}-${r.toSeq}`), ['A1-10', 'B1-10', 'C1-10', 'A11-20', 'C11-20'])
    assert.equal(d.truncated, true)
    const all = diffHeads({}, theirs, { maxBatch: 10, maxRanges: 7 })
    assert.deepEqual(all.pull.map((r) => `${r.origin.slice(8, 9)}${r.fromSeq}-${r.toSeq}`), ['A1-10', 'B1-10', 'C1-10', 'A11-20', 'C11-20', 'A21-30', 'C21-25'])
    assert.equal(all.truncated, false, 'exactly filled is not truncated')
  })

  it('validates heads from a peer', () => {
    assert.ok(headsSchema.safeParse({ [A]: { seq: 1, hash: h('a') } }).success)
    assert.equal(headsSchema.safeParse({ [A]: { seq: 0, hash: h('a') } }).success, false)
    assert.equal(headsSchema.safeParse({ [A]: { seq: 1, hash: 'zz' } }).success, false)
    assert.equal(headsSchema.safeParse({ 'not a peer': { seq: 1, hash: h('a') } }).success, false)
    assert.equal(headsSchema.safeParse({ [A]: { seq: 1, hash: h('a'), extra: 1 } }).success, false)
  })
})

describe('GroupCommit', () => {
  it('gathers a synchronous burst into one flush and items arriving during a flush into the next', async () => {
    const flushed: number[][] = []
    let release: (() => void) | null = null
    const gc = new GroupCommit<number, number>(async (items) => {
      flushed.push(items)
      if (flushed.length === 1) await new Promise<void>((resolve) => { release = resolve })
      return items.map((i) => i * 10)
    }, { maxBatch: 100, maxQueue: 1000, onFull: () => new Error('full') })
    const first = [1, 2, 3].map(async (i) => await gc.submit(i))
    await new Promise((resolve) => setImmediate(resolve))
    const later = [4, 5].map(async (i) => await gc.submit(i))
    assert.equal(gc.queued, 2)
    ;(release as unknown as () => void)()
    assert.deepEqual(await Promise.all([...first, ...later]), [10, 20, 30, 40, 50])
    assert.deepEqual(flushed, [[1, 2, 3], [4, 5]])
    assert.equal(gc.batches, 2)
  })

  it('caps batches at maxBatch, refuses past maxQueue, and rejects a failed batch only', async () => {
    let calls = 0
    const gc = new GroupCommit<number, number>(async (items) => {
      calls++
      if (calls === 1) throw new Error('disk full')
      return items
    }, { maxBatch: 2, maxQueue: 3, onFull: (n) => Object.assign(new Error(`full at ${n}`), { name: 'QueueFull' }) })
    const p = [1, 2, 3].map(async (i) => await gc.submit(i))
    await assert.rejects(gc.submit(4), { name: 'QueueFull' })
    const settled = await Promise.allSettled(p)
    assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected', 'fulfilled'])
    assert.equal(gc.batches, 2)
    assert.equal(await gc.submit(5), 5, 'later batches still run')
    assert.throws(() => new GroupCommit(async (i) => i, { maxBatch: 0, maxQueue: 1, onFull: () => new Error() }), RangeError)
  })
})
