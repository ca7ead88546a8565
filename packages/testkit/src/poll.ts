/** Polling with a deadline: the harness never sleeps a fixed time to wait for a condition. */

export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
}

/** A compact description of an observation (an error's message, or JSON). */
export function describe (value: unknown): string {
  if (value instanceof Error) return value.message
  try { return JSON.stringify(value) } catch { return String(value) }
}

/**
 * Polls `fn` until it returns something other than `false` (then resolves to that value) or the
 * deadline passes. A throw (an assertion) counts as "not yet" and its message is remembered, so
 * conditions are best written as assertions whose messages carry what was observed.
 */
export async function poll<T> (
  description: string,
  fn: () => Promise<T | false> | T | false,
  opts: WaitOptions = {},
  context: () => string = () => ''
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000
  const intervalMs = opts.intervalMs ?? 200
  const deadline = performance.now() + timeoutMs
  let last: unknown = 'never evaluated'
  for (;;) {
    try {
      const value = await fn()
      if (value !== false) return value
      last = 'condition returned false'
    } catch (err) {
      last = err
    }
    if (performance.now() >= deadline) break
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  const ctx = context()
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${description}\nlast observed: ${describe(last)}` +
    (ctx === '' ? '' : `\n${ctx}`))
}


/**
 * Checks an invariant for `durationMs`: calls `fn` every `intervalMs` and rethrows its first
 * failure at once (unlike `poll`, where a throw means "not yet"). Resolves to the number of
 * checks made.
 */
export async function holdsFor (
  description: string,
  fn: () => Promise<void> | void,
  opts: { durationMs: number, intervalMs?: number }
): Promise<number> {
  const intervalMs = opts.intervalMs ?? 200
  const end = performance.now() + opts.durationMs
  let checks = 0
  for (;;) {
    try {
      await fn()
    } catch (err) {
      throw new Error(`${description}: broken after ${checks} good checks: ${describe(err)}`, { cause: err })
    }
    checks++
    if (performance.now() >= end) return checks
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
