/**
 * Delivery runs with cockatiel (issue #5: "retry uses exponential backoff with jitter; use
 * cockatiel, not a hand-written loop. Each target has a circuit breaker, and delivery fails over
 * to the next designated peer").
 *
 * One run per pending escalation. Each attempt walks the delivery plan (routing.ts) in order,
 * each target behind its own breaker, and stops at the first that acknowledges; when all fail,
 * the retry policy backs off (exponential, decorrelated jitter) and tries the plan again, up to
 * `escalationRetryMaxAttempts`. A run that ends without delivery leaves the item pending: the
 * sweep starts a new run. `kick()` aborts the runs waiting in a backoff and starts them afresh,
 * which is what happens when an authority comes back.
 *
 * A peer target's breaker can be the node's shared one for the peer's escalation protocol
 * (`sharedBreaker`, net/peer-breakers.ts), so `/v1/peers` shows it and the other escalation
 * requests to that peer (status notices, authority questions) see the same state; webhooks, and
 * peers when no shared breaker is given, get one of this object's own.
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleAll, retry, type CircuitBreakerPolicy, type RetryPolicy } from 'cockatiel'
import type { KosConfig } from '../config/schema.js'
import type { Escalation, EscalationStatus } from '@kos/core'
import type { Target } from '@kos/core'

export interface DeliveryHooks {
  /** The targets of one attempt, in order (fresh each attempt: membership and breakers change). */
  plan: (record: Escalation) => Target[]
  /** Sends to one target; resolves with the status the target holds it at. Must honour its own timeout. */
  send: (target: Target, record: Escalation) => Promise<EscalationStatus>
  /** The record still waiting for delivery, or undefined once it is not pending any more. */
  pendingRecord: (id: string) => Escalation | undefined
  onFailed: (id: string, target: Target, err: unknown) => void
  onDelivered: (id: string, target: Target, status: EscalationStatus) => Promise<void>
  onRunExhausted: (id: string, err: unknown) => void
  /**
   * The breaker a target shares with the rest of the node, or undefined for one of our own.
   * `send` must not run through that same breaker again (a half-open trial would wait for itself).
   */
  sharedBreaker?: (target: Target) => CircuitBreakerPolicy | undefined
}

export class NoTargetError extends Error {
  override name = 'NoTargetError'
}

type Tunables = Pick<KosConfig, 'escalationRetryInitialDelayMs' | 'escalationRetryMaxDelayMs' | 'escalationRetryMaxAttempts' | 'escalationBreakerThreshold' | 'escalationBreakerHalfOpenMs'>

export class DeliveryRuns {
  private readonly hooks: DeliveryHooks
  private readonly tunables: Tunables
  private readonly retryPolicy: RetryPolicy
  private readonly breakers = new Map<string, CircuitBreakerPolicy>()
  private readonly runs = new Map<string, AbortController>()
  private stopped = false

  constructor (tunables: Tunables, hooks: DeliveryHooks) {
    this.tunables = tunables
    this.hooks = hooks
    this.retryPolicy = retry(handleAll, {
      maxAttempts: tunables.escalationRetryMaxAttempts,
      backoff: new ExponentialBackoff({ initialDelay: tunables.escalationRetryInitialDelayMs, maxDelay: tunables.escalationRetryMaxDelayMs })
    })
  }

  /** Whether a target's own breaker (not a shared one) is open now (the plan puts such targets last). */
  isBroken (key: string): boolean {
    return this.breakers.get(key)?.state === CircuitState.Open
  }

  /** Forgets a target's breaker: the peer is known to be back, so it is tried at once. */
  reset (key: string): void { this.breakers.delete(key) }

  get running (): number { return this.runs.size }

  /** Starts a run for `id` unless one is going. */
  start (id: string): void {
    if (this.stopped || this.runs.has(id)) return
    const ctrl = new AbortController()
    this.runs.set(id, ctrl)
    void this.run(id, ctrl).finally(() => { if (this.runs.get(id) === ctrl) this.runs.delete(id) })
  }

  /** Restarts every run now (their backoff waits are aborted) and starts those in `ids`. */
  kick (ids: string[]): void {
    for (const [id, ctrl] of [...this.runs]) { ctrl.abort(); this.runs.delete(id) }
    for (const id of ids) this.start(id)
  }

  stop (): void {
    this.stopped = true
    for (const ctrl of this.runs.values()) ctrl.abort()
    this.runs.clear()
  }

  private breaker (target: Target): CircuitBreakerPolicy {
    const shared = this.hooks.sharedBreaker?.(target)
    if (shared !== undefined) return shared
    const key = target.key
    let b = this.breakers.get(key)
    if (b === undefined) {
      b = circuitBreaker(handleAll, {
        halfOpenAfter: this.tunables.escalationBreakerHalfOpenMs,
        breaker: new ConsecutiveBreaker(this.tunables.escalationBreakerThreshold)
      })
      this.breakers.set(key, b)
    }
    return b
  }

  private async run (id: string, ctrl: AbortController): Promise<void> {
    try {
      await this.retryPolicy.execute(async () => { await this.attempt(id, ctrl.signal) }, ctrl.signal)
    } catch (err) {
      if (!ctrl.signal.aborted && !this.stopped) this.hooks.onRunExhausted(id, err)
    }
  }

  /** One pass over the plan; throws when no target took the record. */
  private async attempt (id: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return
    const record = this.hooks.pendingRecord(id)
    if (record === undefined) return
    const plan = this.hooks.plan(record)
    if (plan.length === 0) throw new NoTargetError(`no target for class ${record.class}: no designated authority and no operator webhook`)
    const errors: string[] = []
    for (const target of plan) {
      if (signal.aborted) return
      try {
        const status = await this.breaker(target).execute(async () => await this.hooks.send(target, record))
        await this.hooks.onDelivered(id, target, status)
        return
      } catch (err) {
        // An open breaker costs nothing and is not a new failure of the target.
        if (!(err instanceof BrokenCircuitError)) this.hooks.onFailed(id, target, err)
        errors.push(`${target.key}: ${err instanceof BrokenCircuitError ? 'breaker open' : (err as Error).message}`)
      }
    }
    throw new Error(`every target failed (${errors.join('; ')})`)
  }
}
