/** The event queue: earliest first, and events due at one instant in the order they were scheduled. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EventQueue } from '../src/event-queue.js'
import { createRng } from '../src/random.js'

describe('EventQueue', () => {
  it('pops the earliest event first', () => {
    const q = new EventQueue<string>()
    q.push(30, 'c'); q.push(10, 'a'); q.push(20, 'b')
    assert.deepEqual([q.pop()?.item, q.pop()?.item, q.pop()?.item], ['a', 'b', 'c'])
    assert.equal(q.pop(), undefined)
  })

  it('runs events due at the same time in the order they were pushed', () => {
    const q = new EventQueue<number>()
    for (let i = 0; i < 100; i++) q.push(5, i)
    q.push(1, -1)
    const out: number[] = []
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.item)
    assert.deepEqual(out, [-1, ...Array.from({ length: 100 }, (_, i) => i)])
  })

  it('matches a stable sort by time over random pushes and interleaved pops', () => {
    const rng = createRng(42)
    const q = new EventQueue<number>()
    const reference: Array<{ time: number, id: number }> = []
    const popped: number[] = []
    const expected: number[] = []
    let id = 0
    for (let round = 0; round < 2000; round++) {
      if (rng.chance(0.6) || q.size === 0) {
        const time = rng.int(0, 50) + round
        q.push(time, id); reference.push({ time, id }); id++
      } else {
        const e = q.pop()!
        popped.push(e.item)
        reference.sort((a, b) => a.time - b.time || a.id - b.id)
        expected.push(reference.shift()!.id)
      }
    }
    assert.deepEqual(popped, expected)
  })

  it('reports its size and the time of the next event', () => {
    const q = new EventQueue<string>()
    assert.equal(q.peekTime(), Infinity)
    q.push(7, 'x'); q.push(3, 'y')
    assert.equal(q.size, 2)
    assert.equal(q.peekTime(), 3)
  })

  it('refuses a time that is not finite', () => {
    assert.throws(() => { new EventQueue<string>().push(Number.NaN, 'x') }, RangeError)
  })
})
