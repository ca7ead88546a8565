/**
 * The timing rules of the coordinator election as pure functions, each tested by a table. The
 * state machine calls them with the injected clock's time and random source; nothing here reads
 * a clock or sets a timer.
 *
 * The one relation everything rests on (the lease, and check-quorum):
 *
 *   coordinator lease end  = send time of the newest heartbeat a quorum acked + leaseMs
 *   follower trust end     = receive time of the newest heartbeat it acked    + leaseMs
 *   election timer         ≥ last reset + electionTimeoutMinMs  (> leaseMs)
 *
 * A heartbeat is received after it is sent, so every follower in the acking quorum trusts the
 * coordinator, and refuses (pre-)votes, at least until the coordinator's lease ends; any quorum
 * that elects a successor overlaps that one, so no successor is elected while the lease holds.
 * Follower trust ends `electionTimeoutMinMs - leaseMs` before any follower's timer fires, so the
 * first candidate after a crash does not meet a voter still loyal to the dead coordinator (which
 * would split the first round). A granted vote counts as an acked heartbeat sent
 * when the candidate asked, so the winner holds a lease from the moment it is elected.
 * Assumption: the nodes' monotonic clocks run at the same rate to within a one-way delay per
 * `leaseMs` (crystal drift is parts per million); wall-clock jumps do not matter.
 */

/** The timing fields `electionTimeoutMs` and friends read (see `ElectionOptions`). */
export interface ElectionTimingOptions {
  electionTimeoutMinMs: number
  electionTimeoutMaxMs: number
  rankStepMs: number
  leaseMs: number
}

/** Votes needed out of `voterCount` voters: a strict majority, so any two quorums overlap. */
export function quorumSize (voterCount: number): number {
  return Math.floor(voterCount / 2) + 1
}

/**
 * A node's election timeout: random in [min, max) plus `rank × rankStepMs`, so the
 * best-ranked live node nearly always fires first and wins before the next one fires.
 * `random` returns a number in [0, 1).
 */
export function electionTimeoutMs (rank: number, random: () => number, opts: ElectionTimingOptions): number {
  const jitter = random() * (opts.electionTimeoutMaxMs - opts.electionTimeoutMinMs)
  return opts.electionTimeoutMinMs + jitter + rank * opts.rankStepMs
}

/**
 * When a follower told that its connection to the coordinator dropped starts its pre-vote: as
 * soon as its own trust has ended (it could not get votes any earlier, and must not), with the
 * same jitter and rank spacing as the normal timer.
 */
export function fastFailoverAtMs (heardAtMs: number, rank: number, random: () => number, opts: ElectionTimingOptions): number {
  return heardAtMs + opts.leaseMs + electionTimeoutMs(rank, random, opts) - opts.electionTimeoutMinMs
}

/**
 * How long an election may take, twice the slowest voter's timeout: a node that knows no
 * coordinator for longer runs degraded, and reports the period as one without quorum.
 */
export function electionTakesMs (electionTimeoutMaxMs: number, rankStepMs: number, voterCount: number): number {
  return 2 * (electionTimeoutMaxMs + rankStepMs * Math.max(1, voterCount))
}

/** A node that heard from a coordinator at `heardAtMs` refuses (pre-)votes until its trust ends. */
export function trustsCoordinator (heardAtMs: number | null, nowMs: number, leaseMs: number): boolean {
  return heardAtMs !== null && nowMs < heardAtMs + leaseMs
}

/**
 * Check-quorum: a coordinator whose quorum last acknowledged a heartbeat sent at lease start steps
 * down (gives up its term) once this long has passed since, twice the minimum election timeout.
 * Its lease ended at `leaseMs`, and with it its right to act; until this point it keeps its term
 * and its heartbeats. A stall of its own shorter than the followers' election timeout then costs
 * no election (its next heartbeat reaches every follower before any of their timers fires), nor
 * does a majority of followers stalled at once for less than this (a busy machine): their acks
 * renew the lease when they resume. Stepping down at all frees the followers that still hear a
 * coordinator without a quorum (a partial partition) to elect another.
 */
export function checkQuorumMs (opts: Pick<ElectionTimingOptions, 'electionTimeoutMinMs'>): number {
  return 2 * opts.electionTimeoutMinMs
}

/** A coordinator whose quorum acked a heartbeat sent at `leaseStartMs` may act until then + leaseMs (see checkQuorumMs for its term). */
export function leaseValid (leaseStartMs: number | null, nowMs: number, leaseMs: number): boolean {
  return leaseStartMs !== null && nowMs < leaseStartMs + leaseMs
}

/** The lease left, in ms (0 when none). */
export function leaseRemaining (leaseStartMs: number | null, nowMs: number, leaseMs: number): number {
  return leaseStartMs === null ? 0 : Math.max(0, leaseStartMs + leaseMs - nowMs)
}

/**
 * The lease start a coordinator holds: the send time of the newest heartbeat that a quorum of
 * voters (itself included, at `nowMs`) has acknowledged, i.e. the quorum-th newest ack. Null if
 * fewer than `quorum` voters ever acked.
 */
export function quorumAckedAt (ackSentAt: Array<number | null>, quorum: number): number | null {
  const acked = ackSentAt.filter((t): t is number => t !== null).sort((a, b) => b - a)
  return quorum >= 1 && acked.length >= quorum ? acked[quorum - 1]! : null
}

/** The coordinator heartbeats every `intervalMs`; the first one goes out at once. */
export function heartbeatDue (lastSentAtMs: number | null, nowMs: number, intervalMs: number): boolean {
  return lastSentAtMs === null || nowMs - lastSentAtMs >= intervalMs
}

/**
 * A node's place in the shell's preference order, not counting `exclude` (the coordinator it
 * follows: if that one fails, it is not a contender). A node not listed ranks after all others.
 */
export function rankOf (selfId: string, ranking: readonly string[], exclude: string | null): number {
  let place = 0
  for (const id of ranking) {
    if (id === exclude) continue
    if (id === selfId) return place
    place++
  }
  return place
}
