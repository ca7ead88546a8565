/**
 * The table behind many detectors: its layout choices (windows interleaved by group, numbers
 * in a slab shared with another table, growth) change where numbers live, never what they are.
 * References: one PhiAccrualDetector per slot, and plain arrays of the samples.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { HeartbeatWindows, ManualClock, PhiAccrualDetector, PhiAccrualTable, seededRandom, SlotSlab } from '../src/index.js'

const OPTIONS = { threshold: 8, maxSampleSize: 7, minStdDeviationMs: 20, acceptableHeartbeatPauseMs: 100, firstHeartbeatEstimateMs: 100 }

function naiveStats (samples: number[]): { mean: number, variance: number } {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length
  return { mean, variance: Math.max(0, samples.reduce((a, b) => a + b * b, 0) / samples.length - mean * mean) }
}

describe('PhiAccrualTable', () => {
  for (const group of [1, 4]) {
    it(`gives each slot what a detector of its own gives (windows in groups of ${group}, numbers in a shared slab)`, () => {
      const clock = new ManualClock(0)
      const random = seededRandom(7)
      const slots = 8
      // Two more numbers per slot in front, owned by someone else: they must stay untouched.
      const slab = new SlotSlab(2 + PhiAccrualTable.FIELDS, slots)
      const table = new PhiAccrualTable(OPTIONS, clock, slots, group, { slab, offset: 2 })
      const single = Array.from({ length: slots }, () => new PhiAccrualDetector(OPTIONS, clock))
      for (let s = 0; s < slots; s++) { table.reset(s); slab.data[s * slab.stride] = s; slab.data[s * slab.stride + 1] = -s }
      for (let step = 0; step < 3000; step++) {
        clock.advance(Math.floor(random() * 40) + (random() < 0.01 ? 400 : 0))
        const s = Math.floor(random() * slots)
        if (random() < 0.005) { table.reset(s); single[s] = new PhiAccrualDetector(OPTIONS, clock) }
        single[s]!.heartbeat()
        table.heartbeat(s)
        const probe = Math.floor(random() * slots)
        assert.equal(table.phi(probe), single[probe]!.phi())
        assert.equal(table.earliestThresholdAtMs(probe), single[probe]!.earliestThresholdAtMs())
        assert.equal(table.lastHeartbeatAt(probe), single[probe]!.lastHeartbeatAt)
      }
      for (let s = 0; s < slots; s++) assert.deepEqual([slab.data[s * slab.stride], slab.data[s * slab.stride + 1]], [s, -s])
    })
  }

  it('says when a heartbeat brought the crossing forward, and only then', () => {
    const clock = new ManualClock(0)
    const table = new PhiAccrualTable(OPTIONS, clock, 1)
    table.reset(0)
    assert.equal(table.heartbeat(0), true, 'the first heartbeat: from Infinity')
    for (let i = 0; i < 20; i++) {
      const before = table.earliestThresholdAtMs(0)
      clock.advance(i % 3 === 0 ? 10 : 150)
      const forward = table.heartbeat(0)
      assert.equal(forward, table.earliestThresholdAtMs(0) < before)
    }
    assert.equal(table.heartbeat(0), false, 'no time passed: nothing changes')
  })
})

describe('HeartbeatWindows', () => {
  it('keeps exact sums without re-summing while samples are whole, and re-sums once one is not', () => {
    const random = seededRandom(3)
    const windows = new HeartbeatWindows(5, 2)
    const samples: number[][] = [[], []]
    for (let i = 0; i < 400; i++) {
      for (const slot of [0, 1]) {
        // Slot 0: whole milliseconds (a simulated clock); slot 1: fractional (performance.now()).
        const x = slot === 0 ? Math.floor(random() * 2000) : random() * 2000
        windows.add(slot, x)
        samples[slot]!.push(x)
        if (samples[slot]!.length > 5) samples[slot]!.shift()
      }
      const exact = naiveStats(samples[0]!)
      assert.equal(windows.mean(0), exact.mean)
      assert.equal(windows.variance(0), exact.variance)
      const fractional = naiveStats(samples[1]!)
      assert.ok(Math.abs(windows.mean(1) - fractional.mean) < 1e-9)
      assert.ok(Math.abs(windows.variance(1) - fractional.variance) < 1e-6)
    }
  })

  it('interleaves the windows of a group without mixing them', () => {
    const group = new HeartbeatWindows(4, 6, 3)
    const apart = new HeartbeatWindows(4, 6, 1)
    for (let i = 0; i < 30; i++) {
      for (let s = 0; s < 6; s++) { group.add(s, s * 100 + i); apart.add(s, s * 100 + i) }
      for (let s = 0; s < 6; s++) {
        assert.equal(group.mean(s), apart.mean(s))
        assert.equal(group.variance(s), apart.variance(s))
      }
    }
    assert.throws(() => { group.grow(12) }, /group 1/)
    assert.throws(() => new HeartbeatWindows(4, 7, 3), /group/)
  })

  it('keeps every window when it grows', () => {
    const windows = new HeartbeatWindows(3, 1)
    for (const x of [10, 20, 30, 40]) windows.add(0, x)
    windows.grow(4)
    windows.add(3, 7)
    assert.equal(windows.mean(0), 30)
    assert.equal(windows.size(0), 3)
    assert.equal(windows.mean(3), 7)
    assert.equal(windows.capacity, 4)
  })
})
