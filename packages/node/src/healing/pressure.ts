/**
 * Test-only: induce event-loop pressure in a real node, so a cluster test can watch it degrade,
 * shed and recover without loading the machine for everyone. It blocks this process's event loop
 * for `blockMs` every `everyMs` (a busy wait: that is the point), for `forMs` in all.
 *
 * Not used by the node itself. The node may expose it behind its API token (e.g. a debug route);
 * that is the caller's decision, as is refusing it outside tests. Real timers on purpose: it
 * exists to disturb the real loop.
 */

export interface EventLoopPressure {
  /** How long each block holds the loop, in ms (≤ 10 s: the guard against a typo freezing a node). */
  blockMs: number
  /** Period of the blocks, in ms; must exceed blockMs or the loop never runs anything else. */
  everyMs: number
  /** Total duration, in ms, after which the pressure stops by itself. */
  forMs: number
}

/** Starts the pressure; returns a stop function (idempotent). Throws RangeError on bad numbers. */
export function induceEventLoopPressure ({ blockMs, everyMs, forMs }: EventLoopPressure): () => void {
  if (!(blockMs >= 0 && blockMs <= 10_000)) throw new RangeError(`blockMs must be 0..10000, got ${blockMs}`)
  if (!(everyMs > blockMs)) throw new RangeError(`everyMs must exceed blockMs (${blockMs}), got ${everyMs}`)
  if (!(forMs >= 0 && Number.isFinite(forMs))) throw new RangeError(`forMs must be a finite number >= 0, got ${forMs}`)
  const block = (): void => {
    const until = performance.now() + blockMs
    while (performance.now() < until) { /* busy: holding the loop is the pressure */ }
  }
  const interval = setInterval(block, everyMs)
  const timeout = setTimeout(stop, forMs)
  // The pressure must not keep a stopping process alive.
  interval.unref()
  timeout.unref()
  function stop (): void {
    clearInterval(interval)
    clearTimeout(timeout)
  }
  return stop
}
