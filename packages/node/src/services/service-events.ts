/**
 * The placement events on the node's single event path (issue 18). The coordinator emits one per
 * change of its table (so each is one audit entry of the coordinator's chain); `term` is the
 * term that made the change.
 */
interface InstanceChange { service: string, instance: string, generation: number, node: string, term: number }

export type ServiceEvent =
  | ({ type: 'service:placed' } & InstanceChange)
  /** Its previous node (`from`) went away (dead, left, no longer selected). */
  | ({ type: 'service:replaced', from: string } & InstanceChange)
  /** A successor for the instance on draining node `from`; the old one stops once this one is ready. */
  | ({ type: 'service:drain-moving', from: string } & InstanceChange)
  | ({ type: 'service:stopped', reason: string } & InstanceChange)
  /** Fewer ready instances than replicas for serviceUnderReplicatedEscalateMs: escalated to the Archon. */
  | { type: 'service:under-replicated', service: string, ready: number, replicas: number }
