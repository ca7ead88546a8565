/**
 * Each coordinator this node follows is remembered in its state store: after a restart, the
 * services' desired-state gate (services/desired-state-gate.ts) takes the desired state of a
 * past term only from the coordinator this node followed in it. The audit log records an
 * election once, in the winner's chain (recorded-once.ts), so that memory is kept here.
 */
import type { KosEvent } from '../events/kos-event.js'
import type { StateStore } from '../store/state-store.js'

export function rememberCoordinators (store: () => Pick<StateStore, 'setFollowed'> | undefined) {
  return async (e: KosEvent): Promise<void> => {
    if (e.type === 'coordinator:elected') await store()?.setFollowed(e.term, e.coordinatorId)
  }
}
