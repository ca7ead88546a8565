/**
 * Who may write the desired state (issue 18; anything from the network is untrusted until
 * authorized): a `service:defined`, `service:removed` or `node:drain` entry is folded only if its
 * origin was the coordinator of the term it carries. Without this, any member could append such
 * an entry to its own chain (`POST /v1/audit`) and have every node fold it, or carry a huge term
 * in it and so outrank every later definition for good.
 *
 * The rules, the election's own (message-authority.ts) applied to terms of the past:
 * - a term beyond this node's by more than MAX_TERM_LEAP is refused (`term-bound`);
 * - a term this node has not reached yet is held until it has (bounded): a non-voter may hear
 *   the new coordinator's entry before its announcement; so is every entry while this node knows
 *   no voter (a joiner reading its log before it has heard the cluster);
 * - a term whose coordinator this node followed (the election since start, and the
 *   `coordinator:elected` entries of its own chain, which it wrote as it followed them) must be
 *   that coordinator's (`not-coordinator`);
 * - a term this node never saw a coordinator of (it was down, or joined later) must come from
 *   one of its voters, the only members that can win an election (`not-voter`).
 * Pure: no clock, no I/O.
 */
import { MAX_TERM_LEAP } from '@kos/core'
import type { DesiredStateEntry } from './service-book.js'

export type DesiredStateRefusal = 'term-bound' | 'not-coordinator' | 'not-voter' | 'malformed' | 'held-full'

/** What this node's election says now. */
export interface ElectionNow { term: number, voters: readonly string[] }

/** Terms whose coordinator is remembered; older ones fall back to the voter rule. */
const MAX_TERMS = 4096
/**
 * Entries kept until they can be judged: a joiner reads the whole desired state of the log
 * before it knows a term or a voter, so this bounds the definitions, removals and drains it can
 * take in at once (each a few kB at most).
 */
const MAX_HELD = 4096

export class DesiredStateGate {
  private readonly coordinators = new Map<number, string>()
  private readonly held = new Map<string, DesiredStateEntry>()

  /** `coordinator` led `term` (followed by this node, or written in its own chain when it did). */
  learn (term: number, coordinator: string): void {
    if (this.coordinators.get(term) === coordinator) return
    this.coordinators.set(term, coordinator)
    if (this.coordinators.size > MAX_TERMS) this.coordinators.delete(Math.min(...this.coordinators.keys()))
  }

  coordinatorOf (term: number): string | undefined { return this.coordinators.get(term) }

  /** `apply`, `held` (decided by `release` once this node reaches its term), or why it is refused. */
  admit (e: DesiredStateEntry, now: ElectionNow): 'apply' | 'held' | DesiredStateRefusal {
    const term = e.details.term
    if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) return 'malformed'
    if (term > now.term + MAX_TERM_LEAP) return 'term-bound'
    // A term not reached yet, or no voter known yet (a joiner, which has not heard the cluster).
    if (term > now.term || now.voters.length === 0) {
      const key = `${e.origin}/${e.seq}`
      if (!this.held.has(key) && this.held.size >= MAX_HELD) return 'held-full'
      this.held.set(key, e)
      return 'held'
    }
    const coordinator = this.coordinators.get(term)
    if (coordinator !== undefined) return coordinator === e.origin ? 'apply' : 'not-coordinator'
    return now.voters.includes(e.origin) ? 'apply' : 'not-voter'
  }

  /** The held entries this node's term has now reached, each with its verdict; they leave the hold. */
  release (now: ElectionNow): Array<{ entry: DesiredStateEntry, verdict: 'apply' | DesiredStateRefusal }> {
    const out: Array<{ entry: DesiredStateEntry, verdict: 'apply' | DesiredStateRefusal }> = []
    for (const [key, e] of this.held) {
      if ((e.details.term as number) > now.term || now.voters.length === 0) continue
      this.held.delete(key)
      out.push({ entry: e, verdict: this.admit(e, now) as 'apply' | DesiredStateRefusal })
    }
    return out
  }

  get heldCount (): number { return this.held.size }
}
