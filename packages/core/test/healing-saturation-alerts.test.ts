/**
 * Saturation alerts (healing/saturation-alerts.ts): raised at the degraded enter level, cleared
 * only past its exit level, as a table; one alert per episode while a value hovers at the level.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SaturationAlerts, isSaturated } from '../src/healing/saturation-alerts.js'
import { SERVICE_MODE_THRESHOLDS } from '../src/healing/service-mode.js'

describe('saturation alerts', () => {
  it('a resource is saturated from the degraded enter level until it is back past the exit level', () => {
    const cpu = SERVICE_MODE_THRESHOLDS.cpuPercent // degraded 85 / 70
    const loop = SERVICE_MODE_THRESHOLDS.eventLoopDelayMs // degraded 200 / 100
    const disk = SERVICE_MODE_THRESHOLDS.diskFreePercent // degraded 10 / 15, lower is worse
    const table: Array<[typeof cpu, number, boolean, boolean]> = [
      // thresholds, value, was saturated, expected
      [cpu, 84.9, false, false], [cpu, 85, false, true], [cpu, 99, false, true],
      [cpu, 80, true, true], [cpu, 70, true, true], [cpu, 69.9, true, false], [cpu, 80, false, false],
      [loop, 150, false, false], [loop, 200, false, true], [loop, 120, true, true], [loop, 99, true, false],
      [disk, 11, false, false], [disk, 10, false, true], [disk, 14, true, true], [disk, 15, true, true],
      [disk, 15.1, true, false], [disk, 12, false, false]
    ]
    for (const [t, value, was, expected] of table) {
      assert.equal(isSaturated(value, t, was), expected, `${t.worse} ${value} (was ${String(was)})`)
    }
  })

  it('raises once per episode, clears with the exit level, and ignores missing values', () => {
    const alerts = new SaturationAlerts()
    assert.deepEqual(alerts.update({ cpuPercent: 50, eventLoopDelayMs: 5, diskFreePercent: 60, memoryPercent: 40 }), [])
    assert.deepEqual(alerts.update({ eventLoopDelayMs: 250, diskFreePercent: 9 }), [
      { resource: 'eventLoopDelayMs', value: 250, threshold: 200, state: 'raised' },
      { resource: 'diskFreePercent', value: 9, threshold: 10, state: 'raised' }
    ])
    // Hovering around the enter level raises nothing more.
    for (const v of [190, 210, 150, 205]) assert.deepEqual(alerts.update({ eventLoopDelayMs: v }), [])
    assert.deepEqual(alerts.update({}), [])
    assert.deepEqual(alerts.active.map((a) => a.resource), ['eventLoopDelayMs', 'diskFreePercent'])
    assert.deepEqual(alerts.update({ eventLoopDelayMs: 80, diskFreePercent: 14 }), [
      { resource: 'eventLoopDelayMs', value: 80, threshold: 100, state: 'cleared' }
    ])
    assert.deepEqual(alerts.active, [{ resource: 'diskFreePercent', value: 9, threshold: 10, state: 'raised' }])
  })

  it('takes its thresholds from the caller, like the service mode', () => {
    const alerts = new SaturationAlerts({ cpuPercent: { worse: 'above', degraded: { enter: 50, exit: 40 }, minimal: { enter: 90, exit: 80 } } })
    assert.deepEqual(alerts.update({ cpuPercent: 55 }), [{ resource: 'cpuPercent', value: 55, threshold: 50, state: 'raised' }])
  })
})
