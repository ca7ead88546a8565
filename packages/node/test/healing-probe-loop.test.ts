/**
 * The probe loop (healing/probe-loop.ts) with its I/O stubbed: results that fail while this node
 * stalled are inconclusive, failures on time count, and results of a stopped generation drop.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { ProbeLoop } from '../src/healing/probe-loop.js'
import type { ProbeResult } from '../src/healing/probe-runner.js'
import { ProbeState, type ProbeTransition } from '../src/healing/probe-state.js'
import type { ProbeSpec } from '../src/healing/agent-spec.js'

const SPEC: ProbeSpec = { http: 'http://127.0.0.1:1/healthz', initialDelayMs: 0, periodMs: 1000, timeoutMs: 500, failureThreshold: 2, successThreshold: 1 }

/** A loop whose runs resolve when the test says, after moving the clock as the test says. */
function setup (stalled = false): { clock: ManualClock, loop: ProbeLoop, answer: (r: ProbeResult, atMs: number) => Promise<void>, transitions: ProbeTransition[] } {
  const clock = new ManualClock(0)
  const state = new ProbeState(clock, { liveness: SPEC })
  const transitions: ProbeTransition[] = []
  const pending: Array<(r: ProbeResult) => void> = []
  const loop = new ProbeLoop(state, { liveness: SPEC }, {}, clock, (t) => { transitions.push(...t) },
    { recently: () => stalled, thresholdMs: 400 },
    async () => await new Promise<ProbeResult>((resolve) => { pending.push(resolve) }))
  state.onProcessStarted()
  loop.start()
  const answer = async (r: ProbeResult, atMs: number): Promise<void> => {
    // The loop's own timer starts the run; wait for it, then answer at the given time.
    for (let i = 0; i < 100 && pending.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5))
    clock.advance(atMs - clock.now())
    pending.shift()!(r)
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { clock, loop, answer, transitions }
}

describe('probe loop', () => {
  it('counts a timeout reported on time (one of the two in a row that restart)', async () => {
    const { loop, answer, transitions } = setup()
    await answer({ outcome: 'timeout', detail: 't' }, 500)
    assert.equal(loop.last.liveness?.outcome, 'timeout')
    loop.stop()
    assert.deepEqual(transitions, [])
  })

  it('a failure handled long past its deadline is inconclusive: this node stalled, not the agent', async () => {
    const { loop, answer } = setup()
    await answer({ outcome: 'timeout', detail: 'no answer within 500 ms' }, 500 + 900)
    assert.equal(loop.last.liveness?.outcome, 'inconclusive')
    assert.match(loop.last.liveness?.detail ?? '', /not counted/)
    loop.stop()
  })

  it('a failure while membership holds back for our own stall is inconclusive; a success still counts', async () => {
    const { loop, answer } = setup(true)
    await answer({ outcome: 'failure', detail: 'HTTP 500' }, 100)
    assert.equal(loop.last.liveness?.outcome, 'inconclusive')
    loop.stop()
    const ok = setup(true)
    await ok.answer({ outcome: 'success', detail: 'HTTP 200' }, 100)
    assert.equal(ok.loop.last.liveness?.outcome, 'success')
    ok.loop.stop()
  })

  it('drops a result that arrives after stop (the process was replaced)', async () => {
    const clock = new ManualClock(0)
    const state = new ProbeState(clock, { liveness: SPEC })
    let resolveRun: (r: ProbeResult) => void = () => {}
    const loop = new ProbeLoop(state, { liveness: SPEC }, {}, clock, () => {}, { recently: () => false, thresholdMs: 400 },
      async () => await new Promise<ProbeResult>((resolve) => { resolveRun = resolve }))
    state.onProcessStarted()
    loop.start()
    for (let i = 0; i < 100 && loop.last.liveness === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (i === 2) { loop.stop(); resolveRun({ outcome: 'failure', detail: 'x' }) }
    }
    assert.equal(loop.last.liveness, undefined)
  })
})
