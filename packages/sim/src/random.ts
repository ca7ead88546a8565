/**
 * The simulator's randomness: one seeded PRNG per concern (network, faults, each node's core),
 * all derived from the run's seed, so one seed replays exactly and adding a draw in one concern
 * does not shift the others' sequences.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through splitmix32: 128
 * bits of state, passes PractRand to terabytes, and costs a handful of 32-bit ops per draw.
 */

import { seededRandom, Sfc32 } from '@kos/detect'

export interface Rng {
  /** A float in [0, 1). */
  next: () => number
  /** An integer in [lo, hi], both inclusive. */
  int: (lo: number, hi: number) => number
  /** True with probability p. */
  chance: (p: number) => boolean
  /** One item, uniformly. Throws on an empty list. */
  pick: <T>(items: readonly T[]) => T
  /** A new generator whose stream depends only on this seed and `label`. */
  fork: (label: string) => Rng
  /** The next `out.length` floats of the stream, in order (what as many `next()` calls would return). */
  fill: (out: Float64Array) => void
}


/** FNV-1a over the label, mixed with the seed: a stable sub-seed per concern. */
function subSeed (seed: number, label: string): number {
  let h = 0x811c9dc5 ^ seed
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** The raw sfc32 stream for `seed`: floats in [0, 1). */
export const sfc32 = seededRandom

export function createRng (seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`)
  const generator = new Sfc32(seed)
  const next = (): number => generator.next()
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => p > 0 && next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list')
      return items[Math.floor(next() * items.length)]!
    },
    fork: (label) => createRng(subSeed(seed, label)),
    fill: (out) => { generator.fill(out) }
  }
}
