/**
 * The audit log's retention policy as a pure function (issue #4 "Retention: a configurable max
 * age or size"), beside the timer that runs it, like every timing rule of the node.
 *
 * Only a prefix of a chain can go (a hole would break it), and an origin's head entry always
 * stays: heads are what anti-entropy exchanges and what the next entry links to, so a chain
 * never becomes empty. Within that:
 * - by age: an entry whose `ts` is below `now - maxAgeMs` goes, walking each chain in seq order
 *   and stopping at its first younger entry. Wall clocks are per origin, so `ts` grows along a
 *   chain unless the origin's clock stepped back; an entry stamped in the future only delays
 *   its successors' compaction, it never makes a younger entry go first.
 * - by count: while the store holds more than `maxEntries` entries, the oldest go first across
 *   origins: a k-way merge of the chains by `ts` (ties: origin, then seq, so a plan is
 *   deterministic).
 * - entries still on disk below an origin's checkpoint (left after accepting a peer's
 *   checkpoint, see AuditStore.acceptCheckpoint) go first, whatever the policy.
 * At most `budget` entries go per plan, so one run never holds the event loop or the store's
 * write lock for long; the caller runs again.
 *
 * The planner sees each chain through a window, the next few entries of its surviving prefix,
 * because reading every entry's `ts` would cost as much as the log. When the merge needs an
 * entry beyond a window it stops with `stop: 'window'`; the caller drops what was planned, reads
 * further and plans again (retention-runner.ts). So only the entries that go, plus a page per
 * origin, are ever read.
 */

/** The part of a stored entry the policy looks at. */
export interface EntryAge { seq: number, ts: number }

export interface ChainWindow {
  origin: string
  /** The origin's checkpoint seq (0 if none): held entries at or below it are leftovers. */
  base: number
  /** The origin's head seq: never dropped. */
  headSeq: number
  /** The next held entries below the head in seq order, from the first one not dropped yet. */
  next: EntryAge[]
  /** True when `next` holds every remaining entry below the head. */
  complete: boolean
}

export interface RetentionPolicy {
  /** Entries older than this (by `ts`) go; 0 keeps them whatever their age. */
  maxAgeMs: number
  /** The store keeps at most this many entries (heads excepted); 0 for no limit. */
  maxEntries: number
}

export interface RetentionDrop {
  origin: string
  /** Drop every held entry of the origin up to this seq (inclusive). */
  throughSeq: number
  /** Entries this drop removes from `next`. */
  count: number
}

export interface RetentionPlan {
  drops: RetentionDrop[]
  /** Entries planned in all (leftovers included). */
  total: number
  /**
   * Why planning stopped: 'done' (nothing else is due), 'budget' (more may be due: run again),
   * 'window' (the origin `origin` needs a longer window to decide: read it and plan again).
   */
  stop: 'done' | 'budget' | 'window'
  /** With stop 'window': the origin whose window ran out. */
  origin?: string
}

/**
 * Which prefixes to drop. `entries` is the number of entries the store holds above the
 * checkpoints (the sum of headSeq - base over origins); `now` is wall-clock ms.
 */
export function planRetention (windows: readonly ChainWindow[], entries: number, now: number, policy: RetentionPolicy, budget: number): RetentionPlan {
  const cutoff = policy.maxAgeMs > 0 ? now - policy.maxAgeMs : -Infinity
  let excess = policy.maxEntries > 0 ? entries - policy.maxEntries : 0
  let left = Math.max(0, Math.floor(budget))
  const taken = new Map<string, number>()
  const through = new Map<string, number>()
  const take = (w: ChainWindow, n: number): void => {
    const i = (taken.get(w.origin) ?? 0) + n
    taken.set(w.origin, i)
    through.set(w.origin, (w.next[i - 1] as EntryAge).seq)
    left -= n
  }
  const plan = (stop: RetentionPlan['stop'], origin?: string): RetentionPlan => {
    const drops: RetentionDrop[] = []
    let total = 0
    for (const w of windows) {
      const n = taken.get(w.origin) ?? 0
      if (n === 0) continue
      drops.push({ origin: w.origin, throughSeq: through.get(w.origin) as number, count: n })
      total += n
    }
    return origin === undefined ? { drops, total, stop } : { drops, total, stop, origin }
  }

  // Leftovers below a checkpoint are already compacted in substance: they go first.
  for (const w of windows) {
    let n = 0
    while (n < w.next.length && (w.next[n] as EntryAge).seq <= w.base && n < left) n++
    if (n > 0) take(w, n)
    if (left === 0) return plan('budget')
    if (n === w.next.length && !w.complete && w.next.length > 0) return plan('window', w.origin)
  }
  if (cutoff === -Infinity && excess <= 0) return plan('done')

  const sorted = [...windows].sort((a, b) => a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0)
  for (;;) {
    // The oldest next candidate across origins; an unread candidate stops the merge.
    let best: ChainWindow | null = null
    let bestAge: EntryAge | null = null
    for (const w of sorted) {
      const i = taken.get(w.origin) ?? 0
      const e = w.next[i]
      if (e === undefined) {
        if (!w.complete) return plan('window', w.origin)
        continue
      }
      if (e.seq >= w.headSeq) continue
      if (bestAge === null || e.ts < bestAge.ts) { best = w; bestAge = e }
    }
    if (best === null || bestAge === null) return plan('done')
    // The oldest candidate is neither expired nor needed for the count: no younger one is either.
    if (!(bestAge.ts < cutoff) && excess <= 0) return plan('done')
    if (left === 0) return plan('budget')
    take(best, 1)
    excess--
  }
}
