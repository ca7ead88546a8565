/**
 * DueQueue: the lazy calendar queue behind the membership tick. An item comes out once its earliest
 * live key has passed, at most once per scheduling.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { seededRandom } from '@kos/detect'
import { DueQueue } from '../src/membership/due-queue.js'

interface Item { name: string, queuedAtMs: number }
const item = (name: string): Item => ({ name, queuedAtMs: Infinity })
const popNames = (q: DueQueue<Item>, now: number): string[] => { const out: Item[] = []; q.popDue(now, out); return out.map((i) => i.name).sort() }

describe('DueQueue', () => {
  it('pops an item once its key has passed, and only once', () => {
    const q = new DueQueue<Item>()
    const a = item('a'); const b = item('b')
    q.schedule(a, 10); q.schedule(b, 20)
    assert.deepEqual(popNames(q, 9), [])
    assert.deepEqual(popNames(q, 10), ['a'])
    assert.deepEqual(popNames(q, 100), ['b'])
    assert.deepEqual(popNames(q, 1000), [])
  })

  it('keeps the earliest key: scheduling later is a no-op, earlier takes over', () => {
    const q = new DueQueue<Item>()
    const a = item('a')
    q.schedule(a, 50)
    q.schedule(a, 80)
    assert.deepEqual(popNames(q, 50), ['a'])
    q.schedule(a, 50)
    q.schedule(a, 20)
    assert.deepEqual(popNames(q, 20), ['a'])
    assert.deepEqual(popNames(q, 60), [], 'the stale entry at 50 does not pop it again')
  })

  it('never queues an item at Infinity (nothing can become due)', () => {
    const q = new DueQueue<Item>()
    q.schedule(item('b'), Infinity)
    assert.equal(q.entries, 0)
    assert.deepEqual(popNames(q, Number.MAX_VALUE), [])
  })

  it('pops exactly the items whose earliest key is due, for random schedules', () => {
    const random = seededRandom(11)
    const q = new DueQueue<Item>()
    const items = Array.from({ length: 50 }, (_, i) => item(`i${i}`))
    const earliest = new Map<Item, number>()
    let now = 0
    for (let step = 0; step < 2000; step++) {
      const it = items[Math.floor(random() * items.length)]!
      const at = now + Math.floor(random() * 100)
      q.schedule(it, at)
      earliest.set(it, Math.min(earliest.get(it) ?? Infinity, at))
      if (step % 10 === 0) {
        now += Math.floor(random() * 30)
        const expected = [...earliest].filter(([, t]) => t <= now).map(([i]) => i.name).sort()
        for (const [i, t] of [...earliest]) if (t <= now) earliest.delete(i)
        assert.deepEqual(popNames(q, now), expected)
      }
    }
  })
})

describe('DueQueue far keys', () => {
  it('pops keys a day ahead at their time, among near ones, without a bucket each', () => {
    const q = new DueQueue<Item>()
    const near = item('near'); const reap = item('reap'); const later = item('later')
    assert.deepEqual(popNames(q, 0), [])
    q.schedule(reap, 86_400_000)
    q.schedule(near, 2500)
    q.schedule(later, 90_000)
    assert.deepEqual(popNames(q, 2499), [])
    assert.deepEqual(popNames(q, 2500), ['near'])
    assert.deepEqual(popNames(q, 89_999), [])
    assert.deepEqual(popNames(q, 90_000), ['later'])
    q.schedule(reap, 100_000) // earlier: the far entry goes stale
    assert.deepEqual(popNames(q, 100_000), ['reap'])
    assert.deepEqual(popNames(q, 86_400_000), [], 'the stale far entry does not pop it again')
    assert.equal(q.entries, 0)
  })
})
