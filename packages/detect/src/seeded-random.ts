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

/** The sfc32 generator: 128 bits of state, seeded through splitmix32. */
export class Sfc32 {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor (seed: number) {
    const split = splitmix32(seed)
    this.a = split(); this.b = split(); this.c = split(); this.d = split()
  }

  /** The next float in [0, 1). */
  next (): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t / 4294967296
  }

  /**
   * The next `out.length` floats, in order (what as many `next()` calls would return), with
   * the state in locals: a caller that needs millions of draws takes them a block at a time
   * instead of one call, and one boxed number, each.
   */
  fill (out: Float64Array): void {
    let a = this.a; let b = this.b; let c = this.c; let d = this.d
    for (let i = 0; i < out.length; i++) {
      const t = (((a + b) >>> 0) + d) >>> 0
      d = (d + 1) >>> 0
      a = b ^ (b >>> 9)
      b = (c + (c << 3)) >>> 0
      c = ((c << 21) | (c >>> 11)) >>> 0
      c = (c + t) >>> 0
      out[i] = t / 4294967296
    }
    this.a = a; this.b = b; this.c = c; this.d = d
  }
}

/** The sfc32 stream for `seed`: floats in [0, 1). */
export function seededRandom (seed: number): () => number {
  const generator = new Sfc32(seed)
  return () => generator.next()
}
