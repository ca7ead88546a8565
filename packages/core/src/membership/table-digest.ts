/**
 * Digests of a member table, for push/pull (issue 17): instead of each side sending its whole
 * table every `pushPullIntervalMs` (110 KB each way at 1,000 members), the asker sends a digest
 * of `DIGEST_BUCKETS` numbers, one per bucket of members (by ring position, monitor-ring.ts), and
 * only the buckets whose digests differ travel, each way. A one-level hash tree over the
 * table: two tables that agree cost a few hundred bytes.
 *
 * A bucket's digest is the sum (mod 2^32) of its entries' hashes, so it does not depend on
 * order; an entry's hash mixes the member's position with its state and incarnation, what a
 * claim is ordered by, and the version of the health summary held of it (summary-version.ts), so
 * a missed summary shows as a difference and push/pull repairs it. Pure.
 */
import type { MemberState } from '../vocabulary/index.js'

/** Buckets of a digest: 64 numbers (about 330 bytes in CBOR); at 1,000 members about 16 a bucket. */
export const DIGEST_BUCKETS = 64

export function digestBucket (position: number): number {
  return position % DIGEST_BUCKETS
}

const STATE_CODE: Record<MemberState, number> = { alive: 1, suspect: 2, dead: 3, left: 4 }

/**
 * The hash of one entry: its position (ringPosition of its peer id), state, incarnation and the
 * version of the summary held of it (0: none).
 */
export function entryHash (position: number, state: MemberState, incarnation: number, summaryVersion = 0): number {
  let h = Math.imul(position ^ 0x9e3779b9, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13) ^ STATE_CODE[state], 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16) ^ (incarnation >>> 0), 0x27d4eb2f)
  h ^= Math.floor(incarnation / 2 ** 32)
  h = Math.imul(h ^ (h >>> 15) ^ (summaryVersion >>> 0), 0x165667b1)
  h ^= Math.floor(summaryVersion / 2 ** 32)
  return (h ^ (h >>> 15)) >>> 0
}

/** Adds an entry to a digest being built. */
export function addToDigest (digest: number[], position: number, state: MemberState, incarnation: number, summaryVersion = 0): void {
  const b = digestBucket(position)
  digest[b] = (digest[b]! + entryHash(position, state, incarnation, summaryVersion)) >>> 0
}

/** The buckets where two digests differ (all of them if the other is malformed). */
export function differingBuckets (mine: readonly number[], theirs: readonly number[]): number[] {
  const out: number[] = []
  for (let b = 0; b < DIGEST_BUCKETS; b++) if (mine[b] !== theirs[b]) out.push(b)
  return out
}
