/**
 * A clock that replays a script: the first reading is `intervalsMs[0]`, each later reading adds the
 * next interval. Every `now()` consumes one entry, so a test also pins how often the detector reads
 * the clock (once per heartbeat(), phi() or isAvailable()). Reading past the end throws.
 */
import type { Clock } from '../../src/index.js'

export interface ScriptedClock extends Clock {
  /** Readings not consumed yet; a test that ends with 0 used the whole script. */
  readonly remaining: number
}

export function scriptedClock (intervalsMs: readonly number[]): ScriptedClock {
  const times: number[] = []
  let t = 0
  for (const [i, interval] of intervalsMs.entries()) {
    t = i === 0 ? interval : t + interval
    times.push(t)
  }
  let next = 0
  return {
    now (): number {
      const time = times[next]
      if (time === undefined) throw new Error(`scripted clock exhausted after ${times.length} readings`)
      next++
      return time
    },
    get remaining (): number {
      return times.length - next
    }
  }
}
