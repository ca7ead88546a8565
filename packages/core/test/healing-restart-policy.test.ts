/**
 * Restart decisions (healing/restart-policy.ts): the policies, the backoff schedule with its
 * jitter and cap, the reset after a healthy period, and the intensity limit that fails the agent.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { RestartPolicy, backoffDelay, withJitter, RESTART_POLICY_DEFAULTS, type RestartPolicyInit } from '../src/healing/restart-policy.js'

const make = (init: RestartPolicyInit = {}, random = 0.5): { clock: ManualClock, policy: RestartPolicy } => {
  const clock = new ManualClock(0)
  return { clock, policy: new RestartPolicy({ clock, random: () => random }, init) }
}

describe('restart policy', () => {
  it('backoff doubles from 1 s and is capped at 60 s', () => {
    const table: Array<[number, number]> = [[0, 1000], [1, 2000], [2, 4000], [5, 32_000], [6, 60_000], [20, 60_000]]
    for (const [attempt, expected] of table) assert.equal(backoffDelay(attempt, RESTART_POLICY_DEFAULTS), expected, `attempt ${attempt}`)
  })

  it('jitter spreads ±20 % and never exceeds the cap', () => {
    const table: Array<[number, number, number]> = [[1000, 0, 800], [1000, 0.5, 1000], [1000, 0.999, 1200], [60_000, 0.999, 60_000], [60_000, 0, 48_000]]
    for (const [delay, r, expected] of table) assert.equal(withJitter(delay, 0.2, r, 60_000), expected, `${delay} at ${r}`)
  })

  it('what each policy does with a clean exit and a failure', () => {
    const table: Array<[RestartPolicyInit['policy'], number | null, string | null, string]> = [
      ['always', 0, null, 'restart'], ['always', 1, null, 'restart'], ['always', null, 'SIGKILL', 'restart'],
      ['on-failure', 0, null, 'stay-stopped'], ['on-failure', 2, null, 'restart'], ['on-failure', null, 'SIGSEGV', 'restart'],
      ['never', 0, null, 'stay-stopped'], ['never', 1, null, 'stay-stopped']
    ]
    for (const [policy, code, signal, action] of table) {
      const { policy: p } = make({ policy })
      assert.equal(p.onExit(code, signal).action, action, `${policy} ${code} ${signal}`)
    }
  })

  it('successive crashes back off exponentially, spaced out so the intensity limit is not hit', () => {
    const { clock, policy } = make()
    const delays: number[] = []
    for (let i = 0; i < 8; i++) {
      const d = policy.onExit(1, null)
      assert.equal(d.action, 'restart')
      if (d.action === 'restart') delays.push(d.delayMs)
      clock.advance(61_000)
      policy.onStarted()
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000])
    assert.equal(policy.totalRestarts, 8)
  })

  it('a process the supervisor killed is restarted at once the first time, then backs off like a crash', () => {
    const { policy } = make()
    const delays: number[] = []
    for (let i = 0; i < 3; i++) {
      const d = policy.onExit(null, 'SIGKILL', true)
      if (d.action === 'restart') delays.push(d.delayMs)
      policy.onStarted()
    }
    assert.deepEqual(delays, [0, 2000, 4000])
    // After a crash, a kill is not the first restart any more.
    const { policy: p2 } = make()
    p2.onExit(1, null)
    p2.onStarted()
    assert.deepEqual(p2.onExit(null, 'SIGKILL', true), { action: 'restart', delayMs: 2000 })
  })

  it('10 min healthy resets the backoff; a shorter healthy spell does not', () => {
    const { clock, policy } = make()
    policy.onExit(1, null); clock.advance(70_000); policy.onStarted()
    policy.onExit(1, null); clock.advance(70_000); policy.onStarted()
    policy.onHealthy(); clock.advance(599_000)
    assert.deepEqual(policy.onExit(1, null), { action: 'restart', delayMs: 4000 }, 'healthy 9 min 59 s: keeps climbing')
    clock.advance(70_000); policy.onStarted()
    policy.onHealthy(); clock.advance(600_000)
    assert.deepEqual(policy.onExit(1, null), { action: 'restart', delayMs: 1000 }, 'healthy 10 min: starts over')
    assert.equal(policy.backoffAttempt, 1)
  })

  it('the 6th crash within 60 s fails the agent; it then stays failed', () => {
    const { clock, policy } = make()
    for (let i = 0; i < 5; i++) {
      assert.equal(policy.onExit(1, null).action, 'restart', `crash ${i + 1}`)
      clock.advance(5000); policy.onStarted()
    }
    const sixth = policy.onExit(1, null)
    assert.equal(sixth.action, 'fail')
    assert.match(sixth.action === 'fail' ? sixth.reason : '', /5 restarts in 60000 ms/)
    assert.equal(policy.state, 'failed')
    policy.onStarted()
    assert.equal(policy.state, 'failed', 'a stray start does not revive it')
    assert.equal(policy.onExit(1, null).action, 'fail')
  })

  it('restarts older than the window no longer count', () => {
    const { clock, policy } = make({ maxRestarts: 2, intensityWindowMs: 10_000 })
    policy.onExit(1, null); clock.advance(6000); policy.onStarted()
    policy.onExit(1, null); clock.advance(4000); policy.onStarted()
    assert.equal(policy.recentRestarts, 1, 'the first is 10 s old: out of the window')
    assert.equal(policy.onExit(1, null).action, 'restart')
    clock.advance(1000)
    assert.equal(policy.onExit(1, null).action, 'fail')
  })

  it('an operator stop is not restarted; reset starts over, also after failed', () => {
    const { clock, policy } = make({ maxRestarts: 1 })
    policy.onExit(1, null); policy.onStarted()
    assert.equal(policy.onExit(1, null).action, 'fail')
    policy.reset()
    assert.equal(policy.state, 'running')
    assert.deepEqual(policy.onExit(1, null), { action: 'restart', delayMs: 1000 })
    policy.requestStop()
    assert.equal(policy.state, 'stopped', 'stop during the backoff cancels the restart')
    clock.advance(1000); policy.onStarted()
    assert.equal(policy.onExit(null, 'SIGTERM').action, 'stay-stopped')
    assert.deepEqual(policy.lastExit, { code: null, signal: 'SIGTERM', at: 1000 })
  })
})
