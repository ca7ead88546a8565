/** Repeats of one observation folded into fewer audit entries (reactions/repeat-damper.ts, repeating-observations.ts). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RepeatDamper, type Folded } from '../src/reactions/repeat-damper.js'
import { repeatKeyOf } from '../src/reactions/repeating-observations.js'
import { recordInAudit } from '../src/reactions/record-in-audit.js'
import { factRecorder } from '../src/reactions/recorded-once.js'
import { ManualClock } from '@kos/detect'
import type { AuditFields } from '@kos/core'

const WINDOW = 30_000

/**
 * Offers `events` (time, key, value) in order, running the due items as a timer would (or, for
 * `late` steps, a timer that has not fired yet): what is written, when.
 */
function run (events: Array<[number, string, number]>, burst: number, endMs: number, late: ReadonlySet<number> = new Set()): Array<{ at: number, key: string, f: Folded<number> }> {
  const d = new RepeatDamper<number>(WINDOW, burst)
  const out: Array<{ at: number, key: string, f: Folded<number> }> = []
  const keyOf = new Map<number, string>()
  const drain = (until: number): void => {
    for (let due = d.nextDueMs(), n = 0; due !== null && due <= until; due = d.nextDueMs(), n++) {
      assert.ok(n < 1000, 'a due item that never becomes due')
      for (const f of d.takeDue(due)) out.push({ at: due, key: keyOf.get(f.item)!, f })
    }
  }
  for (const [at, key, value] of events) {
    if (!late.has(value)) drain(at)
    keyOf.set(value, key)
    const f = d.offer(key, value, at)
    if (f !== null) out.push({ at, key, f })
  }
  drain(endMs)
  return out
}

describe('the repeat damper', () => {
  it('writes the burst at once, then the latest once a window with the count it stands for', () => {
    // Ten stalls a second apart: three written as they happen, the other seven folded into the last.
    const out = run(Array.from({ length: 10 }, (_, i) => [i * 1000, 'stall', i] as [number, string, number]), 3, 10 * WINDOW)
    assert.deepEqual(out.map((o) => [o.at, o.f.item, o.f.repeated]), [[0, 0, 1], [1000, 1, 1], [2000, 2, 1], [WINDOW, 9, 7]])
  })

  it('keeps keys apart: one flapping observation does not hold back another', () => {
    const events: Array<[number, string, number]> = Array.from({ length: 6 }, (_, i) => [i * 100, 'mode', i])
    events.push([700, 'saturation', 100])
    const out = run(events, 3, 10 * WINDOW)
    assert.deepEqual(out.filter((o) => o.key === 'saturation').map((o) => [o.at, o.f.repeated]), [[700, 1]])
  })

  it('writes every event with a window of 0', () => {
    const d = new RepeatDamper<number>(0, 1)
    for (let i = 0; i < 50; i++) assert.deepEqual(d.offer('k', i, 0), { item: i, repeated: 1 })
    assert.equal(d.nextDueMs(), null)
  })

  it('property: no event is lost, the latest of each key is written, and no key writes more than its budget', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.constantFrom('a', 'b', 'c'), fc.boolean()), { maxLength: 200 }),
      (burst, steps) => {
        let t = 0
        const events = steps.map(([gap, key], i) => { t += gap; return [t, key, i] as [number, string, number] })
        const late = new Set(steps.flatMap(([, , isLate], i) => isLate ? [i] : []))
        const out = run(events, burst, t + 10 * WINDOW, late)
        for (const key of ['a', 'b', 'c']) {
          const offered = events.filter((e) => e[1] === key)
          const written = out.filter((o) => o.key === key)
          // Every event is counted by exactly one entry.
          assert.equal(written.reduce((s, o) => s + o.f.repeated, 0), offered.length)
          // The last entry of a key is its latest event.
          if (offered.length > 0) assert.equal(written.at(-1)!.f.item, offered.at(-1)![2])
          // In any window, at most burst + 1 entries (the burst, and a token earned within it).
          for (const w of written) assert.ok(written.filter((o) => o.at >= w.at && o.at < w.at + WINDOW).length <= burst + 1, `${key}: more than ${burst + 1} in a window`)
          // Entries keep the events' order.
          for (let i = 1; i < written.length; i++) assert.ok(written[i]!.f.item > written[i - 1]!.f.item)
        }
      }
    ), { numRuns: 300 })
  })
})

