/**
 * Service placement follows the membership (issue 18): a member that died or left has its
 * instances re-placed at once by the coordinator, not at its next placement tick; and the time it
 * was last heard from is kept, from which `kos_service_replacement_seconds` counts. An instance's
 * readiness and exits reach the node's instance runner, which moves an instance that exits
 * before it was ever ready to another port (services/instance-runner.ts).
 */
import type { KosEvent } from '../events/kos-event.js'
import type { PlacementService } from '../services/placement-service.js'

export function replaceServices (services: () => Pick<PlacementService, 'onMemberEvent' | 'onAgentEvent'> | undefined) {
  return (e: KosEvent): void => {
    if (e.type.startsWith('member:')) services()?.onMemberEvent(e as { type: string })
    else if (e.type === 'agent:ready' || e.type === 'agent:exited') services()?.onAgentEvent(e)
  }
}
