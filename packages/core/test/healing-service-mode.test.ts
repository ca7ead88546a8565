/**
 * Service mode (healing/service-mode.ts): each resource's level with hysteresis as a table, and
 * the node's mode on a scripted clock: it worsens at once, relaxes one step per calm period
 * (normal again within 15 s of calm, even from minimal), a sample back at an exit level restarts
 * the wait, and a value hovering at a threshold does not flap.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { DEFAULT_RECOVER_AFTER_MS, ServiceModeMachine, SERVICE_MODE_THRESHOLDS, resourceLevel, type ResourceSample, type ServiceMode } from '../src/healing/service-mode.js'

const CALM: ResourceSample = { cpuPercent: 20, memoryPercent: 50, eventLoopDelayMs: 5, diskFreePercent: 60 }

/** Feeds `sample` once a second until `untilMs`; returns the changes as [time, mode]. */
function feed (clock: ManualClock, m: ServiceModeMachine, untilMs: number, sample: ResourceSample | ((t: number) => ResourceSample)): Array<[number, ServiceMode]> {
  const changes: Array<[number, ServiceMode]> = []
  while (clock.now() < untilMs) {
    clock.advance(1000)
    const c = m.update(typeof sample === 'function' ? sample(clock.now()) : sample)
    if (c !== null) changes.push([clock.now(), c.to])
  }
  return changes
}

describe('service mode', () => {
  it('a resource level moves up at the enter levels and, in a worse mode, down only past that mode\'s exit levels', () => {
    const cpu = SERVICE_MODE_THRESHOLDS.cpuPercent
    const disk = SERVICE_MODE_THRESHOLDS.diskFreePercent
    const table: Array<[typeof cpu, number, ServiceMode, ServiceMode]> = [
      // thresholds, value, the node's current mode, expected level
      [cpu, 50, 'normal', 'normal'], [cpu, 84, 'normal', 'normal'], [cpu, 85, 'normal', 'degraded'],
      [cpu, 75, 'degraded', 'degraded'], [cpu, 70, 'degraded', 'degraded'], [cpu, 69, 'degraded', 'normal'],
      [cpu, 96, 'normal', 'minimal'], [cpu, 90, 'minimal', 'minimal'], [cpu, 84, 'minimal', 'degraded'], [cpu, 60, 'minimal', 'normal'],
      [disk, 50, 'normal', 'normal'], [disk, 10, 'normal', 'degraded'], [disk, 12, 'degraded', 'degraded'],
      [disk, 16, 'degraded', 'normal'], [disk, 2, 'normal', 'minimal'], [disk, 4, 'minimal', 'minimal'], [disk, 6, 'minimal', 'degraded']
    ]
    for (const [t, value, current, expected] of table) {
      assert.equal(resourceLevel(value, t, current), expected, `${t.worse} ${value} in ${current}`)
    }
  })

  it('worsens at once, naming the cause; from minimal it is normal within 15 s of calm, one step per calm period', () => {
    assert.equal(DEFAULT_RECOVER_AFTER_MS, 5000)
    const clock = new ManualClock(0)
    const m = new ServiceModeMachine(clock)
    assert.equal(m.update(CALM), null)
    assert.deepEqual(m.update({ memoryPercent: 97 }), { from: 'normal', to: 'minimal', causes: ['memoryPercent'] })
    assert.equal(m.pressure, 'minimal')
    // Calm from the next sample on (t = 1 s): each step waits 5 s of it.
    const changes = feed(clock, m, 30_000, { memoryPercent: 50 })
    assert.deepEqual(changes, [[6000, 'degraded'], [11_000, 'normal']])
    const calmFrom = 1000
    assert.ok(changes.at(-1)![0] - calmFrom <= 15_000, 'normal within 15 s of calm')
  })

  it('a sample back at or past an exit level restarts the wait of the step it concerns', () => {
    const clock = new ManualClock(0)
    const m = new ServiceModeMachine(clock)
    m.update({ cpuPercent: 90 })
    assert.equal(m.mode, 'degraded')
    // 60 is past the degraded exit (70); at t = 3 s a sample of 72 is back above it, though below
    // the enter level (85): the 5 s wait starts again from the next calm sample (t = 4 s).
    const changes = feed(clock, m, 20_000, (t) => ({ cpuPercent: t === 3000 ? 72 : 60 }))
    assert.deepEqual(changes, [[9000, 'normal']])

    const c2 = new ManualClock(0)
    const k = new ServiceModeMachine(c2)
    k.update({ eventLoopDelayMs: 1500 })
    assert.equal(k.mode, 'minimal')
    // 450 ms at t = 4 s is above minimal's exit (400): the first step waits again; then 150 ms is
    // above degraded's exit (100) at t = 12 s: the second step waits again.
    const steps = feed(c2, k, 30_000, (t) => ({ eventLoopDelayMs: t === 4000 ? 450 : t === 12_000 ? 150 : 20 }))
    assert.deepEqual(steps, [[10_000, 'degraded'], [18_000, 'normal']])
  })

  it('while calm it only waits: pressure is normal and the recovery says how far it is', () => {
    const clock = new ManualClock(0)
    const m = new ServiceModeMachine(clock, { recoverAfterMs: 4000 })
    m.update({ diskFreePercent: 8 })
    assert.equal(m.mode, 'degraded')
    assert.equal(m.recovery, null)
    clock.advance(1000)
    m.update({ diskFreePercent: 12 }) // back past the degraded enter (10) but not its exit (15)
    assert.equal(m.pressure, 'degraded')
    assert.equal(m.recovery, null)
    clock.advance(1000)
    m.update({ diskFreePercent: 30 })
    assert.equal(m.pressure, 'normal')
    assert.deepEqual(m.recovery, { calmMs: 0, needMs: 4000 })
    clock.advance(3000)
    assert.equal(m.update({}), null)
    assert.deepEqual(m.recovery, { calmMs: 3000, needMs: 4000 })
    assert.deepEqual(m.resourceLevels, { diskFreePercent: 'normal' })
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

  it('the worst resource decides; a missing value keeps the one before', () => {
    const clock = new ManualClock(0)
    const m = new ServiceModeMachine(clock, { recoverAfterMs: 30_000 })
    assert.equal(m.update({ cpuPercent: 90, diskFreePercent: 2 })?.to, 'minimal')
    assert.deepEqual(m.resourceLevels, { cpuPercent: 'minimal', diskFreePercent: 'minimal' }, 'in minimal, cpu 90 is not back past minimal\'s exit (85)')
    clock.advance(20_000)
    assert.equal(m.update({ diskFreePercent: 40 }), null, 'cpu is still at the minimal level')
    clock.advance(1000)
    assert.equal(m.update({ cpuPercent: 80 }), null, 'calm below minimal starts now')
    clock.advance(29_000)
    assert.equal(m.update({}), null, 'missing values: the last ones kept')
    clock.advance(1000)
    assert.deepEqual(m.update({}), { from: 'minimal', to: 'degraded', causes: ['cpuPercent'] })
    assert.equal(m.pressure, 'degraded', 'cpu 80 is above degraded\'s exit (70): no calm towards normal')
    assert.equal(m.recovery, null)
  })
})