describe('which audit entries fold', () => {
  const f = (type: string, cls: AuditFields['class'], subject: string, details: AuditFields['details'] = {}): AuditFields => ({ class: cls, type, severity: 'warning', subject, details })

  it("folds a node's own observations and a suspicion, each under its own key", () => {
    assert.equal(repeatKeyOf(f('node:stalled', 'node', 'self')), repeatKeyOf(f('node:stalled', 'node', 'self', { stallMs: 900 })))
    assert.notEqual(repeatKeyOf(f('member:suspect', 'node', 'p1')), repeatKeyOf(f('member:suspect', 'node', 'p2')))
    assert.notEqual(repeatKeyOf(f('healing:detected', 'resource', '', { condition: 'saturation' })), null)
    assert.notEqual(repeatKeyOf(f('healing:detected', 'node', '', { condition: 'mode-minimal' })), repeatKeyOf(f('healing:detected', 'resource', '', { condition: 'saturation' })))
    // Losing the coordinator is one observation, whichever coordinator it was.
    assert.equal(repeatKeyOf(f('coordinator:lost', 'coordinator', 'p1')), repeatKeyOf(f('coordinator:lost', 'coordinator', 'p2')))
    assert.notEqual(repeatKeyOf(f('healing:detected', 'network', 'p1', { condition: 'quorum-lost' })), null)
  })

  it('never folds evidence: cluster facts, elections, agent and ethics detections', () => {
    for (const fields of [
      f('member:dead', 'node', 'p1'), f('member:join', 'node', 'p1'), f('coordinator:elected', 'coordinator', 'p1'),
      f('healing:detected', 'agent', 'crasher', { condition: 'exit' }), f('healing:detected', 'network', 'p1', { condition: 'peer-dead' }), f('healing:detected', 'ethics', 'a', { condition: 'violation' }),
      f('agent:quarantined', 'ethics', 'a'), f('coordinator:quorum-restored', 'coordinator', 'p1'), f('service:replaced', 'coordinator', 'i1')
    ]) assert.equal(repeatKeyOf(fields), null, fields.type)
  })
})

describe('the audit writer folds repeats (record-in-audit.ts)', () => {
  it('writes three stalls at once, folds the next seven into one entry a window later, and never folds a death', async () => {
    const clock = new ManualClock(0)
    const timers: Array<{ at: number, fn: () => void, cancelled: boolean }> = []
    const written: AuditFields[] = []
    const react = recordInAudit({
      selfId: 'self',
      audit: { record: async (f) => { written.push(f); return { origin: 'self', seq: written.length } } },
      recordsHere: factRecorder({ selfId: 'self', election: () => undefined, members: () => [] }),
      escalation: () => undefined,
      election: () => undefined,
      members: () => [],
      repeats: { windowMs: WINDOW, burst: 3 },
      timers: { clock, after: (ms, fn) => { const t = { at: clock.now() + ms, fn, cancelled: false }; timers.push(t); return () => { t.cancelled = true } } }
    })
    const fire = (until: number): void => {
      for (let t = timers.find((x) => !x.cancelled && x.at <= until); t !== undefined; t = timers.find((x) => !x.cancelled && x.at <= until)) {
        t.cancelled = true; clock.advance(t.at - clock.now()); t.fn()
      }
    }
    for (let i = 0; i < 10; i++) {
      fire(i * 1000); clock.advance(i * 1000 - clock.now())
      await react({ type: 'node:stalled', stallMs: 500 + i, holdBackUntilMs: 0 })
      await react({ type: 'member:dead', member: { peerId: `p${i}`, name: `p${i}`, role: 'member', state: 'dead', incarnation: 1, addrs: [], phi: null, lastHeartbeatAgeMs: null, health: null, stateSinceMs: 0 }, by: 'self' })
    }
    const stalls = (): AuditFields[] => written.filter((f) => f.type === 'node:stalled')
    assert.deepEqual(stalls().map((f) => f.details), [{ stallMs: 500 }, { stallMs: 501 }, { stallMs: 502 }])
    assert.equal(written.filter((f) => f.type === 'member:dead').length, 10)
    fire(WINDOW)
    assert.deepEqual(stalls().map((f) => f.details), [{ stallMs: 500 }, { stallMs: 501 }, { stallMs: 502 }, { stallMs: 509, repeated: 7 }])
  })
})
