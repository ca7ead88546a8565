import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bridge, isolate, reachable, ring, split } from '../src/grudges.js'

const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `127.0.0.${21 + i}`)
const majority = (n: number): number => Math.floor(n / 2) + 1
const key = (s: Set<string>): string => [...s].sort().join()

describe('grudges: partition shapes', () => {
  it('isolate leaves the first host alone and the rest whole', () => {
    const h = hosts(5)
    const seen = reachable(h, isolate(h))
    assert.deepEqual([...seen.get(h[0]!)!], [h[0]])
    for (const x of h.slice(1)) assert.equal(seen.get(x)!.size, 4)
  })

  it('split cuts a minority from a majority', () => {
    for (const n of [3, 4, 5, 7, 9]) {
      const h = hosts(n)
      const cut = Math.floor((n - 1) / 2)
      const seen = reachable(h, split(h))
      for (const x of h.slice(0, cut)) assert.ok(seen.get(x)!.size === cut && cut < majority(n), `n=${n}: minority ${x}`)
      for (const x of h.slice(cut)) assert.ok(seen.get(x)!.size === n - cut && n - cut >= majority(n), `n=${n}: majority ${x}`)
    }
  })

  it('bridge: the middle host sees everyone, the halves do not see each other', () => {
    for (const n of [3, 5, 7, 9]) {
      const h = hosts(n)
      const m = Math.floor((n - 1) / 2)
      const seen = reachable(h, bridge(h))
      assert.equal(seen.get(h[m]!)!.size, n, `n=${n}: the bridge sees all`)
      for (const x of h.slice(0, m)) for (const y of h.slice(m + 1)) assert.ok(!seen.get(x)!.has(y), `n=${n}: ${x} sees ${y}`)
      // Odd n: each half with the bridge is a majority, so two majorities overlap in one host.
      for (const x of h) assert.ok(seen.get(x)!.size >= majority(n), `n=${n}: ${x} sees ${seen.get(x)!.size}`)
    }
  })

  it('ring: every host sees a majority, no two the same one, and no host sees all', () => {
    for (const n of [4, 5, 6, 7, 8, 9]) {
      const h = hosts(n)
      const seen = [...reachable(h, ring(h)).values()]
      for (const s of seen) assert.ok(s.size >= majority(n) && s.size < n, `n=${n}: a host sees ${s.size}`)
      assert.equal(new Set(seen.map(key)).size, n, `n=${n}: distinct majorities`)
      // Symmetric links only: if x sees y then y sees x.
      for (const [i, s] of seen.entries()) for (const y of s) assert.ok(seen[h.indexOf(y)]!.has(h[i]!))
    }
  })

  it('ring cuts nothing with three hosts (each is the neighbour of both others)', () => {
    assert.deepEqual(ring(hosts(3)), [])
  })
})
