/** When a health summary is news (health-change.ts): a table of changes, and the rate bound. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { HealthSummary } from '../src/vocabulary/index.js'
import { HEALTH_REFRESH_INTERVALS, healthChanged, healthGossipDue, healthNews, healthRefreshMs, MAX_REFRESHES_PER_SECOND } from '../src/membership/health-change.js'

const BASE: HealthSummary = {
  name: 'a', role: 'member', incarnation: 3, version: '1.0.0', uptimeMs: 1000, cpuPercent: 5, machineCpuPercent: 20, rssBytes: 100_000_000,
  heapUsedBytes: 40_000_000, eventLoopDelayP99Ms: 12, mode: 'normal', agents: { total: 2, running: 2, failed: 0, quarantined: 0 },
  services: [{ service: 'web', id: 'web-1', generation: 1, ready: true, state: 'running', sinceMs: 5 }]
}

describe('healthChanged', () => {
  const cases: Array<[string, Partial<HealthSummary>, boolean]> = [
    ['nothing', {}, false],
    ['uptime only', { uptimeMs: 999_999 }, false],
    ['CPU by 9 points', { cpuPercent: 14 }, false],
    ['CPU by 10 points', { cpuPercent: 15 }, true],
    ['machine CPU by 10 points', { machineCpuPercent: 30 }, true],
    ['memory by 20 %', { rssBytes: 120_000_000 }, false],
    ['memory by 30 %', { rssBytes: 130_000_000 }, true],
    ['loop delay by 60 ms', { eventLoopDelayP99Ms: 72 }, true],
    ['mode', { mode: 'degraded' }, true],
    ['incarnation', { incarnation: 4 }, true],
    ['zone', { zone: 'eu-1' }, true],
    ['version', { version: '1.0.1' }, true],
    ['an agent failed', { agents: { total: 2, running: 1, failed: 1, quarantined: 0 } }, true],
    ['the detail left out (degraded)', { cpuPercent: undefined, rssBytes: undefined, agents: undefined }, false],
    ['a service became ready', { services: [{ ...BASE.services![0]!, ready: false }] }, true],
    ['a service placed', { services: [...BASE.services!, { service: 'web', id: 'web-2', generation: 1, ready: false, state: 'starting', sinceMs: 9 }] }, true]
  ]
  for (const [name, change, news] of cases) {
    it(`${name}: ${news ? 'news' : 'not news'}`, () => {
      assert.equal(healthChanged(BASE, { ...BASE, ...change }), news)
    })
  }
  it('a change of state (mode, agents, services) is news of state; figures are news of figures', () => {
    assert.equal(healthNews(BASE, { ...BASE, mode: 'degraded' }), 'state')
    assert.equal(healthNews(BASE, { ...BASE, services: [] }), 'state')
    assert.equal(healthNews(BASE, { ...BASE, agents: { total: 3, running: 3, failed: 0, quarantined: 0 } }), 'state')
    assert.equal(healthNews(BASE, { ...BASE, cpuPercent: 50 }), 'figures')
    assert.equal(healthNews(BASE, { ...BASE, uptimeMs: 5 }), null)
  })
})

describe('healthGossipDue', () => {
  it('gossips at once when nothing was or the state changed, figures once an interval, and refreshes', () => {
    const table: Array<[number | null, number, 'state' | 'figures' | null, boolean]> = [
      [null, 0, null, true],
      [0, 1000, 'state', true],
      [0, 29_999, 'figures', false],
      [0, 30_000, 'figures', true],
      [0, 30_000, null, false],
      [0, HEALTH_REFRESH_INTERVALS * 30_000 - 1, null, false],
      [0, HEALTH_REFRESH_INTERVALS * 30_000, null, true]
    ]
    for (const [last, now, news, due] of table) assert.equal(healthGossipDue(last, now, 30_000, news), due, `${String(last)} ${now} ${String(news)}`)
  })

  it('refreshes an unchanged summary less often in a large cluster: all of them within MAX_REFRESHES_PER_SECOND', () => {
    assert.equal(healthRefreshMs(30_000, 1000), 300_000, 'ten intervals up to 3,000 members')
    assert.equal(healthRefreshMs(30_000, 3000), 300_000)
    assert.equal(healthRefreshMs(30_000, 10_000), 1_000_000)
    for (const n of [10, 1000, 3001, 10_000, 100_000]) assert.ok(n / (healthRefreshMs(30_000, n) / 1000) <= MAX_REFRESHES_PER_SECOND, `N = ${n}`)
    assert.equal(healthGossipDue(0, 300_000, 30_000, null, 10_000), false, 'not after five minutes at 10,000 members')
    assert.equal(healthGossipDue(0, 1_000_000, 30_000, null, 10_000), true)
    assert.equal(healthGossipDue(0, 30_000, 30_000, 'figures', 10_000), true, 'news is not held back')
  })
})
