/**
 * How many members one peer may introduce. A sync entry naming a member this node does not know
 * adds it: a join event, an audit entry, and redials to the addresses given. A peer that sends
 * thousands of invented members would make every node do all that for each, so a sync adds at
 * most `perSync` new members, and one peer at most `perMinute` a minute (a token bucket refilled
 * continuously). A real joiner brings its own table once; a cluster grows a few members at a time.
 * Pure, on an injected clock.
 */
import type { Clock } from '@kos/detect'
import type { MemberSnapshot } from '../wire/messages.js'

const MINUTE_MS = 60_000

export class NewMemberBudget {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()

  constructor (private readonly perSync: number, private readonly perMinute: number, private readonly clock: Clock) {}

  /** The entries of `members` `from` may send: every known member, and new ones within its budget. */
  admit (members: readonly MemberSnapshot[], known: (peerId: string) => boolean, from: string): { admitted: MemberSnapshot[], refused: number } {
    const now = this.clock.now()
    this.forgetIdle(now)
    const b = this.buckets.get(from) ?? { tokens: this.perMinute, at: now }
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * this.perMinute / MINUTE_MS)
    b.at = now
    let allowed = Math.min(this.perSync, Math.floor(b.tokens))
    const admitted: MemberSnapshot[] = []
    let refused = 0
    for (const m of members) {
      if (known(m.peerId)) admitted.push(m)
      else if (allowed > 0) { admitted.push(m); allowed--; b.tokens-- } else refused++
    }
    this.buckets.set(from, b)
    return { admitted, refused }
  }

  /** Buckets full again hold nothing worth keeping. */
  private forgetIdle (now: number): void {
    for (const [peer, b] of this.buckets) if (now - b.at >= MINUTE_MS) this.buckets.delete(peer)
  }
}
