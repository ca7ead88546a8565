/**
 * The node's single event path: each event is emitted once, and every listener (the reactions,
 * the log, the metrics, the API's feed) sees it. A listener's failure is reported, never passed on.
 */
import type { KosEvent } from './kos-event.js'

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
