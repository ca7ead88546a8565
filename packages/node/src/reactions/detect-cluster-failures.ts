/**
 * Membership and election events, classified like every other detection of the healing policy:
 * a member found dead is a `network` `peer-dead` (from here, a peer we cannot reach); a period
 * without quorum (reported once a coordinator is back) a `network` `quorum-lost`. The built-in
 * policy records them (the coordinator escalates dead members and quorum losses itself, once for
 * the cluster); a user rule may add actions.
 */
import type { KosEvent } from '../events/kos-event.js'
import type { AgentSupervisor } from '../healing/agent-supervisor.js'

export function detectClusterFailures (supervisor: () => Pick<AgentSupervisor, 'detectNode'> | undefined) {
  return (e: KosEvent): void => {
    if (e.type === 'member:dead') {
      supervisor()?.detectNode({ class: 'network', condition: 'peer-dead', severity: 'warning', subject: e.member.peerId, detail: `member ${e.member.name} (${e.member.peerId}) declared dead by ${e.by}` })
    } else if (e.type === 'coordinator:quorum-restored') {
      supervisor()?.detectNode({ class: 'network', condition: 'quorum-lost', severity: 'warning', subject: e.previous, detail: `no coordinator for ${Math.round(e.downMs)} ms after losing ${e.previous} in term ${e.lostTerm}` })
    }
  }
}
