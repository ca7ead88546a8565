/**
 * The resource monitor (healing/resource-monitor.ts) with scripted samplers, a manual clock and
 * a hand-fired timer: pressure is induced by the script, never by burning CPU. Then the real
 * samplers once, and the pressure hook against the real event loop (polled, with a deadline).
 */
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { LAN_DEFAULTS } from '../src/config/profiles.js'
import { induceEventLoopPressure } from '../src/healing/pressure.js'
import { ResourceMonitor, suspendedMs, tickLatenessMs, type IntervalTimer, type ResourcesConfig } from '../src/healing/resource-monitor.js'
import { createHistogram } from 'node:perf_hooks'
import { loopDelayOfHistogram, sumNetDev, systemSamplers, type CpuReading, type ResourceSamplers } from '../src/healing/resource-samplers.js'
import type { SaturationAlert } from '@kos/core'
import type { ModeChange } from '@kos/core'

/** Samplers that answer whatever the test last set; `fail` makes one throw. */
class ScriptedSamplers implements ResourceSamplers {
  cpuReading: CpuReading = { machinePercent: 20, loopUtilizationPercent: 10, processPercent: 12 }
  memory = 40
  delayMs = 5
  diskFree = 60
  netBytes = 0
  fail = new Set<string>()
  stopped = 0
  private check (name: string): void { if (this.fail.has(name)) throw new Error(`${name} unreadable`) }
  cpu (): CpuReading { this.check('cpu'); return this.cpuReading }
  memoryPercent (): number { this.check('memoryPercent'); return this.memory }
  eventLoopDelayMs (): number { this.check('eventLoopDelayMs'); return this.delayMs }
  async diskFreePercent (): Promise<number> { this.check('diskFreePercent'); return this.diskFree }
  networkBytes (): number { this.check('networkBytes'); return this.netBytes }
  /** The main thread's run and run-queue time; undefined: unreadable. */
  scheduled: number | undefined = undefined
  scheduledMs (): number | undefined { return this.scheduled }
  stop (): void { this.stopped++ }
}

class ManualTimer implements IntervalTimer {
  fn: (() => void) | null = null
  periodMs = 0
  every (ms: number, fn: () => void): () => void {
    this.fn = fn
    this.periodMs = ms
    return () => { this.fn = null }
  }
}

const CONFIG: ResourcesConfig = { ...LAN_DEFAULTS.resources, cpuSmoothingHalfLifeMs: 0 }

function setup (config: ResourcesConfig = CONFIG): {
  clock: ManualClock, samplers: ScriptedSamplers, timer: ManualTimer, monitor: ResourceMonitor
  changes: ModeChange[], alerts: SaturationAlert[], errors: Error[], tick: () => Promise<void>
} {
  const clock = new ManualClock(0)
  const samplers = new ScriptedSamplers()
  const timer = new ManualTimer()
  const changes: ModeChange[] = []
  const alerts: SaturationAlert[] = []
  const errors: Error[] = []
  const monitor = new ResourceMonitor({ clock, samplers, timer }, config, {
    onModeChange: (c) => changes.push(c),
    onSaturation: (a) => alerts.push(a),
    onError: (e) => errors.push(e)
  })
  monitor.start()
  /** One period passes and the timer fires; waits for that sample to apply. */
  const tick = async (): Promise<void> => {
    clock.advance(config.sampleIntervalMs)
    assert.ok(timer.fn !== null, 'the monitor is sampling')
    timer.fn()
    await monitor.sampleNow()
  }
  return { clock, samplers, timer, monitor, changes, alerts, errors, tick }
}

