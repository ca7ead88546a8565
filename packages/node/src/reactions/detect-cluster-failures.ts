/**
 * Membership and election events, classified like every other detection of the healing policy:
 * a member found dead is a `network` `peer-dead`; a period without quorum (reported once a
 * coordinator is back) a `network` `quorum-lost`. The built-in policy records them (the
 * coordinator escalates dead members and quorum losses itself, once for the cluster); a user
 * rule may add actions.
 *
 * A death is detected where it is recorded (recorded-once.ts): one node for the cluster. Were
 * every observer to detect it, each death would again be N audit entries, each replicated to N nodes.
 */
import type { KosEvent } from '../events/kos-event.js'
import type { AgentSupervisor } from '../healing/agent-supervisor.js'

export function detectClusterFailures (supervisor: () => Pick<AgentSupervisor, 'detectNode'> | undefined, recordsHere: (e: KosEvent) => boolean) {
  return (e: KosEvent): void => {
    if (e.type === 'member:dead') {
      if (!recordsHere(e)) return
      supervisor()?.detectNode({ class: 'network', condition: 'peer-dead', severity: 'warning', subject: e.member.peerId, detail: `member ${e.member.name} (${e.member.peerId}) declared dead by ${e.by}` })
    } else if (e.type === 'coordinator:quorum-restored') {
      supervisor()?.detectNode({ class: 'network', condition: 'quorum-lost', severity: 'warning', subject: e.previous, detail: `no coordinator for ${Math.round(e.downMs)} ms after losing ${e.previous} in term ${e.lostTerm}` })
    }
  }
}
