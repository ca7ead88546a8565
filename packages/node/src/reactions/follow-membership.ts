/**
 * What this node's own parts do when the membership changes: a refutation raised this node's
 * incarnation, which is stored so that a restart starts above it; and the election re-ranks the
 * members and lets the coordinator adjust the voter set.
 */
import type { ElectionShell } from '@kos/core'
import type { KosEvent } from '../events/kos-event.js'
import type { StateStore } from '../store/state-store.js'

export function followMembership (parts: { store: () => Pick<StateStore, 'setIncarnation'> | undefined, election: () => Pick<ElectionShell, 'membershipChanged'> | undefined }) {
  return async (e: KosEvent): Promise<void> => {
    if (e.type === 'member:refuted') await parts.store()?.setIncarnation(e.incarnation)
    if (e.type.startsWith('member:')) parts.election()?.membershipChanged()
  }
}
