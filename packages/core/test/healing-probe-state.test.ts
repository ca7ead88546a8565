/**
 * Probe semantics (healing/probe-state.ts) on a scripted clock: the startup
 * probe gates the others, liveness failures restart, readiness flips ready/not-ready by its
 * thresholds, late results are timeouts, and a restart starts the grace period over.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { ProbeState, type ProbeKind, type ProbeOutcome, type ProbeSet, type ProbeTransition } from '../src/healing/probe-state.js'

/** Runs whatever is due, answering each kind from `answer`, until `untilMs`; returns the transitions. */
function run (clock: ManualClock, p: ProbeState, untilMs: number, answer: (kind: ProbeKind) => ProbeOutcome, stepMs = 1000): ProbeTransition[] {
  const out: ProbeTransition[] = []
  while (clock.now() < untilMs) {
    for (const r of p.due()) out.push(...p.onResult(r.kind, answer(r.kind)))
    clock.advance(stepMs)
  }
  return out
}

const types = (ts: ProbeTransition[]): string[] => ts.map((t) => t.type)

describe('probe state', () => {
  it('no probes at all: ready as soon as the process starts', () => {
    const p = new ProbeState(new ManualClock(0), {})
    assert.deepEqual(types(p.onProcessStarted()), ['started', 'ready'])
    assert.deepEqual(p.due(), [])
  })

  it('the initial delay is the startup grace; probes then run every period', () => {
    const clock = new ManualClock(0)
    const p = new ProbeState(clock, { liveness: { initialDelayMs: 5000, periodMs: 2000 } })
    p.onProcessStarted()
    const at: number[] = []
    while (clock.now() < 12_000) {
      for (const r of p.due()) { at.push(r.startedAt); p.onResult(r.kind, 'success') }
      clock.advance(500)
    }
    assert.deepEqual(at, [5000, 7000, 9000, 11_000])
  })

  it('liveness: restart only after failureThreshold consecutive failures', () => {
    const table: Array<[ProbeOutcome[], boolean]> = [
      [['failure', 'failure'], false],
      [['failure', 'failure', 'failure'], true],
      [['failure', 'failure', 'success', 'failure', 'failure'], false],
      [['timeout', 'failure', 'timeout'], true]
    ]
    for (const [outcomes, restarts] of table) {
      const clock = new ManualClock(0)
      const p = new ProbeState(clock, { liveness: { periodMs: 1000 } })
      p.onProcessStarted()
      const out: ProbeTransition[] = []
      for (const o of outcomes) {
        for (const r of p.due()) out.push(...p.onResult(r.kind, o))
        clock.advance(1000)
      }
      assert.equal(types(out).includes('restart'), restarts, outcomes.join(','))
    }
    const clock = new ManualClock(0)
    const p = new ProbeState(clock, { liveness: { periodMs: 1000 } })
    p.onProcessStarted()
    const out = run(clock, p, 10_000, () => 'failure')
    assert.deepEqual(out, [{ type: 'not-ready', reason: 'liveness probe failed (3 consecutive)' }, { type: 'restart', reason: 'liveness probe failed (3 consecutive)' }])
    assert.equal(p.nextWakeAt(), null, 'nothing runs until the new process starts')
  })

  it('an inconclusive run (this node stalled) counts neither way, and the next run is at its time', () => {
    const clock = new ManualClock(0)
    const p = new ProbeState(clock, { liveness: { periodMs: 1000 } })
    p.onProcessStarted()
    const started: number[] = []
    const restartsAfter: boolean[] = []
    for (const o of ['failure', 'failure', 'inconclusive', 'failure'] as const) {
      const out: ProbeTransition[] = []
      for (const r of p.due()) {
        started.push(r.startedAt)
        if (o === 'inconclusive') p.onInconclusive(r.kind)
        else out.push(...p.onResult(r.kind, o))
      }
      restartsAfter.push(types(out).includes('restart'))
      clock.advance(1000)
    }
    assert.deepEqual(started, [0, 1000, 2000, 3000])
    // Not a failure (no restart at the third run), not a success either (the streak goes on).
    assert.deepEqual(restartsAfter, [false, false, false, true])
  })

  it('readiness: ready after successThreshold successes, out of service after failureThreshold failures, no restart', () => {
    const clock = new ManualClock(0)
    const p = new ProbeState(clock, { readiness: { periodMs: 1000, successThreshold: 2, failureThreshold: 2 } })
    assert.deepEqual(types(p.onProcessStarted()), ['started'])
    let healthy = true
    const out = run(clock, p, 10_000, () => healthy ? 'success' : 'failure')
    assert.deepEqual(types(out), ['ready'])
    assert.equal(p.ready, true)
    healthy = false
    const down = run(clock, p, 20_000, () => healthy ? 'success' : 'failure')
    assert.deepEqual(down, [{ type: 'not-ready', reason: 'readiness probe failed (2 consecutive)' }])
    healthy = true
    assert.deepEqual(types(run(clock, p, 30_000, () => 'success')), ['ready'])
  })

  it('the startup probe gates liveness and readiness, and its failures restart', () => {
    const clock = new ManualClock(0)
    const probes: ProbeSet = { startup: { periodMs: 1000, failureThreshold: 30 }, liveness: { periodMs: 1000 }, readiness: { periodMs: 1000 } }
    const p = new ProbeState(clock, probes)
    p.onProcessStarted()
    const kinds: ProbeKind[] = []
    let startedUp = false
    const out = run(clock, p, 20_000, (kind) => { kinds.push(kind); return kind === 'startup' && !startedUp ? 'failure' : 'success' })
    assert.deepEqual(out, [])
    assert.ok(kinds.every((k) => k === 'startup'), 'liveness never runs before startup succeeds (slow start is not a crash)')
    startedUp = true
    assert.deepEqual(types(run(clock, p, 25_000, () => 'success')), ['started', 'ready'])
    const q = new ProbeState(clock, probes)
    q.onProcessStarted()
    assert.equal(types(run(clock, q, clock.now() + 40_000, () => 'failure')).at(-1), 'restart', '30 s without starting: restart')
  })

  it('a result after the timeout is a failure; a result for a run not in flight is ignored', () => {
    const clock = new ManualClock(0)
    const p = new ProbeState(clock, { readiness: { periodMs: 1000, timeoutMs: 500, failureThreshold: 1 } })
    p.onProcessStarted()
    assert.deepEqual(types(run(clock, p, 3000, () => 'success')), ['ready'])
    const [r] = p.due()
    assert.deepEqual(r, { kind: 'readiness', startedAt: 3000, deadlineAt: 3500 })
    assert.equal(p.nextWakeAt(), 3500)
    clock.advance(600)
    assert.deepEqual(p.onResult('readiness', 'success'), [{ type: 'not-ready', reason: 'readiness probe timed out (1 consecutive)' }])
    assert.deepEqual(p.onResult('readiness', 'success'), [], 'a duplicate report')
    assert.deepEqual(p.onResult('liveness', 'failure'), [], 'a probe that is not configured')
  })

  it('a restart and a stop take the agent out of service and start the grace over', () => {
    const clock = new ManualClock(0)
    const p = new ProbeState(clock, { readiness: { initialDelayMs: 3000, periodMs: 1000 } })
    p.onProcessStarted()
    run(clock, p, 5000, () => 'success')
    assert.equal(p.ready, true)
    assert.deepEqual(p.onProcessStarted(), [{ type: 'not-ready', reason: 'restarted' }, { type: 'started' }])
    assert.equal(p.nextWakeAt(), 8000)
    assert.deepEqual(p.onProcessStopped(), [])
    assert.deepEqual(p.due(), [])
  })
})