describe('resource monitor', () => {
  it('samples every sampleIntervalMs, degrades and raises an alert at once, clears, stops shedding and relaxes after the calm period', async () => {
    const { samplers, timer, monitor, changes, alerts, tick } = setup()
    assert.equal(timer.periodMs, 1000)
    await tick()
    assert.equal(monitor.mode, 'normal')
    assert.deepEqual(monitor.snapshot().values, {
      cpuPercent: 10, memoryPercent: 40, eventLoopDelayMs: 5, diskFreePercent: 60, machineCpuPercent: 20, loopUtilizationPercent: 10, processCpuPercent: 12
    })
    samplers.delayMs = 250
    await tick()
    assert.deepEqual(changes, [{ from: 'normal', to: 'degraded', causes: ['eventLoopDelayMs'] }])
    assert.deepEqual(alerts, [{ resource: 'eventLoopDelayMs', value: 250, threshold: 200, state: 'raised' }])
    assert.deepEqual(monitor.shedding(), { active: true, reason: 'service mode degraded (eventLoopDelayMs 250)' })
    assert.deepEqual(monitor.snapshot().alerts, alerts)

    samplers.delayMs = 150 // between exit (100) and enter (200): still saturated, still degraded
    await tick()
    assert.equal(alerts.length, 1)
    assert.equal(monitor.shedding().active, true, 'still above the exit level: still shedding')
    samplers.delayMs = 20
    await tick()
    assert.deepEqual(alerts[1], { resource: 'eventLoopDelayMs', value: 20, threshold: 100, state: 'cleared' })
    assert.equal(monitor.mode, 'degraded', 'relaxing waits for the calm period')
    assert.deepEqual(monitor.shedding(), { active: false, reason: 'degraded, recovering: every resource below its exit level' }, 'waiting for calm sheds nothing')
    assert.deepEqual(monitor.snapshot().recovery, { calmMs: 0, needMs: 5000 })
    for (let i = 0; i < 4; i++) await tick()
    assert.equal(monitor.mode, 'degraded')
    await tick()
    assert.deepEqual(changes.at(-1), { from: 'degraded', to: 'normal', causes: [] })
    assert.deepEqual(monitor.shedding(), { active: false, reason: 'normal' })
    assert.deepEqual(monitor.snapshot().alerts, [])
  })

  it('drives the mode by the node\'s own CPU (the lesser of its loop\'s and its process\'s share), smoothed; a busy machine only warns', async () => {
    const { samplers, monitor, changes, alerts, tick } = setup({ ...CONFIG, cpuSmoothingHalfLifeMs: 1500 })
    await tick()
    // Other processes hold the cores: the machine is busy and our loop, descheduled, reads busy,
    // but the process ran little. Not this node's overload: no mode, no alert, a warning only.
    samplers.cpuReading = { machinePercent: 100, loopUtilizationPercent: 95, processPercent: 8 }
    for (let i = 0; i < 20; i++) await tick()
    assert.equal(monitor.mode, 'normal')
    assert.equal(changes.length + alerts.length, 0, JSON.stringify({ changes, alerts }))
    assert.equal(monitor.snapshot().machineBusy, true)
    assert.ok(monitor.snapshot().values.machineCpuPercent! >= 99, JSON.stringify(monitor.snapshot().values))
    assert.ok(monitor.snapshot().values.cpuPercent! <= 10, JSON.stringify(monitor.snapshot().values))
    // The machine calms: the warning clears once the average is back below 85 %.
    samplers.cpuReading = { machinePercent: 20, loopUtilizationPercent: 10, processPercent: 12 }
    let seconds = 0
    while (monitor.snapshot().machineBusy && seconds < 10) { await tick(); seconds++ }
    assert.ok(seconds >= 1 && seconds <= 4, `the machine warning cleared after ${seconds} s`)

    // One saturated second of our own is smoothed away; a sustained one degrades after ≈ 3 s.
    samplers.cpuReading = { machinePercent: 60, loopUtilizationPercent: 100, processPercent: 100 }
    await tick()
    samplers.cpuReading = { machinePercent: 20, loopUtilizationPercent: 10, processPercent: 12 }
    await tick()
    assert.equal(monitor.mode, 'normal', 'one saturated second is smoothed away')
    samplers.cpuReading = { machinePercent: 60, loopUtilizationPercent: 100, processPercent: 130 }
    seconds = 0
    while (monitor.mode === 'normal' && seconds < 10) { await tick(); seconds++ }
    assert.ok(seconds >= 2 && seconds <= 6, `a saturated own thread degrades after ≈ 3 s of smoothing, took ${seconds} s`)
    assert.deepEqual(changes.map((c) => [c.to, c.causes]), [['degraded', ['cpuPercent']]])
    assert.equal(monitor.snapshot().machineBusy, false)
  })

  it('a machine warning needs its band: null never warns', async () => {
    const { samplers, monitor, tick } = setup({ ...CONFIG, machineCpuBusyPercent: null })
    samplers.cpuReading = { machinePercent: 100, loopUtilizationPercent: 10, processPercent: 10 }
    for (let i = 0; i < 5; i++) await tick()
    assert.equal(monitor.snapshot().machineBusy, false)
    assert.equal(monitor.snapshot().values.machineCpuPercent, 100)
  })

  it('counts a late tick as event-loop delay: a loop blocked all sample long records no histogram value', async () => {
    const table: Array<[number | null, number, number, number]> = [
      // previous tick, now, interval, lateness
      [null, 5000, 1000, 0], [1000, 2000, 1000, 0], [1000, 1900, 1000, 0], [1000, 3500, 1000, 1500]
    ]
    for (const [prev, now, interval, late] of table) assert.equal(tickLatenessMs(prev, now, interval), late)

    const { clock, samplers, timer, monitor, changes, tick } = setup()
    await tick()
    samplers.delayMs = 0
    clock.advance(2500) // the loop was held: the tick comes 2.5 s late
    await tick()
    assert.equal(monitor.snapshot().values.eventLoopDelayMs, 2500)
    assert.deepEqual(changes, [{ from: 'normal', to: 'minimal', causes: ['eventLoopDelayMs'] }])
    // A sample taken by hand has no schedule to be late against.
    clock.advance(10_000)
    await monitor.sampleNow()
    assert.equal(monitor.snapshot().values.eventLoopDelayMs, 0)
    assert.ok(timer.fn !== null)
  })

  it('does not take a suspended node (SIGSTOP, a frozen VM) for a saturated one: the late tick\'s reading is dropped', async () => {
    // since the previous tick, interval, ran or waited for a CPU → suspended
    const table: Array<[number, number, number | undefined, number]> = [
      [1000, 1000, 5, 0], [3000, 1000, 1950, 50], [3000, 1000, 40, 1960], [3000, 1000, undefined, 0], [300, 1000, 0, 0]
    ]
    for (const [since, interval, ran, suspended] of table) assert.equal(suspendedMs(since, interval, ran), suspended)

    const { clock, samplers, monitor, changes, tick } = setup()
    samplers.scheduled = 0
    await tick()
    await tick()
    // Stopped for 2.5 s: the tick is 2.5 s late, the histogram holds the pause, and the main
    // thread neither ran nor waited meanwhile.
    samplers.delayMs = 2500
    samplers.scheduled = 30
    clock.advance(2500)
    await tick()
    assert.deepEqual(changes, [])
    assert.equal(monitor.snapshot().mode, 'normal')
    // A loop held as long by its own work (or starved by others) ran or waited all along: minimal.
    samplers.scheduled = 30 + 3400
    clock.advance(2500)
    await tick()
    assert.deepEqual(changes, [{ from: 'normal', to: 'minimal', causes: ['eventLoopDelayMs'] }])
  })

  it('reports network bytes per second, never as a mode driver, and restarts the rate when a counter goes back', async () => {
    const { samplers, monitor, tick } = setup()
    samplers.netBytes = 1_000_000
    await tick()
    assert.equal(monitor.snapshot().values.networkBytesPerSec, undefined, 'a rate needs two readings')
    samplers.netBytes = 1_250_000
    await tick()
    assert.equal(monitor.snapshot().values.networkBytesPerSec, 250_000)
    samplers.netBytes = 10 // interface reset
    await tick()
    assert.equal(monitor.snapshot().values.networkBytesPerSec, undefined)
    samplers.netBytes = 1e12
    await tick()
    assert.equal(monitor.mode, 'normal')
  })

  it('a failing sampler is reported once, its resource keeps its level, and the others go on', async () => {
    const { samplers, monitor, errors, tick } = setup()
    samplers.diskFree = 5
    await tick()
    assert.equal(monitor.snapshot().levels.diskFreePercent, 'degraded')
    samplers.fail.add('diskFreePercent')
    samplers.memory = 50
    await tick()
    await tick()
    assert.deepEqual(errors.map((e) => e.message), ['resource sampler diskFreePercent failed: diskFreePercent unreadable'])
    const snap = monitor.snapshot()
    assert.equal(snap.values.diskFreePercent, undefined)
    assert.equal(snap.values.memoryPercent, 50)
    assert.equal(snap.levels.diskFreePercent, 'degraded')
    assert.equal(snap.mode, 'degraded')
    samplers.fail.clear()
    await tick()
    samplers.fail.add('diskFreePercent')
    await tick()
    assert.equal(errors.length, 2, 'a sampler that recovered and fails again is reported again')
  })

  it('a callback that throws is reported and does not stop sampling; stop is idempotent and releases the samplers', async () => {
    const clock = new ManualClock(0)
    const samplers = new ScriptedSamplers()
    const timer = new ManualTimer()
    const errors: Error[] = []
    const monitor = new ResourceMonitor({ clock, samplers, timer }, CONFIG, {
      onModeChange: () => { throw new Error('listener bug') },
      onError: (e) => errors.push(e)
    })
    monitor.start()
    samplers.memory = 99
    clock.advance(1000)
    timer.fn!()
    await monitor.sampleNow()
    assert.equal(monitor.mode, 'minimal')
    assert.equal((errors[0]?.cause as Error).message, 'listener bug')
    monitor.stop()
    monitor.stop()
    assert.equal(timer.fn, null)
    assert.equal(samplers.stopped, 2)
  })
})

