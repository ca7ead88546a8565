/**
 * Pings on the simulated network: the transport's `ping` (sim-transport.ts), which the membership
 * shell's probes use directly and, through a helper's ping-req (a request and answer that
 * travel as messages), indirectly. Also a direct ping and pings through helpers in one call,
 * for a model that wants them. The outcome is decided when the ping starts, from the faults in
 * force then:
 * - a cut link: nothing answers, the attempt fails at its deadline;
 * - a crashed peer refuses the connection: the attempt fails after a round trip;
 * - a paused peer answers when it resumes (the kernel buffered the request), if that is in time;
 * - a lost message: the attempt fails at its deadline.
 * A fault that starts or ends during the probe's few hundred ms is not seen by it.
 */
import type { Network } from './network.js'

/** What the probe needs to know of a process. */
export interface ProbeTarget { up: boolean, pausedUntil: number }

export interface ProbeOutcome { reachable: boolean, afterMs: number, messages: number }

interface Attempt { ok: boolean, at: number }

export class ProbeModel {
  private readonly net: Network
  private readonly procs: readonly ProbeTarget[]

  constructor (net: Network, procs: readonly ProbeTarget[]) {
    this.net = net
    this.procs = procs
  }

  run (now: number, from: number, target: number, via: readonly number[], timeoutMs: number): ProbeOutcome {
    let messages = 2
    const attempts: Attempt[] = [this.ping(now, from, target, 0, timeoutMs)]
    for (const h of via) {
      messages += 4
      attempts.push(this.indirect(now, from, h, target, timeoutMs))
    }
    let best = Infinity; let last = 0
    for (const a of attempts) {
      if (a.ok) best = Math.min(best, a.at)
      else last = Math.max(last, a.at)
    }
    return best < Infinity ? { reachable: true, afterMs: best, messages } : { reachable: false, afterMs: Math.min(last, timeoutMs), messages }
  }

  /** A ping from `a` starting `startMs` after now; `at` is relative to now. */
  private ping (now: number, a: number, b: number, startMs: number, deadlineMs: number): Attempt {
    const end = startMs + deadlineMs
    if (!this.net.linked(a, b)) return { ok: false, at: end }
    const p = this.procs[b]!
    if (!p.up) return { ok: false, at: Math.min(end, startMs + 2 * this.net.delay(a, b)) }
    const there = this.net.deliver(a, b)
    const back = this.net.deliver(b, a)
    if (there.lost || back.lost) return { ok: false, at: end }
    const answeredAt = Math.max(startMs + there.delayMs, p.pausedUntil - now) + back.delayMs
    return answeredAt <= end ? { ok: true, at: answeredAt } : { ok: false, at: end }
  }

  private indirect (now: number, from: number, helper: number, target: number, deadlineMs: number): Attempt {
    if (!this.net.linked(from, helper)) return { ok: false, at: deadlineMs }
    const h = this.procs[helper]!
    if (!h.up) return { ok: false, at: Math.min(deadlineMs, 2 * this.net.delay(from, helper)) }
    const req = this.net.deliver(from, helper)
    if (req.lost) return { ok: false, at: deadlineMs }
    const startsAt = Math.max(req.delayMs, h.pausedUntil - now)
    const inner = this.ping(now, helper, target, startsAt, Math.floor(deadlineMs * 0.8))
    const res = this.net.deliver(helper, from)
    if (res.lost) return { ok: false, at: deadlineMs }
    const at = inner.at + res.delayMs
    return at <= deadlineMs ? { ok: inner.ok, at } : { ok: false, at: deadlineMs }
  }
}
