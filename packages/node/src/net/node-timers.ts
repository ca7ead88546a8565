/**
 * The Timers of the transport seam on a real process, shared by every shell the node runs
 * (membership, election).
 */
import type { Clock } from '@kos/detect'
import type { Timers } from '@kos/core'

/** The node's timers: setInterval and setTimeout, unref'd so they never hold the process open. */
export function nodeTimers (clock: Clock): Timers {
  return {
    clock,
    every: (ms, fn) => { const t = setInterval(fn, ms); t.unref(); return () => { clearInterval(t) } },
    after: (ms, fn) => { const t = setTimeout(fn, ms); t.unref(); return () => { clearTimeout(t) } },
    soon: (fn) => { setImmediate(fn) }
  }
}
