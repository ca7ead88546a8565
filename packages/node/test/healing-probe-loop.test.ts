/**
 * The probe loop (healing/probe-loop.ts) with its I/O stubbed: results that fail while this node
 * stalled are inconclusive, failures on time count, and results of a stopped generation drop.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { ProbeLoop } from '../src/healing/probe-loop.js'
import type { ProbeResult } from '../src/healing/probe-runner.js'
import { ProbeState, type ProbeTransition } from '@kos/core'
import type { ProbeSpec } from '../src/config/agent-spec.js'

const SPEC: ProbeSpec = { http: 'http://127.0.0.1:1/healthz', initialDelayMs: 0, periodMs: 1000, timeoutMs: 500, failureThreshold: 2, successThreshold: 1 }

/** One run the loop started: the test settles it. */
interface Run { resolve: (r: ProbeResult) => void, promise: Promise<ProbeResult> }

/** Polls `condition` every 5 ms, failing after a generous deadline (the loop's timer is a real one). */
async function until (condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A loop whose runs resolve when the test says, after moving the clock as the test says. */
function setup (stalled = false): { clock: ManualClock, loop: ProbeLoop, nextRun: () => Promise<Run>, answer: (r: ProbeResult, atMs: number) => Promise<void>, transitions: ProbeTransition[] } {
  const clock = new ManualClock(0)
  const state = new ProbeState(clock, { liveness: SPEC })
  const transitions: ProbeTransition[] = []
  const pending: Run[] = []
  // The run's own promise is returned (no async wrapper), so the loop's result handler is the
  // first callback on it: a test that awaits the same promise resumes after the handler ran.
  const loop = new ProbeLoop(state, { liveness: SPEC }, {}, clock, (t) => { transitions.push(...t) },
    { recently: () => stalled, thresholdMs: 400 },
    () => {
      let resolve: (r: ProbeResult) => void = () => {}
      const promise = new Promise<ProbeResult>((r) => { resolve = r })
      pending.push({ resolve, promise })
      return promise
    })
  state.onProcessStarted()
  loop.start()
  /** The loop's own timer starts the run: waits for it. */
  const nextRun = async (): Promise<Run> => {
    await until(() => pending.length > 0, 'the loop to start a probe run')
    return pending.shift()!
  }
  const answer = async (r: ProbeResult, atMs: number): Promise<void> => {
    const run = await nextRun()
    clock.advance(atMs - clock.now())
    run.resolve(r)
    await run.promise
  }
  return { clock, loop, nextRun, answer, transitions }
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
    const { loop, nextRun } = setup()
    const run = await nextRun()
    loop.stop()
    run.resolve({ outcome: 'failure', detail: 'x' })
    await run.promise
    assert.equal(loop.last.liveness, undefined)
  })
})
