/**
 * Repeats of one observation folded into fewer audit entries (issue 17). A node's own
 * observations repeat while their cause lasts: a starved process stalls again and again, its
 * mode flaps, a resource crosses its threshold back and forth, a slow member is suspected by
 * the same monitor each time it falls behind. Each entry is replicated to, verified and stored
 * by every node, so on machines short of CPU the entries about being short of CPU become the
 * largest load of all, and a cluster cannot recover from the load its own reports make.
 *
 * Per key, a token bucket: `burst` entries are written at once, then one per `windowMs`; an event without
 * a token is held (only the latest: each held one replaces the one before) and written when
 * the next token comes, with `repeated`, the number of events it stands for. So the log still
 * ends with the latest state of every observation (the mode a node settled in), at most one
 * window after it happened.
 *
 * Pure: the caller passes the time and arms the timer for `nextDueMs`.
 */

/** An item to write now, and how many events it stands for (1: itself alone). */
export interface Folded<T> { item: T, repeated: number }

interface KeyState<T> {
  /**
   * The bucket as a time (the generic cell rate algorithm): when it would be full again. An
   * entry may be written at `now` if `fullAtMs - now` leaves room for one more window, so the
   * arithmetic stays in whole ms.
   */
  fullAtMs: number
  held: T | null
  /** Events folded into `held`. */
  folded: number
}

/**
 * Keys are few: an observation of this node, or of one member (a suspicion), so at most about
 * as many as the members; one whose bucket is full again and holds nothing is dropped.
 */
export class RepeatDamper<T> {
  private readonly keys = new Map<string, KeyState<T>>()

  constructor (private readonly windowMs: number, private readonly burst: number) {}

  /** `item`, an event of `key`, happened at `now`: the item to write now, or null if it is held. */
  offer (key: string, item: T, now: number): Folded<T> | null {
    if (this.windowMs <= 0) return { item, repeated: 1 }
    let s = this.keys.get(key)
    if (s === undefined) { s = { fullAtMs: now, held: null, folded: 0 }; this.keys.set(key, s) }
    if (now >= this.writableAt(s)) return this.take(s, item, s.folded + 1, now)
    s.held = item
    s.folded++
    return null
  }

  /** When the earliest held item may be written, or null when none is held. */
  nextDueMs (): number | null {
    let due: number | null = null
    for (const s of this.keys.values()) {
      if (s.held === null) continue
      const at = this.writableAt(s)
      if (due === null || at < due) due = at
    }
    return due
  }

  /** The held items whose key has room at `now`, each written now. */
  takeDue (now: number): Array<Folded<T>> {
    const out: Array<Folded<T>> = []
    for (const [key, s] of this.keys) {
      if (s.held !== null && now >= this.writableAt(s)) out.push(this.take(s, s.held, s.folded, now))
      else if (s.held === null && s.fullAtMs <= now) this.keys.delete(key)
    }
    return out
  }

  /** When the bucket holds one entry's room again. */
  private writableAt (s: KeyState<T>): number {
    return s.fullAtMs - (this.burst - 1) * this.windowMs
  }

  /** Writes `item`, standing for `repeated` events, at `now`. */
  private take (s: KeyState<T>, item: T, repeated: number, now: number): Folded<T> {
    s.fullAtMs = Math.max(s.fullAtMs, now) + this.windowMs
    s.held = null
    s.folded = 0
    return { item, repeated }
  }
}
