/**
 * The fuzz oracle: what a decoder or validator may do with any input. It refuses with its
 * typed error (or a typed `{ ok: false }` result), or returns a value that is valid; anything
 * else (a TypeError, a RangeError, an accepted value that fails its own schema) is a finding.
 */
import type { z } from 'zod'
import { MessageDecodeError } from '@kos/core'

/** What one input did: refused the typed way, or accepted as a valid value. */
export type Outcome = 'accepted' | 'refused'

/** A broken contract; fast-check reports it with the input that caused it. */
export class FuzzFinding extends Error {
  override name = 'FuzzFinding'
}

/** `Name: message`, and where it was thrown, for a report. */
export function describeError (err: unknown): string {
  if (!(err instanceof Error)) return `a thrown ${typeof err}: ${String(err)}`
  const where = err.stack?.split('\n').slice(1, 4).map((l) => l.trim()).join(' < ') ?? ''
  return `${err.constructor.name}: ${err.message.slice(0, 300)} (${where})`
}

/** Why `value` is not valid, or null when it is. */
export type Validity<T> = (value: T) => string | null

/**
 * Runs `call`: a throw that `isRefusal` recognises is 'refused'; a return value must pass
 * `validity` and is 'accepted'. Anything else throws a FuzzFinding.
 */
export function expectOutcome<T> (call: () => T, isRefusal: (err: unknown) => boolean, validity: Validity<T>): Outcome {
  let value: T
  try {
    value = call()
  } catch (err) {
    if (isRefusal(err)) return 'refused'
    throw new FuzzFinding(`unexpected exception: ${describeError(err)}`, { cause: err })
  }
  return accepted(value, validity)
}

export async function expectOutcomeAsync<T> (call: () => Promise<T>, isRefusal: (err: unknown) => boolean, validity: Validity<T>): Promise<Outcome> {
  let value: T
  try {
    value = await call()
  } catch (err) {
    if (isRefusal(err)) return 'refused'
    throw new FuzzFinding(`unexpected exception: ${describeError(err)}`, { cause: err })
  }
  return accepted(value, validity)
}

function accepted<T> (value: T, validity: Validity<T>): Outcome {
  let problem: string | null
  try {
    problem = validity(value)
  } catch (err) {
    throw new FuzzFinding(`the accepted value breaks its consumer: ${describeError(err)}`, { cause: err })
  }
  if (problem !== null) throw new FuzzFinding(`accepted an invalid value: ${problem}`)
  return 'accepted'
}

/** Refuses nothing: for calls that must never throw (safeParse, verify functions). */
export const neverThrows = (): boolean => false

const DECODE_FAILURES: readonly string[] = ['oversized', 'malformed', 'schema', 'version']

/** The wire decoders' typed error, with one of its reasons. */
export function isDecodeError (err: unknown): boolean {
  return err instanceof MessageDecodeError && DECODE_FAILURES.includes(err.reason)
}

/** The value passes `schema` again: a decoder never returns what its own schema refuses. */
export function revalidates<T> (schema: z.ZodType<T>): Validity<unknown> {
  return (value) => {
    const again = schema.safeParse(value)
    if (again.success) return null
    const issue = again.error.issues[0]
    return `fails its schema again at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`
  }
}

/** All of `checks`, the first problem wins. */
export function allOf<T> (...checks: Array<Validity<T>>): Validity<T> {
  return (value) => {
    for (const check of checks) {
      const problem = check(value)
      if (problem !== null) return problem
    }
    return null
  }
}

/**
 * `schema.safeParse(input)` as a route calls it: it must not throw; a success must parse again
 * (defaults and transforms are idempotent) and pass `extra`; a failure must name an issue.
 */
export function expectSafeParse<T> (schema: z.ZodType<T>, input: unknown, extra: Validity<T> = () => null): Outcome {
  let parsed = false
  expectOutcome(() => schema.safeParse(input), neverThrows, (r) => {
    if (!r.success) return r.error.issues.length > 0 ? null : 'a failure without an issue'
    parsed = true
    return allOf<T>(revalidates(schema), extra)(r.data)
  })
  return parsed ? 'accepted' : 'refused'
}
