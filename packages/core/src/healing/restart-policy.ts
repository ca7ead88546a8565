/**
 * Restart decisions for one supervised agent (issue 6): a restart policy and crash-loop backoff,
 * with a restart intensity limit on top. Pure: the clock and the random source
 * are injected, and the caller (the supervisor shell) owns the processes and the timers.
 *
 * - policy: `always` restarts on any exit, `on-failure` only on a non-zero code or a signal,
 *   `never` leaves the agent stopped.
 * - backoff: `initialBackoffMs × multiplier^n`, capped at `maxBackoffMs`, with ±`jitter` so that
 *   agents that crashed together (a shared dependency went away) do not restart in lockstep.
 * - reset: once the agent has been healthy for `resetAfterHealthyMs`, the next crash starts the
 *   backoff from the beginning again: a crash after a long healthy run is news, not a loop.
 * - a process the supervisor killed (its liveness probe failed, it passed its memory limit) is
 *   restarted at once the first time: the probe already waited `failureThreshold` periods for
 *   it, which is its backoff; a second such restart in a row backs off like a crash.
 * - intensity: more than `maxRestarts` restarts within `intensityWindowMs` and the agent is
 *   `failed`: restarting is not helping, so we stop and the caller escalates. The
 *   default is loose (several restarts a minute) because agents are whole processes whose
 *   start-up is slow and whose crashes are often transient.
 */
import type { Clock } from '@kos/detect'

export type RestartPolicyKind = 'always' | 'on-failure' | 'never'

export interface RestartPolicyInit {
  /** Agents are long-running services, so any exit is unexpected. @default 'always' */
  policy?: RestartPolicyKind
  /** First restart delay. @default 1000 */
  initialBackoffMs?: number
  /** @default 2 */
  backoffMultiplier?: number
  /** Cap of the delay: a minute, since an agent is cheap to retry. @default 60000 */
  maxBackoffMs?: number
  /** Fraction of the delay drawn at random either side: 0.2 gives 0.8x..1.2x. @default 0.2 */
  jitter?: number
  /** Healthy this long and the backoff starts over. @default 600000 */
  resetAfterHealthyMs?: number
  /** Restarts allowed within the window; one more and the agent is failed. @default 5 */
  maxRestarts?: number
  /** @default 60000 */
  intensityWindowMs?: number
}

export interface RestartPolicyComponents {
  clock: Clock
  /** Uniform in [0, 1), as Math.random; injected so that tests and the simulator are deterministic. */
  random: () => number
}

export type RestartDecision =
  | { action: 'restart', delayMs: number }
  | { action: 'fail', reason: string }
  | { action: 'stay-stopped', reason: string }

/** `running` (or starting), `backoff` (waiting to restart), `stopped` (by policy or operator), `failed` (intensity exceeded). */
export type SupervisedState = 'running' | 'backoff' | 'stopped' | 'failed'

export interface ExitRecord { code: number | null, signal: string | null, at: number }

export const RESTART_POLICY_DEFAULTS: Required<RestartPolicyInit> = Object.freeze({
  policy: 'always',
  initialBackoffMs: 1000,
  backoffMultiplier: 2,
  maxBackoffMs: 60_000,
  jitter: 0.2,
  resetAfterHealthyMs: 600_000,
  maxRestarts: 5,
  intensityWindowMs: 60_000
})

/** The n-th backoff delay (n from 0) before jitter: exponential, capped. Pure. */
export function backoffDelay (attempt: number, init: Pick<Required<RestartPolicyInit>, 'initialBackoffMs' | 'backoffMultiplier' | 'maxBackoffMs'>): number {
  return Math.min(init.maxBackoffMs, init.initialBackoffMs * Math.pow(init.backoffMultiplier, attempt))
}

/** A delay spread uniformly over ±jitter, never above the cap (the cap is a promise to the operator). */
export function withJitter (delayMs: number, jitter: number, random01: number, maxMs: number): number {
  return Math.round(Math.min(maxMs, delayMs * (1 - jitter + 2 * jitter * random01)))
}

