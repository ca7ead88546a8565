/**
 * When to dial a peer again: exponential backoff with decorrelated jitter (cockatiel) per key,
 * reset on success. libp2p does not reconnect by itself after a partition heals, so the node
 * redials every known member it is not connected to on this schedule.
 *
 * Time comes from the injected clock; the caller decides when to look (on its tick).
 */
import type { Clock } from '@kos/detect'
import { ExponentialBackoff, type IBackoff } from 'cockatiel'

interface Entry { backoff: IBackoff<unknown> | undefined, nextAtMs: number, inFlight: boolean, attempts: number }

export class RedialSchedule {
  private readonly entries = new Map<string, Entry>()
  private readonly factory: ExponentialBackoff<unknown>
  private readonly clock: Clock

  constructor (opts: { initialDelayMs: number, maxDelayMs: number }, clock: Clock) {
    this.factory = new ExponentialBackoff({ initialDelay: opts.initialDelayMs, maxDelay: opts.maxDelayMs })
    this.clock = clock
  }

  /** True if an attempt for `key` may start now; marks it in flight. A new key is due at once. */
  begin (key: string): boolean {
    const e = this.entries.get(key) ?? { backoff: undefined, nextAtMs: 0, inFlight: false, attempts: 0 }
    this.entries.set(key, e)
    if (e.inFlight || this.clock.now() < e.nextAtMs) return false
    e.inFlight = true
    e.attempts++
    return true
  }

  /** Records the attempt's outcome: success forgets the key, failure schedules the next try. */
  end (key: string, ok: boolean): void {
    const e = this.entries.get(key)
    if (e === undefined) return
    e.inFlight = false
    if (ok) { this.entries.delete(key); return }
    e.backoff = e.backoff === undefined ? this.factory.next() : e.backoff.next(undefined)
    e.nextAtMs = this.clock.now() + e.backoff.duration
  }

  attempts (key: string): number { return this.entries.get(key)?.attempts ?? 0 }

  forget (key: string): void { this.entries.delete(key) }
}
