/**
 * What a message channel lost, per peer, and when to say so. A channel's delivery is best
 * effort (the protocols above retry), so one lost message is not news; but a peer that gets
 * none of a protocol's messages for minutes is, and it used to show only at debug level: the
 * chaos run of seed 3 ended with three nodes that never received an election message, and
 * nothing in the logs said why. So losses are counted by peer and reason and reported at warn
 * level at most once per peer every `everyMs`, with the counts since the last report.
 *
 * Pure: the caller passes the time (a monotonic clock reading); no timers.
 */

/** Why messages to a peer were lost. */
export type DropReason =
  /** The peer's queue was full (`maxQueuedPerPeer`): the stream is slow, stuck or still dialling. */
  | 'queue-full'
  /** The stream could not be opened (dial refused or timed out), or broke: what was queued is lost. */
  | 'stream-failed'
  /** The peer's breaker is open: no dial was made, what was queued is lost. */
  | 'breaker-open'

export const DROP_REASONS: readonly DropReason[] = ['queue-full', 'stream-failed', 'breaker-open']

export type DropCounts = Record<DropReason, number>

interface PeerDrops { counts: DropCounts, lastReportAtMs: number | null }

export class DropReport {
  private readonly everyMs: number
  private readonly byPeer = new Map<string, PeerDrops>()

  constructor (everyMs: number) {
    if (!(everyMs >= 0)) throw new RangeError(`everyMs must be >= 0, got ${everyMs}`)
    this.everyMs = everyMs
  }

  /**
   * Records `n` messages to `peer` lost for `reason` at `nowMs`. Returns the counts to report
   * now (this loss and every one held back since the last report), or null while the peer was
   * reported less than `everyMs` ago.
   */
  add (peer: string, reason: DropReason, n: number, nowMs: number): DropCounts | null {
    let p = this.byPeer.get(peer)
    if (p === undefined) { p = { counts: zero(), lastReportAtMs: null }; this.byPeer.set(peer, p) }
    p.counts[reason] += n
    if (p.lastReportAtMs !== null && nowMs - p.lastReportAtMs < this.everyMs) return null
    const counts = p.counts
    p.counts = zero()
    p.lastReportAtMs = nowMs
    return counts
  }

  /** Forgets every peer (the channel stopped). Kept across a peer's reconnects, so a flapping peer is not reported on every one. */
  clear (): void { this.byPeer.clear() }

  /** Peers with a record. */
  get size (): number { return this.byPeer.size }
}

function zero (): DropCounts { return { 'queue-full': 0, 'stream-failed': 0, 'breaker-open': 0 } }
