/** The partition shapes and the network's reachability (direct links and gossip relays). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Network, NETWORK_DEFAULTS } from '../src/network.js'
import { bridge, fullyConnected, isolate, linkedIn, majorityMinority, ring, type Partition } from '../src/partitions.js'
import { createRng } from '../src/random.js'

const N = 11
const order = [4, 9, 0, 7, 2, 10, 5, 1, 8, 3, 6]
const peersOf = (p: Partition, a: number): number[] => Array.from({ length: N }, (_, b) => b).filter((b) => b !== a && linkedIn(p, a, b))

describe('partition shapes', () => {
  it('fully connected: everyone reaches everyone', () => {
    const p = fullyConnected(N)
    for (let a = 0; a < N; a++) assert.equal(peersOf(p, a).length, N - 1)
  })

  it('isolate: one node reaches nobody, the others reach each other', () => {
    const p = isolate(N, 3)
    assert.deepEqual(peersOf(p, 3), [])
    for (let a = 0; a < N; a++) if (a !== 3) assert.equal(peersOf(p, a).length, N - 2)
  })

  it('majority/minority: two sides, no link across, the minority below half', () => {
    const p = majorityMinority(N, order)
    const minority = order.slice(0, 5)
    for (const a of minority) assert.deepEqual(peersOf(p, a).sort(), minority.filter((x) => x !== a).sort())
    for (const a of order.slice(5)) assert.equal(peersOf(p, a).length, 5)
  })

  it('ring: every node reaches a majority, the majorities differ, and non-adjacent arcs are cut', () => {
    const p = ring(N, order)
    const views = new Set<string>()
    for (let a = 0; a < N; a++) {
      const seen = [a, ...peersOf(p, a)].sort((x, y) => x - y)
      assert.ok(seen.length > N / 2, `node ${a} sees ${seen.length} of ${N}`)
      views.add(seen.join())
    }
    assert.equal(views.size, 5)
    assert.ok(!linkedIn(p, order[0]!, order[5]!), 'arcs 0 and 2 are not adjacent')
  })

  it('bridge: the bridge reaches both halves, the halves do not reach each other', () => {
    const p = bridge(N, order)
    const b = order[0]!
    assert.equal(peersOf(p, b).length, N - 1)
    const left = order.slice(1, 6); const right = order.slice(6)
    for (const x of left) for (const y of right) assert.ok(!linkedIn(p, x, y))
    for (const x of left) assert.ok(left.every((y) => x === y || linkedIn(p, x, y)))
  })

  it('refuses shapes too small to make sense', () => {
    assert.throws(() => ring(4, [0, 1, 2, 3]), RangeError)
    assert.throws(() => bridge(2, [0, 1]), RangeError)
  })
})

describe('Network', () => {
  const net = (opts = {}): Network => {
    const n = new Network(N, createRng(1), { ...NETWORK_DEFAULTS, ...opts })
    for (let i = 0; i < N; i++) n.setRunning(i, true)
    return n
  }

  it('relays gossip across a bridge in two hops, and not at all once the bridge stops', () => {
    const n = net()
    n.setPartition(bridge(N, order))
    const [b, x, y] = [order[0]!, order[1]!, order[10]!]
    assert.equal(n.linked(x, y), false)
    assert.equal(n.gossipHops(x, b), 1)
    assert.equal(n.gossipHops(x, y), 2)
    n.setRunning(b, false)
    assert.equal(n.gossipHops(x, y), Infinity)
  })

  it('does not relay across a clean split', () => {
    const n = net()
    n.setPartition(majorityMinority(N, order))
    assert.equal(n.gossipHops(order[0]!, order[10]!), Infinity)
  })

  it('keeps delays within base + spread + capped jitter, in whole ms', () => {
    const n = net({ baseMs: 2, baseSpreadMs: 3, jitterMeanMs: 1 })
    for (let i = 0; i < 1000; i++) {
      const d = n.delay(0, 1 + (i % 10))
      assert.ok(Number.isInteger(d) && d >= 2 && d <= 2 + 3 + 10, `delay ${d}`)
    }
  })

  it('loses every message at loss 1, and duplicates every one at duplicate 1', () => {
    assert.equal(net({ loss: 1 }).deliver(0, 1).lost, true)
    const d = net({ duplicate: 1 }).deliver(0, 1)
    assert.ok(!d.lost && d.delayMs >= 1 && d.copyDelayMs >= 1)
  })

  it('reorders: a held-back message arrives after ones sent later', () => {
    const n = net({ jitterMeanMs: 0, baseSpreadMs: 0, reorder: 0.5, reorderMaxMs: 50 })
    const delays = Array.from({ length: 200 }, () => n.delay(0, 1))
    assert.ok(delays.some((d) => d > 5) && delays.some((d) => d === 1))
  })
})
