/**
 * A seeded PRNG for everything that must replay from a seed (the simulator, the in-memory
 * network tests): sfc32 (Chris Doty-Humphrey's Small Fast Counting generator) seeded through
 * splitmix32: 128 bits of state, passes PractRand to terabytes, a handful of 32-bit ops a draw.
 * Not for anything that needs unpredictability.
 */

/** splitmix32: spreads one 32-bit seed into a stream of well-mixed 32-bit words. */
export function splitmix32 (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** The sfc32 stream for `seed`: floats in [0, 1). */
export function seededRandom (seed: number): () => number {
  const split = splitmix32(seed)
  let a = split(); let b = split(); let c = split(); let d = split()
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t / 4294967296
  }
}
