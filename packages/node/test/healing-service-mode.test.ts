/**
 * Service mode (healing/service-mode.ts): each resource's level with hysteresis as a table, and
 * the node's mode on a scripted clock: it worsens at once, relaxes one step per calm period, and
 * does not flap around a threshold.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { ServiceModeMachine, SERVICE_MODE_THRESHOLDS, resourceLevel, type ServiceMode } from '../src/healing/service-mode.js'

describe('service mode', () => {
  it('a resource level moves up at the enter levels and down only past the exit levels', () => {
    const cpu = SERVICE_MODE_THRESHOLDS.cpuPercent
    const disk = SERVICE_MODE_THRESHOLDS.diskFreePercent
    const table: Array<[typeof cpu, number, ServiceMode, ServiceMode]> = [
      // thresholds, value, previous, expected
      [cpu, 50, 'normal', 'normal'], [cpu, 84, 'normal', 'normal'], [cpu, 85, 'normal', 'degraded'],
      [cpu, 75, 'degraded', 'degraded'], [cpu, 70, 'degraded', 'degraded'], [cpu, 69, 'degraded', 'normal'],
      [cpu, 96, 'normal', 'minimal'], [cpu, 90, 'minimal', 'minimal'], [cpu, 84, 'minimal', 'degraded'], [cpu, 60, 'minimal', 'normal'],
      [disk, 50, 'normal', 'normal'], [disk, 10, 'normal', 'degraded'], [disk, 12, 'degraded', 'degraded'],
      [disk, 16, 'degraded', 'normal'], [disk, 2, 'normal', 'minimal'], [disk, 4, 'minimal', 'minimal'], [disk, 6, 'minimal', 'degraded']
    ]
    for (const [t, value, previous, expected] of table) {
      assert.equal(resourceLevel(value, t, previous), expected, `${t.worse} ${value} from ${previous}`)
    }
  })

  it('worsens at once, names the cause, and relaxes one step per 60 s of calm', () => {
    const clock = new ManualClock(0)
    const m = new ServiceModeMachine(clock)
    assert.equal(m.update({ cpuPercent: 40, memoryPercent: 50, eventLoopDelayMs: 5, diskFreePercent: 60 }), null)
    assert.deepEqual(m.update({ memoryPercent: 97 }), { from: 'normal', to: 'minimal', causes: ['memoryPercent'] })
    const changes: Array<[number, ServiceMode]> = []
    while (clock.now() < 200_000) {
      clock.advance(5000)
      const c = m.update({ memoryPercent: 50 })
      if (c !== null) changes.push([clock.now(), c.to])
    }
    assert.deepEqual(changes, [[65_000, 'degraded'], [125_000, 'normal']])
  })

  it('a value hovering at a threshold does not flap', () => {
    const clock = new ManualClock(0)
    const m = new ServiceModeMachine(clock)
    const seen: ServiceMode[] = []
    for (let i = 0; i < 100; i++) {
      clock.advance(1000)
      const c = m.update({ eventLoopDelayMs: i % 2 === 0 ? 210 : 150 })
      if (c !== null) seen.push(c.to)
    }
    assert.deepEqual(seen, ['degraded'])
  })

  it('a brief lull does not relax; the worst resource decides; a missing value keeps its level', () => {
    const clock = new ManualClock(0)
    const m = new ServiceModeMachine(clock, { recoverAfterMs: 30_000 })
    assert.equal(m.update({ cpuPercent: 90, diskFreePercent: 2 })?.to, 'minimal')
    assert.deepEqual(m.resourceLevels, { cpuPercent: 'degraded', diskFreePercent: 'minimal' })
    clock.advance(20_000)
    assert.equal(m.update({ diskFreePercent: 40 }), null, 'cpu is still degraded: calm below minimal starts now')
    clock.advance(20_000)
    assert.equal(m.update({ diskFreePercent: 40, cpuPercent: 97 }), null, 'back to minimal level: the calm period resets')
    clock.advance(20_000)
    assert.equal(m.update({ cpuPercent: 50 }), null)
    clock.advance(29_000)
    assert.equal(m.update({}), null, 'missing values: levels kept')
    clock.advance(1000)
    assert.deepEqual(m.update({}), { from: 'minimal', to: 'degraded', causes: [] })
  })
})
