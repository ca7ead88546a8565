/**
 * The node's single event path. Everything that happens (membership changes and coordinator
 * elections now; audit and healing later) is a typed event named `noun:verb`, emitted here once and consumed
 * by the logs, the metrics, the API and (later) the audit log.
 */
import type { ElectionEvent } from './election/messages.js'
import type { MembershipEvent } from './membership/membership.js'

/**
 * The audit log's own events: an entry from a peer failed verification (bad hash, signature,
 * chain) or forked a chain. Emitted by the audit service (rate-limited) and, like every event,
 * appended to the log by the one audit subscriber.
 */
export type AuditEvent = {
  type: 'audit:tamper'
  /** The peer that sent the entry. */
  from: string
  origin: string | null
  seq: number | null
  reason: string
  /** Tamper events dropped by the rate limit since the last one emitted. */
  suppressed: number
}

export type KosEvent = MembershipEvent | ElectionEvent | AuditEvent

export type KosEventListener = (event: KosEvent) => void | Promise<void>

export class EventBus {
  private readonly listeners = new Set<KosEventListener>()
  private readonly onListenerError: (err: unknown, event: KosEvent) => void

  constructor (onListenerError: (err: unknown, event: KosEvent) => void) {
    this.onListenerError = onListenerError
  }

  /** Listeners must not block the event loop; a listener's error or rejection is caught and reported. */
  subscribe (listener: KosEventListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  emit (event: KosEvent): void {
    for (const listener of this.listeners) {
      try {
        const result = listener(event)
        if (result instanceof Promise) result.catch((err: unknown) => { this.onListenerError(err, event) })
      } catch (err) {
        this.onListenerError(err, event)
      }
    }
  }
}
