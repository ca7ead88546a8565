/**
 * The election's options: defaults, validation at the edge, and the combined effect.
 *
 * With the defaults (heartbeat 100 ms, election timeout 750–850 ms + 150 ms per rank, lease
 * 600 ms): the best-ranked survivor of a dead coordinator fires 750–850 ms after the last
 * heartbeat it heard, or sooner when the shell reports the closed connection (`peerLost`),
 * then wins in one pre-vote and one vote round trip. A coordinator cut off from its quorum
 * stops acting at most 600 ms after sending the last heartbeat a quorum acknowledged. The lease
 * is no shorter because a node busy healing a partition can hold its event loop a few hundred
 * ms (config/profiles.ts).
 *
 * The spread max − min (100 ms) is below rankStepMs (150 ms) less a round trip, so neighbours
 * in the ranking never fire together; the shell must tick at `nextDeadlineMs()` (as it does) or at
 * least every 50 ms: with 100 ms ticks, 1–2 % of failovers split.
 * A tolerant profile (long GC pauses, busy VMs) can scale everything: heartbeat 200, timeout
 * 1000–1150, lease 800, rank step 250 (≈ 1 s failover, no split in the same simulation).
 */

/** Raised for an invalid option; `key` names it and the message starts with it. */
export class ElectionOptionError extends RangeError {
  override name = 'ElectionOptionError'
  readonly key: string
  constructor (key: string, message: string) {
    super(`${key}: ${message}`)
    this.key = key
  }
}

export interface ElectionOptions {
  /** This node's peer id, as used in `setVoters`, `setRanking` and `send.to`. */
  selfId: string
  /**
   * How often the coordinator heartbeats every voter. Lower renews the lease sooner and lets
   * followers notice a silent coordinator with more samples, at N−1 messages per interval.
   * Must be below `leaseMs`, or the lease lapses between heartbeats.
   * @default 100
   */
  heartbeatIntervalMs?: number
  /**
   * Lower bound of the randomized election timeout: the silence after which a
   * follower starts a pre-vote. It bounds failover from below, and must stay clearly above
   * `leaseMs` (at least leaseMs / 0.8) so followers stop trusting a dead coordinator before
   * anyone asks them for a vote.
   * @default 500
   */
  electionTimeoutMinMs?: number
  /**
   * Upper bound of the randomized part. The spread (max − min) breaks ties between nodes of the
   * same rank; keep it below `rankStepMs` minus a round trip, or neighbours in the ranking can
   * fire together and split the vote.
   * @default 600
   */
  electionTimeoutMaxMs?: number
  /**
   * The coordinator's lease: it may act until `leaseMs` after sending the newest heartbeat that
   * a quorum acknowledged, and steps down when that passes (check-quorum). Followers trust it,
   * and refuse votes, for `leaseMs` after each heartbeat. Longer tolerates more lost heartbeats;
   * shorter lets a cut-off coordinator stop sooner.
   * @default 400
   */
  leaseMs?: number
  /**
   * Extra election timeout per position in the shell's ranking: the preferred node fires first,
   * the next one `rankStepMs` later, and so on. Larger makes split votes rarer and failover of a
   * low-ranked survivor slower.
   * @default 150
   */
  rankStepMs?: number
  /**
   * A non-voter follows the coordinator by its gossiped announcements, not its heartbeats: it
   * stops naming a coordinator it has not heard announce for this long. Some multiple of the
   * announcement period, so one or two lost announcements change nothing.
   * @default 3500
   */
  announceTimeoutMs?: number
}

export type ResolvedElectionOptions = Readonly<Required<ElectionOptions>>

export const ELECTION_DEFAULTS = Object.freeze({
  heartbeatIntervalMs: 100,
  electionTimeoutMinMs: 500,
  electionTimeoutMaxMs: 600,
  leaseMs: 400,
  rankStepMs: 150,
  announceTimeoutMs: 3500
})

/** How far below the minimum election timeout the lease must stay ("clearly below"). */
export const MAX_LEASE_FRACTION = 0.8

const KEYS = new Set(['selfId', ...Object.keys(ELECTION_DEFAULTS)])

function positive (key: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ElectionOptionError(key, `must be a finite number of ms > 0, got ${String(v)}`)
}

/** Fills in defaults, validates once, freezes. Throws `ElectionOptionError` (a RangeError). */
export function resolveElectionOptions (init: ElectionOptions): ResolvedElectionOptions {
  for (const key of Object.keys(init)) {
    if (!KEYS.has(key)) throw new ElectionOptionError(key, 'unknown option')
  }
  if (typeof init.selfId !== 'string' || init.selfId.length === 0) throw new ElectionOptionError('selfId', 'must be a non-empty peer id')
  const o = { ...ELECTION_DEFAULTS, ...Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)) } as Required<ElectionOptions>
  positive('heartbeatIntervalMs', o.heartbeatIntervalMs)
  positive('electionTimeoutMinMs', o.electionTimeoutMinMs)
  positive('electionTimeoutMaxMs', o.electionTimeoutMaxMs)
  positive('leaseMs', o.leaseMs)
  positive('announceTimeoutMs', o.announceTimeoutMs)
  if (typeof o.rankStepMs !== 'number' || !Number.isFinite(o.rankStepMs) || o.rankStepMs < 0) {
    throw new ElectionOptionError('rankStepMs', `must be a finite number of ms >= 0, got ${String(o.rankStepMs)}`)
  }
  if (o.electionTimeoutMaxMs < o.electionTimeoutMinMs) {
    throw new ElectionOptionError('electionTimeoutMaxMs', `(${o.electionTimeoutMaxMs}) must be >= electionTimeoutMinMs (${o.electionTimeoutMinMs})`)
  }
  if (o.leaseMs > o.electionTimeoutMinMs * MAX_LEASE_FRACTION) {
    throw new ElectionOptionError('leaseMs', `(${o.leaseMs}) must be clearly below electionTimeoutMinMs (${o.electionTimeoutMinMs}): ` +
      `at most ${MAX_LEASE_FRACTION * 100}% of it, so followers stop trusting a dead coordinator before the first candidate asks them`)
  }
  if (o.heartbeatIntervalMs >= o.leaseMs) {
    throw new ElectionOptionError('heartbeatIntervalMs', `(${o.heartbeatIntervalMs}) must be below leaseMs (${o.leaseMs}), or the lease lapses between heartbeats`)
  }
  return Object.freeze(o)
}