export class RestartPolicy {
  private readonly init: Required<RestartPolicyInit>
  private _state: SupervisedState = 'running'
  private attempt = 0
  private healthySince: number | null = null
  private restartTimes: number[] = []
  private _totalRestarts = 0
  private _lastExit: ExitRecord | null = null
  private stopRequested = false

  constructor (private readonly components: RestartPolicyComponents, init: RestartPolicyInit = {}) {
    this.init = { ...RESTART_POLICY_DEFAULTS, ...init }
  }

  get state (): SupervisedState { return this._state }
  /** Restarts over the agent's lifetime (the crash-rate metric). */
  get totalRestarts (): number { return this._totalRestarts }
  /** Restarts still inside the intensity window. */
  get recentRestarts (): number { return this.prune(this.components.clock.now()).length }
  /** How many backoff steps the next restart is at (0 after a reset). */
  get backoffAttempt (): number { return this.attempt }
  get lastExit (): ExitRecord | null { return this._lastExit }

  /**
   * The process has exited. Tells the caller whether to restart it, after how long, or to give
   * up. `killedBySupervisor`: the supervisor ended it for a failed probe or a limit.
   */
  onExit (code: number | null, signal: string | null, killedBySupervisor = false): RestartDecision {
    const now = this.components.clock.now()
    this._lastExit = { code, signal, at: now }
    if (this.healthySince !== null && now - this.healthySince >= this.init.resetAfterHealthyMs) this.attempt = 0
    this.healthySince = null
    if (this.stopRequested || this._state === 'stopped') {
      this._state = 'stopped'
      return { action: 'stay-stopped', reason: 'stopped on request' }
    }
    if (this._state === 'failed') return { action: 'fail', reason: 'already failed' }
    const failed = signal !== null || code !== 0
    if (this.init.policy === 'never' || (this.init.policy === 'on-failure' && !failed)) {
      this._state = 'stopped'
      return { action: 'stay-stopped', reason: `policy ${this.init.policy}, ${describeExit(code, signal)}` }
    }
    const recent = this.prune(now)
    if (recent.length >= this.init.maxRestarts) {
      this._state = 'failed'
      return { action: 'fail', reason: `restart intensity exceeded: ${recent.length} restarts in ${this.init.intensityWindowMs} ms, then ${describeExit(code, signal)}` }
    }
    recent.push(now)
    this._totalRestarts++
    const delayMs = killedBySupervisor && this.attempt === 0
      ? 0
      : withJitter(backoffDelay(this.attempt, this.init), this.init.jitter, this.components.random(), this.init.maxBackoffMs)
    this.attempt++
    this._state = 'backoff'
    return { action: 'restart', delayMs }
  }

  /** The caller has started the process (first start or after the backoff delay). */
  onStarted (): void {
    if (this._state === 'failed' || this.stopRequested) return
    this._state = 'running'
    this.healthySince = null
  }

  /** A health signal (probe success, readiness). Starts the healthy period that resets the backoff. */
  onHealthy (): void {
    if (this._state === 'running' && this.healthySince === null) this.healthySince = this.components.clock.now()
  }

  /** The operator stops the agent: its next exit is expected and is not restarted. */
  requestStop (): void {
    this.stopRequested = true
    if (this._state === 'backoff') this._state = 'stopped'
  }

  /**
   * The operator starts the agent again (also after `failed`): a deliberate human action, so the
   * intensity window and the backoff start over.
   */
  reset (): void {
    this.stopRequested = false
    this.restartTimes = []
    this.attempt = 0
    this.healthySince = null
    this._state = 'running'
  }

  private prune (now: number): number[] {
    this.restartTimes = this.restartTimes.filter((t) => now - t < this.init.intensityWindowMs)
    return this.restartTimes
  }
}

function describeExit (code: number | null, signal: string | null): string {
  return signal !== null ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`
}
