/**
 * The audit retention policy as a pure function (retention.ts): by age, by count across origins
 * oldest first, never an origin's head, bounded by the budget, and asking for a longer window
 * rather than guessing. Table-driven, no store and no time.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { planRetention, type ChainWindow, type RetentionPlan, type RetentionPolicy } from '../src/audit/retention.js'

/** A window over a whole chain 1..ts.length (the last is the head), with no checkpoint. */
function chain (origin: string, ts: number[], opts: Partial<ChainWindow> = {}): ChainWindow {
  const base = opts.base ?? 0
  const next = ts.slice(0, -1).map((t, i) => ({ seq: base + i + 1, ts: t }))
  return { origin, base, headSeq: base + ts.length, next, complete: true, ...opts }
}

const entriesOf = (ws: ChainWindow[]): number => ws.reduce((n, w) => n + w.headSeq - w.base, 0)
const summary = (p: RetentionPlan): Record<string, number> => Object.fromEntries(p.drops.map((d) => [d.origin, d.throughSeq]))

interface Row {
  name: string
  windows: ChainWindow[]
  now?: number
  policy: RetentionPolicy
  budget?: number
  drops: Record<string, number>
  stop: RetentionPlan['stop']
  origin?: string
}

const OFF: RetentionPolicy = { maxAgeMs: 0, maxEntries: 0 }

const rows: Row[] = [
  { name: 'policy off: nothing goes', windows: [chain('A', [1, 2, 3])], policy: OFF, drops: {}, stop: 'done' },
  { name: 'age: entries older than now - maxAge go', windows: [chain('A', [100, 200, 300, 400, 500])], now: 1000, policy: { maxAgeMs: 750, maxEntries: 0 }, drops: { A: 2 }, stop: 'done' },
  { name: 'age: the head stays however old', windows: [chain('A', [100, 200, 300])], now: 10_000, policy: { maxAgeMs: 1, maxEntries: 0 }, drops: { A: 2 }, stop: 'done' },
  { name: 'age: a lone head stays', windows: [chain('A', [100])], now: 10_000, policy: { maxAgeMs: 1, maxEntries: 0 }, drops: {}, stop: 'done' },
  { name: 'age: stops at the first younger entry (clock stepped back after it)', windows: [chain('A', [100, 900, 200, 1000])], now: 1000, policy: { maxAgeMs: 500, maxEntries: 0 }, drops: { A: 1 }, stop: 'done' },
  { name: 'age: across origins', windows: [chain('A', [100, 200, 900]), chain('B', [150, 600, 700])], now: 1000, policy: { maxAgeMs: 500, maxEntries: 0 }, drops: { A: 2, B: 1 }, stop: 'done' },
  { name: 'count: the oldest go first across origins', windows: [chain('A', [1, 3, 5, 7]), chain('B', [2, 4, 6, 8])], policy: { maxAgeMs: 0, maxEntries: 5 }, drops: { A: 2, B: 1 }, stop: 'done' },
  { name: 'count: under the limit nothing goes', windows: [chain('A', [1, 3]), chain('B', [2, 4])], policy: { maxAgeMs: 0, maxEntries: 4 }, drops: {}, stop: 'done' },
  { name: 'count: heads stay even above the limit', windows: [chain('A', [1, 3]), chain('B', [2, 4]), chain('C', [5])], policy: { maxAgeMs: 0, maxEntries: 1 }, drops: { A: 1, B: 1 }, stop: 'done' },
  { name: 'count: equal times break by origin', windows: [chain('B', [1, 9]), chain('A', [1, 9])], policy: { maxAgeMs: 0, maxEntries: 3 }, drops: { A: 1 }, stop: 'done' },
  { name: 'age and count: the larger prefix goes', windows: [chain('A', [100, 200, 300, 400, 500])], now: 1000, policy: { maxAgeMs: 850, maxEntries: 2 }, drops: { A: 3 }, stop: 'done' },
  { name: 'budget: stops with more due', windows: [chain('A', [1, 3, 5, 7]), chain('B', [2, 4, 6, 8])], policy: { maxAgeMs: 0, maxEntries: 2 }, budget: 3, drops: { A: 2, B: 1 }, stop: 'budget' },
  { name: 'budget 0: nothing goes', windows: [chain('A', [1, 3, 5])], policy: { maxAgeMs: 0, maxEntries: 1 }, budget: 0, drops: {}, stop: 'budget' },
  {
    name: 'window: asks for more of a chain before going past what it has read',
    windows: [chain('A', [1, 2, 3, 4, 5], { next: [{ seq: 1, ts: 1 }], complete: false }), chain('B', [10, 20, 30])],
    policy: { maxAgeMs: 0, maxEntries: 1 },
    drops: { A: 1 },
    stop: 'window',
    origin: 'A'
  },
  {
    name: 'window: an unread chain is read before anything goes',
    windows: [chain('A', [1, 2, 3], { next: [], complete: false }), chain('B', [10, 20, 30])],
    now: 1000,
    policy: { maxAgeMs: 1, maxEntries: 0 },
    drops: {},
    stop: 'window',
    origin: 'A'
  },
  {
    name: 'leftovers below a checkpoint go first, whatever the policy',
    windows: [{ origin: 'A', base: 5, headSeq: 9, next: [{ seq: 2, ts: 1 }, { seq: 3, ts: 1 }, { seq: 6, ts: 900 }, { seq: 7, ts: 950 }], complete: true }],
    now: 1000,
    policy: { maxAgeMs: 60_000, maxEntries: 0 },
    drops: { A: 3 },
    stop: 'done'
  }
]

describe('planRetention', () => {
  for (const r of rows) {
    it(r.name, () => {
      const plan = planRetention(r.windows, entriesOf(r.windows), r.now ?? 0, r.policy, r.budget ?? 1000)
      assert.deepEqual(summary(plan), r.drops)
      assert.equal(plan.stop, r.stop)
      assert.equal(plan.origin, r.origin)
      assert.equal(plan.total, plan.drops.reduce((n, d) => n + d.count, 0))
    })
  }

  it('counts each drop as the entries it removes from the window', () => {
    const w = [chain('A', [1, 3, 5, 7]), chain('B', [2, 4, 6, 8])]
    const plan = planRetention(w, entriesOf(w), 0, { maxAgeMs: 0, maxEntries: 3 }, 1000)
    assert.deepEqual(plan.drops, [{ origin: 'A', throughSeq: 3, count: 3 }, { origin: 'B', throughSeq: 2, count: 2 }])
    assert.equal(plan.total, 5)
  })
})
