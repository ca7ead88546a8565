/**
 * Load shedding (api/load-shedding.ts) by injection: unmarked routes get 503 `overloaded` with a
 * Retry-After while shedding, routes marked essential never do; the API's own routes pinned as a
 * table; and a node degraded by (scripted) resource pressure answers /v1/health 429, sheds while
 * the pressure lasts, and serves again (still 429) while it only waits out its calm period.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import Fastify from 'fastify'
import { ESSENTIAL, registerLoadShedding } from '../src/api/load-shedding.js'
import { buildApi } from '../src/api/server.js'
import type { HealthResponse } from '@kos/client'
import { stubApiDeps } from './helpers/api-deps.js'
import { LAN_DEFAULTS } from '../src/config/profiles.js'
import { ResourceMonitor, type IntervalTimer } from '../src/healing/resource-monitor.js'
import { resourcesCheck } from '../src/health/resource-checks.js'
import type { ResourceSamplers } from '../src/healing/resource-samplers.js'

describe('load shedding', () => {
  it('sheds unmarked routes with 503 overloaded and Retry-After, never essential ones, and only while active', async () => {
    const app = Fastify()
    const state = { active: true, reason: 'service mode degraded (eventLoopDelayMs 250)' }
    let handled = 0
    app.get('/work', async () => { handled++; return { ok: true } })
    app.post('/essential', { config: ESSENTIAL }, async () => ({ ok: true }))
    // Registered after the routes, as the node does on the app buildApi returns.
    registerLoadShedding(app, { shedding: () => state, retryAfterSeconds: 29.5 })

    assert.equal((await app.inject({ method: 'POST', url: '/work' })).statusCode, 404, 'an unknown route is a 404, not shed')
    const refused = await app.inject({ url: '/work' })
    assert.equal(refused.statusCode, 503)
    assert.equal(refused.headers['retry-after'], '30')
    assert.deepEqual(refused.json(), { error: { code: 'overloaded', message: 'the node is overloaded and sheds non-essential work (service mode degraded (eventLoopDelayMs 250)); retry in 30 s' } })
    assert.equal(handled, 0, 'the handler never ran')
    assert.equal((await app.inject({ method: 'HEAD', url: '/work' })).statusCode, 503)
    assert.equal((await app.inject({ method: 'POST', url: '/essential' })).statusCode, 200)

    state.active = false
    assert.equal((await app.inject({ url: '/work' })).statusCode, 200)
    assert.equal(handled, 1)
  })

  it('the API routes: membership, health, the audit log and escalation are essential; a full audit verify is shed', async () => {
    const app = buildApi(stubApiDeps())
    registerLoadShedding(app, { shedding: () => ({ active: true, reason: 'test' }), retryAfterSeconds: 60 })
    const table: Array<[method: 'GET' | 'POST', url: string, essential: boolean]> = [
      ['GET', '/v1/node', true], ['GET', '/v1/peers', true], ['GET', '/v1/peers/someone', true],
      ['GET', '/v1/coordinator', true], ['GET', '/v1/health', true], ['GET', '/v1/health/live', true],
      ['GET', '/v1/health/ready', true], ['GET', '/metrics', true], ['POST', '/v1/join', true], ['POST', '/v1/leave', true],
      ['POST', '/v1/audit', true], ['GET', '/v1/audit', true], ['GET', '/v1/audit/verify', false],
      ['GET', '/v1/escalations', true], ['GET', '/v1/escalations/x', true], ['POST', '/v1/escalations', true],
      ['POST', '/v1/escalations/x/ack', true], ['POST', '/v1/escalations/x/resolve', true]
    ]
    for (const [method, url, essential] of table) {
      const res = await app.inject({ method, url })
      const overloaded = res.statusCode === 503 && res.json().error?.code === 'overloaded'
      assert.equal(overloaded, !essential, `${method} ${url} answered ${res.statusCode} ${res.body}`)
    }
  })

  it('a node degraded by resource pressure answers /v1/health 429 and sheds; calm again, it serves at once and is 200 after the calm period', async () => {
    const clock = new ManualClock(0)
    const pressure = { delayMs: 5 }
    const samplers: ResourceSamplers = {
      cpu: () => ({ machinePercent: 10, loopUtilizationPercent: 10, processPercent: 10 }),
      memoryPercent: () => 30,
      eventLoopDelayMs: () => pressure.delayMs,
      diskFreePercent: () => 50,
      networkBytes: () => undefined
    }
    const timer: IntervalTimer = { every: () => () => {} }
    const config = { ...LAN_DEFAULTS.resources, recoverAfterMs: 3000 }
    const monitor = new ResourceMonitor({ clock, samplers, timer }, config)
    // The node's health: its other checks (passing here) and the resources' line, worst wins.
    const health = (): HealthResponse => {
      const check = resourcesCheck(monitor.snapshot())
      return { status: check.status, mode: monitor.mode, checks: [{ name: 'lifecycle', status: 'passing', output: 'running' }, check] }
    }
    const app = buildApi(stubApiDeps({ health }))
    registerLoadShedding(app, { shedding: () => monitor.shedding(), retryAfterSeconds: 5 })

    await monitor.sampleNow()
    assert.equal((await app.inject({ url: '/v1/health' })).statusCode, 200)
    pressure.delayMs = 300
    clock.advance(1000)
    await monitor.sampleNow()
    const degraded = await app.inject({ url: '/v1/health' })
    assert.equal(degraded.statusCode, 429)
    assert.deepEqual(degraded.json().checks[1], { name: 'resources', status: 'warning', output: 'degraded: eventLoopDelayMs 300 (degraded)' })
    assert.equal((await app.inject({ url: '/v1/audit/verify' })).statusCode, 503)
    pressure.delayMs = 5
    clock.advance(1000)
    await monitor.sampleNow()
    const waiting = await app.inject({ url: '/v1/health' })
    assert.equal(waiting.statusCode, 429, 'still degraded while it waits out its calm period')
    assert.deepEqual(waiting.json().checks[1], { name: 'resources', status: 'warning', output: 'degraded: recovering, every resource below its exit level (0.0 s of 3.0 s calm before the next step)' })
    assert.equal((await app.inject({ url: '/v1/audit/verify' })).statusCode, 200, 'waiting for calm sheds nothing')
    clock.advance(3000)
    await monitor.sampleNow()
    assert.equal(monitor.mode, 'normal')
    assert.equal((await app.inject({ url: '/v1/health' })).statusCode, 200)
    assert.equal((await app.inject({ url: '/v1/audit/verify' })).statusCode, 200)
  })
})
