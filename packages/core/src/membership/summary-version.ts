/**
 * Versioned health summaries (issue 17): with bounded monitors a member's summary (and in it its
 * services report, what the coordinator places by) travels by gossip only when it changes, so a
 * copy that missed one change would stay wrong until the next. The member stamps each summary it
 * gossips with `summaryVersion`, raised every time (scoped by its incarnation: a restart starts
 * again from 1 under a higher incarnation); the push/pull digest covers the version held
 * (table-digest.ts), and push/pull carries the summaries of the buckets that differ, so two
 * members that disagree on a summary both end with the newer one.
 *
 * A summary without a version is a beat to a monitor (no detail, no services) or, with every
 * heartbeat gossiped (`monitorsPerMember` 0), a whole heartbeat's. Pure.
 */
import type { HealthSummary } from '../vocabulary/health.js'

/**
 * The version a held summary counts for in a digest, for a member held at `incarnation`: 0 when
 * none is held, it is of another life of the member, or it carries no version.
 */
export function heldSummaryVersion (held: HealthSummary | null, incarnation: number): number {
  return held === null || held.incarnation !== incarnation ? 0 : held.summaryVersion ?? 0
}

/**
 * What to hold after `next` arrives, `held` being what was held (the same object back when
 * `next` brings nothing newer):
 * - of another incarnation, or nothing held: `next`;
 * - without a version (a beat, or an unversioned heartbeat) and without the detail: merged into
 *   the held one (its detail, services and version kept), within one incarnation;
 * - with a version below the held one's (a copy delivered late, an older relay): ignored;
 * - otherwise `next`, merged over the held one when it lacks the detail (a degraded member's).
 */
export function mergeSummary (held: HealthSummary | null, next: HealthSummary): HealthSummary {
  if (held === null || held === next || held.incarnation !== next.incarnation) return next
  if (next.summaryVersion !== undefined && (held.summaryVersion ?? 0) > next.summaryVersion) return held
  return next.agents === undefined ? { ...held, ...next } : next
}

/**
 * Whether `incoming`, a summary another member relayed in a sync, should replace `held` for a
 * member held at `incarnation`: only a versioned summary of that life, newer than the held
 * one's version (an unversioned one only where nothing of that life is held).
 */
export function syncedSummaryIsNewer (held: HealthSummary | null, incoming: HealthSummary, incarnation: number): boolean {
  if (incoming.incarnation !== incarnation) return false
  if (held === null || held.incarnation !== incarnation) return true
  if (incoming.summaryVersion === undefined) return false
  return incoming.summaryVersion > (held.summaryVersion ?? 0)
}