describe('system samplers', () => {
  /** A histogram of a 50 ms delay timer's firings over one second, with the given lateness values (ms). */
  function secondOfFirings (lateMs: number[]): ReturnType<typeof createHistogram> {
    const h = createHistogram()
    for (let i = 0; i < 20; i++) h.record(Math.round((50 + (lateMs[i] ?? 0.4)) * 1e6))
    return h
  }

  it('reads an idle loop as no delay, not as the timer\'s own period', () => {
    assert.ok(loopDelayOfHistogram(secondOfFirings([]), 50) < 1)
    assert.equal(loopDelayOfHistogram(createHistogram(), 50), 0)
  })

  it('reads the second worst lateness of the window: one late firing is not saturation, two are', () => {
    assert.ok(loopDelayOfHistogram(secondOfFirings([180]), 50) < 1, 'one 180 ms hiccup')
    const two = loopDelayOfHistogram(secondOfFirings([180, 150]), 50)
    assert.ok(two > 145 && two < 155, `two late firings: ${two}`)
    // A loop so blocked that its timer fired once reads that firing.
    const one = createHistogram()
    one.record(1_050_000_000)
    assert.ok(Math.abs(loopDelayOfHistogram(one, 50) - 1000) < 5)
  })

  it('read plausible values from this host', async () => {
    const s = systemSamplers({ dataDir: tmpdir() })
    try {
      const cpu = await s.cpu()
      assert.ok(cpu !== undefined && cpu.machinePercent >= 0 && cpu.machinePercent <= 100, JSON.stringify(cpu))
      assert.ok(cpu.loopUtilizationPercent >= 0 && cpu.loopUtilizationPercent <= 100, JSON.stringify(cpu))
      const mem = await s.memoryPercent()
      assert.ok(mem !== undefined && mem > 0 && mem <= 100, String(mem))
      const disk = await s.diskFreePercent()
      assert.ok(disk !== undefined && disk >= 0 && disk <= 100, String(disk))
      assert.ok(((await s.eventLoopDelayMs()) ?? -1) >= 0)
      const net = await s.networkBytes()
      if (process.platform === 'linux') assert.ok(net !== undefined && net >= 0)
    } finally {
      s.stop?.()
    }
  })

  it('sums received and sent bytes over every interface of /proc/net/dev', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:  1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0',
      '  eth0:   500       5    0    0    0     0          0         0      250       3    0    0    0     0       0          0',
      ''
    ].join('\n')
    assert.equal(sumNetDev(text), 2750)
  })

  it('induceEventLoopPressure shows up as event-loop delay, and stops', async () => {
    assert.throws(() => induceEventLoopPressure({ blockMs: 50, everyMs: 50, forMs: 100 }), RangeError)
    const s = systemSamplers({ dataDir: tmpdir(), delayResolutionMs: 5 })
    await s.eventLoopDelayMs()
    const stop = induceEventLoopPressure({ blockMs: 40, everyMs: 60, forMs: 10_000 })
    try {
      const deadline = performance.now() + 5000
      let seen = 0
      while (seen < 30 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        seen = Math.max(seen, (await s.eventLoopDelayMs()) ?? 0)
      }
      assert.ok(seen >= 30, `p99 event-loop delay under 40 ms blocks reached ${seen} ms`)
    } finally {
      stop()
      stop()
      s.stop?.()
    }
  })
})
