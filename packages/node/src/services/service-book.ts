/**
 * The cluster's desired state (issue 18), folded from the replicated audit log: which services
 * are defined, and which nodes drain. The coordinator writes each change as one entry of its own
 * chain with `ack=quorum` (placement-service.ts), so an acknowledged change is held by a majority
 * and survives the loss of any minority and any failover; every node folds the same entries, in
 * any order of arrival, to the same state, and a restarted node rebuilds it from its log.
 *
 * Order: the entry with the highest (term, lamport) wins per service name and per node. Terms
 * order the coordinators (one per term); within a term the coordinator's own chain, whose
 * Lamport times grow, orders its entries. Pure: no clock, no I/O.
 */
import { serviceSpecSchema, type ServiceSpec } from './service-spec.js'

export const SERVICE_DEFINED = 'service:defined'
export const SERVICE_REMOVED = 'service:removed'
export const NODE_DRAIN = 'node:drain'
export const DESIRED_STATE_TYPES: readonly string[] = [SERVICE_DEFINED, SERVICE_REMOVED, NODE_DRAIN]

/** What the book needs of an audit entry. */
export interface DesiredStateEntry {
  origin: string
  seq: number
  lamport: number
  type: string
  subject: string
  details: Record<string, unknown>
}

interface Stamp { term: number, lamport: number, origin: string }

function newer (a: Stamp, b: Stamp | undefined): boolean {
  if (b === undefined) return true
  if (a.term !== b.term) return a.term > b.term
  if (a.lamport !== b.lamport) return a.lamport > b.lamport
  return a.origin > b.origin
}

export class ServiceBook {
  private readonly services = new Map<string, { stamp: Stamp, spec: ServiceSpec | null }>()
  private readonly drains = new Map<string, { stamp: Stamp, draining: boolean }>()

  /** Folds one entry; true when it changed the desired state. Entries of other types, stale or invalid ones change nothing. */
  apply (e: DesiredStateEntry): boolean {
    const term = e.details.term
    if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) return false
    const stamp: Stamp = { term, lamport: e.lamport, origin: e.origin }
    if (e.type === SERVICE_DEFINED || e.type === SERVICE_REMOVED) {
      let spec: ServiceSpec | null = null
      if (e.type === SERVICE_DEFINED) {
        const parsed = serviceSpecSchema.safeParse(e.details.spec)
        if (!parsed.success || parsed.data.name !== e.subject) return false
        spec = parsed.data
      }
      if (!newer(stamp, this.services.get(e.subject)?.stamp)) return false
      this.services.set(e.subject, { stamp, spec })
      return true
    }
    if (e.type === NODE_DRAIN) {
      if (typeof e.details.draining !== 'boolean') return false
      if (!newer(stamp, this.drains.get(e.subject)?.stamp)) return false
      this.drains.set(e.subject, { stamp, draining: e.details.draining })
      return true
    }
    return false
  }

  list (): ServiceSpec[] {
    return [...this.services.values()].flatMap((s) => s.spec === null ? [] : [s.spec]).sort((a, b) => a.name < b.name ? -1 : 1)
  }

  get (name: string): ServiceSpec | undefined { return this.services.get(name)?.spec ?? undefined }

  draining (node: string): boolean { return this.drains.get(node)?.draining === true }

  drainingNodes (): string[] { return [...this.drains].flatMap(([node, d]) => d.draining ? [node] : []) }
}
