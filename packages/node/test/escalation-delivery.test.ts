/**
 * Delivery runs (escalation/delivery.ts) over stub targets: failover to the next target within
 * one attempt, cockatiel's backoff retries when every target fails, the breaker that skips a
 * failing target, and a kick that restarts a run waiting in its backoff. Delays are a few ms.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel'
import { DeliveryRuns, type DeliveryHooks } from '../src/escalation/delivery.js'
import { makeEscalation, type Escalation, type EscalationStatus } from '@kos/core'
import type { Target } from '@kos/core'

const ORIGIN = '12D3KooWM1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const peer = (id: string): Target => ({ kind: 'peer', key: `peer:${id}`, peerId: id, role: 'junzi' })
const TUNE = { escalationRetryInitialDelayMs: 5, escalationRetryMaxDelayMs: 20, escalationRetryMaxAttempts: 4, escalationBreakerThreshold: 2, escalationBreakerHalfOpenMs: 60_000 }

function harness (targets: Target[], up: Set<string>, tune = TUNE, sharedBreaker?: DeliveryHooks['sharedBreaker']) {
  const rec = makeEscalation({ id: 'e1', class: 'ethics', severity: 'error', summary: 's' }, ORIGIN, new Date())
  const sent: string[] = []
  let delivered: { to: string, status: EscalationStatus } | undefined
  let exhausted = 0
  let resolveDone = (): void => {}
  const donePromise = new Promise<void>((resolve) => { resolveDone = resolve })
  const hooks: DeliveryHooks = {
    plan: () => targets.filter((t) => !runs.isBroken(t.key)).concat(targets.filter((t) => runs.isBroken(t.key))),
    send: async (t: Target) => { sent.push(t.key); if (!up.has(t.key)) throw new Error('refused'); return 'delivered' },
    pendingRecord: (): Escalation | undefined => delivered === undefined ? rec : undefined,
    onFailed: () => {},
    onDelivered: async (_id, t, status) => { delivered = { to: t.key, status }; resolveDone() },
    onRunExhausted: () => { exhausted++; resolveDone() },
    sharedBreaker
  }
  const runs = new DeliveryRuns(tune, hooks)
  return { runs, sent, done: donePromise, delivered: () => delivered, exhausted: () => exhausted }
}

describe('delivery runs', () => {
  it('fails over to the next target within one attempt', async () => {
    const h = harness([peer('a'), peer('b')], new Set(['peer:b']))
    h.runs.start('e1')
    await h.done
    assert.deepEqual(h.sent, ['peer:a', 'peer:b'])
    assert.equal(h.delivered()?.to, 'peer:b')
  })
  it('backs off and retries when every target fails, then reports the run exhausted', async () => {
    const h = harness([peer('a')], new Set(), { ...TUNE, escalationBreakerThreshold: 100 })
    h.runs.start('e1')
    await h.done
    assert.equal(h.sent.length, 1 + TUNE.escalationRetryMaxAttempts)
    assert.equal(h.exhausted(), 1)
    assert.equal(h.delivered(), undefined)
  })
  it('opens a failing target\'s breaker: it is then skipped without a call', async () => {
    const h = harness([peer('a')], new Set())
    h.runs.start('e1')
    await h.done
    assert.equal(h.sent.length, TUNE.escalationBreakerThreshold, 'calls stop once the breaker opened')
    assert.equal(h.runs.isBroken('peer:a'), true)
    h.runs.reset('peer:a')
    assert.equal(h.runs.isBroken('peer:a'), false)
  })
  it('runs a peer target through the breaker it shares with the node, when given one', async () => {
    const shared = circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(2) })
    const h = harness([peer('a')], new Set(), { ...TUNE, escalationBreakerThreshold: 100 }, () => shared)
    h.runs.start('e1')
    await h.done
    assert.equal(h.sent.length, 2, 'the shared breaker (threshold 2) stopped the calls, not the own one (100)')
    assert.equal(shared.state, CircuitState.Open)
    assert.equal(h.runs.isBroken('peer:a'), false, 'no own breaker was made for the target')
  })
  it('a kick restarts a run at once (an authority came back)', async () => {
    const up = new Set<string>()
    const h = harness([peer('a')], up, { ...TUNE, escalationRetryInitialDelayMs: 60_000, escalationRetryMaxDelayMs: 60_000, escalationBreakerThreshold: 100 })
    h.runs.start('e1')
    while (h.sent.length === 0) await new Promise((resolve) => setImmediate(resolve))
    up.add('peer:a')
    h.runs.kick(['e1'])
    await h.done
    assert.equal(h.delivered()?.to, 'peer:a')
    h.runs.stop()
  })
})
