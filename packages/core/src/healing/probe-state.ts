/**
 * Probe semantics for one agent (issue 6), as data: which probe is due, when it times
 * out, and what a run of results means. The shell runs the probe (HTTP GET, TCP connect, exec)
 * and reports the outcome; this core never does I/O or sets timers.
 *
 * - startup: while it has not succeeded, liveness and readiness do not run (a slow-starting agent
 *   is not killed for being slow); `failureThreshold` failures of it restart the agent.
 * - liveness: `failureThreshold` consecutive failures restart the agent.
 * - readiness: `successThreshold` consecutive successes make the agent ready, `failureThreshold`
 *   consecutive failures take it out of service without a restart. No readiness probe: the agent
 *   is ready as soon as it has started.
 * - a result that arrives after `timeoutMs` counts as a failure (`timeout`).
 */
import type { Clock } from '@kos/detect'

export type ProbeKind = 'startup' | 'liveness' | 'readiness'
export type ProbeOutcome = 'success' | 'failure' | 'timeout'

export interface ProbeTiming {
  /** Wait after the process starts before the first run (the startup grace). @default 0 */
  initialDelayMs?: number
  /** @default 10000 */
  periodMs?: number
  /** @default 1000 */
  timeoutMs?: number
  /** @default 3 */
  failureThreshold?: number
  /** Honoured for readiness only: one success is enough for liveness and startup. @default 1 */
  successThreshold?: number
}

export type ProbeSet = Partial<Record<ProbeKind, ProbeTiming>>

export type ProbeTransition =
  | { type: 'started' }
  | { type: 'ready' }
  | { type: 'not-ready', reason: string }
  | { type: 'restart', reason: string }

/** A probe run the shell should start now, and when to give up on it. */
export interface ProbeRun { kind: ProbeKind, startedAt: number, deadlineAt: number }

/** Every 10 s, 1 s to answer, 3 failures in a row to act, 1 success to be ready. */
export const PROBE_DEFAULTS: Required<ProbeTiming> = Object.freeze({
  initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, failureThreshold: 3, successThreshold: 1
})

interface ProbeSlot {
  timing: Required<ProbeTiming>
  nextAt: number
  inFlight: ProbeRun | null
  successes: number
  failures: number
}

const ORDER: ProbeKind[] = ['startup', 'liveness', 'readiness']

export class ProbeState {
  private readonly slots = new Map<ProbeKind, ProbeSlot>()
  private running = false
  private startupDone = false
  private _ready = false

  constructor (private readonly clock: Clock, probes: ProbeSet) {
    for (const kind of ORDER) {
      const timing = probes[kind]
      if (timing === undefined) continue
      const t = { ...PROBE_DEFAULTS, ...timing }
      if (kind !== 'readiness') t.successThreshold = 1
      this.slots.set(kind, { timing: t, nextAt: 0, inFlight: null, successes: 0, failures: 0 })
    }
  }

  get ready (): boolean { return this._ready }
  get started (): boolean { return this.startupDone }

  /** The process has (re)started: counters clear, every probe waits its initial delay again. */
  onProcessStarted (): ProbeTransition[] {
    const now = this.clock.now()
    const out = this.setReady(false, 'restarted')
    this.running = true
    this.startupDone = !this.slots.has('startup')
    for (const slot of this.slots.values()) {
      Object.assign(slot, { nextAt: now + slot.timing.initialDelayMs, inFlight: null, successes: 0, failures: 0 })
    }
    if (this.startupDone) out.push(...this.onStartupDone())
    return out
  }

  /** The process has exited or was stopped: nothing is due, and it is not ready. */
  onProcessStopped (): ProbeTransition[] {
    this.running = false
    for (const slot of this.slots.values()) slot.inFlight = null
    return this.setReady(false, 'stopped')
  }

  /** Probes to run now; each is marked in flight until its result is reported. */
  due (): ProbeRun[] {
    if (!this.running) return []
    const now = this.clock.now()
    const runs: ProbeRun[] = []
    for (const [kind, slot] of this.slots) {
      if (kind === 'startup' ? this.startupDone : !this.startupDone) continue
      if (slot.inFlight !== null || now < slot.nextAt) continue
      slot.inFlight = { kind, startedAt: now, deadlineAt: now + slot.timing.timeoutMs }
      // Scheduled by period from the start of a run, as the kubelet does, so a slow probe does not stretch the cadence.
      slot.nextAt = now + slot.timing.periodMs
      runs.push(slot.inFlight)
    }
    return runs
  }

  /** Earliest time something is due or times out, for the shell's single timer (null: nothing pending). */
  nextWakeAt (): number | null {
    if (!this.running) return null
    let next: number | null = null
    for (const [kind, slot] of this.slots) {
      if (kind === 'startup' ? this.startupDone : !this.startupDone) continue
      const at = slot.inFlight?.deadlineAt ?? slot.nextAt
      next = next === null ? at : Math.min(next, at)
    }
    return next
  }

  /** Reports the outcome of a run. A late success is a timeout. Results for runs not in flight are ignored. */
  onResult (kind: ProbeKind, outcome: ProbeOutcome): ProbeTransition[] {
    const slot = this.slots.get(kind)
    if (slot === undefined || slot.inFlight === null) return []
    const late = this.clock.now() > slot.inFlight.deadlineAt
    slot.inFlight = null
    const ok = outcome === 'success' && !late
    const why = outcome === 'failure' ? 'failed' : 'timed out'
    if (ok) { slot.successes++; slot.failures = 0 } else { slot.failures++; slot.successes = 0 }
    const t = slot.timing
    if (kind === 'startup') {
      if (ok) { this.startupDone = true; return this.onStartupDone() }
      if (slot.failures >= t.failureThreshold) return this.restart(`startup probe ${why} (${slot.failures} consecutive)`)
      return []
    }
    if (kind === 'liveness') {
      if (!ok && slot.failures >= t.failureThreshold) return this.restart(`liveness probe ${why} (${slot.failures} consecutive)`)
      return []
    }
    if (ok && slot.successes >= t.successThreshold) return this.setReady(true)
    if (!ok && slot.failures >= t.failureThreshold) return this.setReady(false, `readiness probe ${why} (${slot.failures} consecutive)`)
    return []
  }

  /**
   * A run whose result says nothing about the agent: this node's own event loop stalled while
   * it ran, so a timeout may be ours, not the agent's (local health, applied to
   * probes). It counts neither way; the next run is at its usual time.
   */
  onInconclusive (kind: ProbeKind): void {
    const slot = this.slots.get(kind)
    if (slot !== undefined) slot.inFlight = null
  }

  private onStartupDone (): ProbeTransition[] {
    const now = this.clock.now()
    for (const [kind, slot] of this.slots) if (kind !== 'startup') slot.nextAt = Math.max(slot.nextAt, now)
    const out: ProbeTransition[] = [{ type: 'started' }]
    if (!this.slots.has('readiness')) out.push(...this.setReady(true))
    return out
  }

  private restart (reason: string): ProbeTransition[] {
    // The shell kills the process and calls onProcessStarted for the new one; until then, nothing is due.
    this.running = false
    for (const slot of this.slots.values()) slot.inFlight = null
    return [...this.setReady(false, reason), { type: 'restart', reason }]
  }

  private setReady (ready: boolean, reason = ''): ProbeTransition[] {
    if (this._ready === ready) return []
    this._ready = ready
    return [ready ? { type: 'ready' } : { type: 'not-ready', reason }]
  }
}
