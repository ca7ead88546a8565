/**
 * The health status mapping (health/checks.ts, health/resource-checks.ts) as tables: which check
 * gives which status, the overall status is the worst, and the codes of /v1/health, ready and
 * live: 200 when the node does its job, 429 (warning) when degraded, minimal, joining or on a
 * busy machine, 503 only when it cannot do its core job (not running, no storage, its own loop
 * blocked). docs/api.md's table says the same.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { HealthCheck, HealthStatus } from '@kos/client'
import {
  agentsCheck, auditStorageCheck, bootstrapCheck, coordinatorCheck, HEALTH_HTTP_STATUS, healthOf, lifecycleCheck, livenessOf,
  localHealthCheck, readinessOf, stateStorageCheck
} from '../src/health/checks.js'
import { machineCpuCheck, resourcesCheck } from '../src/health/resource-checks.js'
import type { ResourceSnapshot } from '../src/healing/resource-monitor.js'

function snapshot (over: Partial<ResourceSnapshot>): ResourceSnapshot {
  return {
    sampledAtMs: 1000,
    mode: 'normal',
    pressure: 'normal',
    recovery: null,
    values: { cpuPercent: 5, machineCpuPercent: 30, eventLoopDelayMs: 4 },
    levels: { cpuPercent: 'normal' },
    alerts: [],
    machineBusy: false,
    ...over
  }
}

const BLOCKED_MS = 2000

describe('health checks', () => {
  it('each check\'s status, as a table', () => {
    const table: Array<[string, HealthCheck, HealthStatus]> = [
      ['running', lifecycleCheck('running'), 'passing'],
      ['starting', lifecycleCheck('starting'), 'critical'],
      ['leaving', lifecycleCheck('leaving'), 'critical'],
      ['joined', bootstrapCheck({ joined: true, addrs: ['x'], attempts: 1, lastError: null }), 'passing'],
      ['still joining', bootstrapCheck({ joined: false, addrs: ['x'], attempts: 3, lastError: 'refused' }), 'warning'],
      ['coordinator known', coordinatorCheck({ coordinatorId: 'c', term: 2, selfId: 's', voters: ['s', 'c'], quorum: 2 }), 'passing'],
      ['no coordinator', coordinatorCheck({ coordinatorId: null, term: 2, selfId: 's', voters: ['s', 'c', 'd'], quorum: 2 }), 'warning'],
      ['loop responsive', localHealthCheck(false, { delayMs: 30, blockedMs: BLOCKED_MS }), 'passing'],
      ['loop stalled recently', localHealthCheck(true, { delayMs: 450, blockedMs: BLOCKED_MS }), 'warning'],
      ['loop blocked', localHealthCheck(true, { delayMs: 2000, blockedMs: BLOCKED_MS }), 'critical'],
      ['loop not sampled yet', localHealthCheck(false, { delayMs: undefined, blockedMs: BLOCKED_MS }), 'passing'],
      ['audit writes succeed', auditStorageCheck(null), 'passing'],
      ['audit writes fail', auditStorageCheck('ENOSPC'), 'critical'],
      ['state writes succeed', stateStorageCheck(null), 'passing'],
      ['state writes fail', stateStorageCheck('EIO'), 'critical'],
      ['agents fine', agentsCheck({ total: 2, running: 2, failed: 0, quarantined: 0 }), 'passing'],
      ['an agent failed', agentsCheck({ total: 2, running: 1, failed: 1, quarantined: 0 }), 'warning'],
      ['resources normal', resourcesCheck(snapshot({})), 'passing'],
      ['degraded', resourcesCheck(snapshot({ mode: 'degraded', pressure: 'degraded', levels: { cpuPercent: 'degraded' } })), 'warning'],
      ['minimal', resourcesCheck(snapshot({ mode: 'minimal', pressure: 'minimal', levels: { memoryPercent: 'minimal' } })), 'warning'],
      ['recovering', resourcesCheck(snapshot({ mode: 'minimal', recovery: { calmMs: 2000, needMs: 5000 } })), 'warning'],
      ['machine calm', machineCpuCheck(snapshot({})), 'passing'],
      ['machine busy', machineCpuCheck(snapshot({ machineBusy: true, values: { machineCpuPercent: 99, cpuPercent: 3 } })), 'warning'],
      ['machine not sampled', machineCpuCheck(snapshot({ sampledAtMs: null, values: {} })), 'passing']
    ]
    for (const [what, check, status] of table) assert.equal(check.status, status, `${what}: ${JSON.stringify(check)}`)
    assert.equal(resourcesCheck(snapshot({ mode: 'minimal', recovery: { calmMs: 2000, needMs: 5000 } })).output,
      'minimal: recovering, every resource below its exit level (2.0 s of 5.0 s calm before the next step)')
    assert.match(machineCpuCheck(snapshot({ machineBusy: true, values: { machineCpuPercent: 99, cpuPercent: 3 } })).output, /machine CPU 99 % busy, this node's own share of a core 3 %/)
  })

  it('the overall status is the worst check; a degraded or minimal mode is a warning, never critical', () => {
    const ok = lifecycleCheck('running')
    const table: Array<[HealthCheck[], 'normal' | 'degraded' | 'minimal', HealthStatus, 200 | 429 | 503]> = [
      [[ok], 'normal', 'passing', 200],
      [[ok], 'degraded', 'warning', 429],
      [[ok], 'minimal', 'warning', 429],
      [[ok, machineCpuCheck(snapshot({ machineBusy: true }))], 'normal', 'warning', 429],
      [[ok, bootstrapCheck({ joined: false, addrs: ['x'], attempts: 1, lastError: null })], 'normal', 'warning', 429],
      [[ok, auditStorageCheck('ENOSPC'), resourcesCheck(snapshot({ mode: 'minimal' }))], 'minimal', 'critical', 503],
      [[lifecycleCheck('stopped')], 'normal', 'critical', 503],
      [[ok, localHealthCheck(false, { delayMs: 5000, blockedMs: BLOCKED_MS })], 'minimal', 'critical', 503]
    ]
    for (const [checks, mode, status, code] of table) {
      const h = healthOf(checks, mode)
      assert.equal(h.status, status, JSON.stringify(h))
      assert.equal(HEALTH_HTTP_STATUS[h.status], code)
      assert.deepEqual(h.checks.at(-1), { name: 'mode', status: mode === 'normal' ? 'passing' : 'warning', output: mode })
    }
  })

  it('ready answers the health\'s code; live is 503 only when critical, never 429', () => {
    const warning = healthOf([lifecycleCheck('running'), bootstrapCheck({ joined: false, addrs: ['x'], attempts: 2, lastError: 'refused' })], 'normal')
    assert.deepEqual(readinessOf(warning), { httpStatus: 429, body: { ready: true, status: 'warning', reason: 'bootstrap: not joined after 2 attempt(s), retrying: refused' } })
    assert.deepEqual(livenessOf(warning), { httpStatus: 200, body: { live: true, status: 'warning', reason: 'bootstrap: not joined after 2 attempt(s), retrying: refused' } })
    const critical = healthOf([lifecycleCheck('stopped')], 'normal')
    assert.deepEqual(readinessOf(critical), { httpStatus: 503, body: { ready: false, status: 'critical', reason: 'lifecycle: stopped' } })
    assert.deepEqual(livenessOf(critical).httpStatus, 503)
    const passing = healthOf([lifecycleCheck('running')], 'normal')
    assert.deepEqual(readinessOf(passing), { httpStatus: 200, body: { ready: true, status: 'passing', reason: 'passing' } })
    assert.equal(livenessOf(passing).httpStatus, 200)
  })
})
