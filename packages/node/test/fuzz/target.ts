/**
 * A fuzz target (one decoder or validator, its inputs and its contract) and the fast-check
 * property that runs it: every call is timed, and one that takes longer than CASE_DEADLINE_MS
 * is a finding, like an unexpected exception. Shared by the fixed-seed unit test and by
 * `npm run fuzz`.
 */
import fc from 'fast-check'
import { FuzzFinding, type Outcome } from './outcome.js'

/** Longer than any decode of a bounded message needs, by orders of magnitude, on a busy machine. */
export const CASE_DEADLINE_MS = 1000

/** Cases of each target in `npm test`, at a fixed seed. */
export const TEST_CASES = 10_000

interface TargetBase<T> {
  /** `area.decoder`, e.g. `wire.heartbeat`; shown in reports and taken by `--target`. */
  name: string
  input: fc.Arbitrary<T>
  /** Cases in the fixed-seed unit test (TEST_CASES unless the target is slow, like HTTP injection). */
  testCases?: number
}

/** Method syntax on purpose: a target of any input type fits in a `FuzzTarget[]`. */
export type FuzzTarget<T = unknown> = TargetBase<T> & (
  | { check(input: T): Outcome }
  | { checkAsync(input: T): Promise<Outcome> }
)

/** A target of some input type, as one of a list (its input type checked where it is written). */
export function defineTarget<T> (target: FuzzTarget<T>): FuzzTarget {
  return target as FuzzTarget
}

/** How many inputs were accepted and refused: a target that never accepts is not reaching deep. */
export interface Tally { accepted: number, refused: number }

export function newTally (): Tally {
  return { accepted: 0, refused: 0 }
}

function timed (started: number): void {
  const ms = performance.now() - started
  if (ms > CASE_DEADLINE_MS) throw new FuzzFinding(`one call took ${Math.round(ms)} ms (deadline ${CASE_DEADLINE_MS} ms)`)
}

/**
 * The property of a target; `beforeCase` sees each input before the call (the fuzz runner's
 * watchdog counts cases with it, to tell a hang from slow progress, and prints the one that hung).
 */
export function fuzzProperty<T> (target: FuzzTarget<T>, tally: Tally, beforeCase: (input: T) => void = () => {}): fc.IRawProperty<[T]> {
  if ('check' in target) {
    return fc.property(target.input, (input) => {
      beforeCase(input)
      const started = performance.now()
      const outcome = target.check(input)
      timed(started)
      tally[outcome]++
    })
  }
  return fc.asyncProperty(target.input, async (input) => {
    beforeCase(input)
    const started = performance.now()
    const outcome = await target.checkAsync(input)
    timed(started)
    tally[outcome]++
  })
}
