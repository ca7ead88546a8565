/**
 * Which audit entries are a node's repeating observations, folded by the repeat damper
 * (repeat-damper.ts) under a key per observation: what this node sees of its own health (its
 * stalls, its mode, a resource over its threshold, the healing policy's detections about the
 * node itself rather than one of its agents), of one member (its suspicion, its refutation) and
 * of its coordinator (its loss, and the healing policy's detection of a period without one).
 * They repeat while their cause lasts and each repeat says little more than the first.
 *
 * Never folded: facts recorded once for the cluster (a member's death, return, join or
 * leaving, and its detection as a dead peer), the elections a node follows (read back by the
 * services' desired-state gate), the report of a period without quorum (escalated), agent,
 * ethics and placement entries, escalations: each of those is evidence of its own. Pure.
 */
import type { AuditFields } from '@kos/core'

const SELF_OBSERVATIONS: ReadonlySet<string> = new Set(['node:stalled', 'node:mode', 'resource:saturation', 'member:suspect', 'member:refuted'])
/**
 * A node's loss of its coordinator: one observation whichever coordinator it was (in an
 * election storm each loss names another). Its report of the period without one
 * (`coordinator:quorum-restored`) is not folded: the coordinator escalates each report it
 * receives, and must not wait a window for it.
 */
const COORDINATOR_OBSERVATIONS: ReadonlySet<string> = new Set(['coordinator:lost'])

/** The key `fields` are folded under, or null when the entry is always written. */
export function repeatKeyOf (fields: AuditFields): string | null {
  if (SELF_OBSERVATIONS.has(fields.type)) return `${fields.type}\u0000${fields.subject}`
  if (COORDINATOR_OBSERVATIONS.has(fields.type)) return fields.type
  if (fields.type === 'healing:detected' && (fields.class === 'resource' || fields.class === 'node' || fields.details.condition === 'quorum-lost')) {
    const condition = fields.details.condition
    return `${fields.type}\u0000${fields.subject}\u0000${typeof condition === 'string' ? condition : ''}`
  }
  return null
}
