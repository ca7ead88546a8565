/**
 * The coordinator's lease (check-quorum): the acknowledgements that back it, the start a
 * previous voter set granted (carried across a single-member change, since every quorum of the
 * new set meets every quorum of the old), and a cached floor of its start. The coordinator may act
 * only while it holds; see timing.ts for the rule (`quorumAckedAt`, `leaseValid`) and the proof
 * sketch of "at most one valid lease at any instant".
 *
 * Part of the pure election core (election.ts), apart so that what backs the lease, and when it
 * is recomputed, reads in one place. No I/O, no timers: time comes from the injected Clock.
 */
import type { Clock } from '@kos/detect'
import type { ResolvedElectionOptions } from './options.js'
import { leaseValid, quorumAckedAt, quorumSize } from './timing.js'

export class CoordinatorLease {
  private readonly clock: Clock
  private readonly options: Pick<ResolvedElectionOptions, 'selfId' | 'leaseMs'>
  /** Per voter, the send time of the newest heartbeat (or vote request) it acked. */
  private acks = new Map<string, number>()
  /** The lease start the previous voter set granted, carried across a change. */
  private carriedStartMs: number | null = null
  /**
   * A lease start computed earlier, and when: a floor of the current one, because acks only
   * grow and our own counts as now. It spares re-ranking every voter's ack (a sort of 1,000 at
   * every ack) while the floor alone shows the lease valid. Null when the voters, the acks or the
   * carried lease were replaced: recompute.
   */
  private floor: { startMs: number, atMs: number } | null = null

  constructor (clock: Clock, options: Pick<ResolvedElectionOptions, 'selfId' | 'leaseMs'>) {
    this.clock = clock
    this.options = options
  }

  /** Elected: each voter's grant counts as an ack at `sentAtMs` (when we asked), our first lease. */
  begin (voters: Iterable<string>, sentAtMs: number): void {
    this.acks = new Map([...voters].filter((id) => id !== this.options.selfId).map((id) => [id, sentAtMs]))
    this.carriedStartMs = null
    this.floor = null
  }

  /** Stepped down: nothing backs a lease any more. */
  end (): void {
    this.acks.clear()
    this.carriedStartMs = null
    this.floor = null
  }

  /** A voter acknowledged the heartbeat sent at `sentAtMs`. */
  ack (from: string, sentAtMs: number): void {
    this.acks.set(from, Math.max(this.acks.get(from) ?? -Infinity, sentAtMs))
  }

  /** The voter set was replaced: the floor no longer holds. */
  votersReplaced (): void { this.floor = null }

  /** After a voter change, the start the old set granted (see `start`, read before the change). */
  carry (startMs: number | null): void { this.carriedStartMs = startMs }

  /**
   * leaseValid(start(voters), now), from the floor when that suffices. With `withinMs` other than
   * the lease (check-quorum's election timeout): whether a quorum acked a heartbeat sent within it.
   */
  holds (now: number, voters: readonly string[], withinMs = this.options.leaseMs): boolean {
    const floor = this.floor
    if (floor !== null && now >= floor.atMs && leaseValid(floor.startMs, now, withinMs)) return true
    const start = this.start(voters)
    this.floor = start === null ? null : { startMs: start, atMs: now }
    return leaseValid(start, now, withinMs)
  }

  /** The send time of the newest heartbeat a quorum of `voters` acked (or the carried start, if later); null if none. */
  start (voters: readonly string[]): number | null {
    const now = this.clock.now()
    const acked = quorumAckedAt(voters.map((id) => id === this.options.selfId ? now : (this.acks.get(id) ?? null)), quorumSize(voters.length))
    const carried = this.carriedStartMs
    return carried === null ? acked : acked === null ? carried : Math.max(acked, carried)
  }
}
