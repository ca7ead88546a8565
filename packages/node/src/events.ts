/**
 * The node's single event path. Everything that happens (membership changes and coordinator
 * elections now; audit and healing later) is a typed event named `noun:verb`, emitted here once and consumed
 * by the logs, the metrics, the API and (later) the audit log.
 */
import type { ElectionEvent } from './election/messages.js'
import type { MembershipEvent } from './membership/membership.js'

export type KosEvent = MembershipEvent | ElectionEvent

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
