/**
 * The pure part of GET /v1/events: the last events of this node process in a bounded ring, each
 * with its id; the decision what a reconnecting client gets (the events it missed, or a reset);
 * the `?types=` filter; and the SSE frames. No sockets and no timers: the route (event-routes.ts)
 * and the feed (event-feed.ts) are the shell around it.
 *
 * Ids are `<bootId>-<seq>`: seq counts up by one per event from 1 in each process, and bootId is
 * drawn afresh at each start, so an id from before a restart is never taken for one of now (the
 * standard's Last-Event-ID is only a string: its meaning is the server's).
 */
import { EVENT_NOUNS, EVENT_TYPES, type EventType } from '@kos/client'

/** One event as held and sent: its JSON is made once, whatever the number of clients. */
export interface JournalEntry {
  seq: number
  id: string
  type: EventType
  /** The event's data, as one line of JSON. */
  json: string
}

/** What a connecting client gets before the live events. */
export type ResumeDecision =
  /** No Last-Event-ID: live events only. */
  | { kind: 'fresh' }
  /** The events after its Last-Event-ID, oldest first (maybe none). */
  | { kind: 'replay', entries: JournalEntry[] }
  /** Its Last-Event-ID cannot be resumed from: it must reload the snapshot. */
  | { kind: 'reset', reason: string }

export class EventJournal {
  readonly bootId: string
  readonly capacity: number
  /** Ring of the newest entries; `ring[(seq - 1) % capacity]` holds seq while it is kept. */
  private readonly ring: JournalEntry[] = []
  private seq = 0

  /** @param bootId letters and digits only (no `-`): the first part of every id */
  constructor (bootId: string, capacity: number) {
    if (!/^[A-Za-z0-9]+$/.test(bootId)) throw new RangeError(`bootId must be letters and digits, got ${JSON.stringify(bootId)}`)
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
    this.bootId = bootId
    this.capacity = capacity
  }

  /** The id of the newest event (`<bootId>-0` before the first): where a client connecting now stands. */
  get lastId (): string { return this.idOf(this.seq) }
  get lastSeq (): number { return this.seq }
  /** The oldest seq still held (lastSeq + 1 when empty). */
  get oldestSeq (): number { return Math.max(1, this.seq - this.ring.length + 1) }

  /** Adds an event; the oldest is dropped once `capacity` are held. */
  append (type: EventType, json: string): JournalEntry {
    const seq = ++this.seq
    const entry = { seq, id: this.idOf(seq), type, json }
    this.ring[(seq - 1) % this.capacity] = entry
    return entry
  }

  /**
   * What a client that last saw `lastEventId` gets: the events after it while they are all still
   * held, else a reset saying why (the node restarted, or the ring has moved past it).
   */
  resume (lastEventId: string | undefined): ResumeDecision {
    if (lastEventId === undefined || lastEventId === '') return { kind: 'fresh' }
    const m = /^([A-Za-z0-9]+)-(\d{1,15})$/.exec(lastEventId)
    if (m === null) return { kind: 'reset', reason: `Last-Event-ID ${JSON.stringify(lastEventId.slice(0, 64))} is not an id of this stream` }
    if (m[1] !== this.bootId) return { kind: 'reset', reason: 'the node restarted since that event (its ids start again)' }
    const after = Number(m[2])
    if (after > this.seq) return { kind: 'reset', reason: `Last-Event-ID ${lastEventId} is ahead of this stream (newest ${this.lastId})` }
    if (after < this.oldestSeq - 1) {
      return { kind: 'reset', reason: `${this.oldestSeq - 1 - after} events after ${lastEventId} are no longer held (the node keeps the last ${this.capacity})` }
    }
    const entries: JournalEntry[] = []
    for (let seq = after + 1; seq <= this.seq; seq++) entries.push(this.ring[(seq - 1) % this.capacity]!)
    return { kind: 'replay', entries }
  }

  private idOf (seq: number): string { return `${this.bootId}-${seq}` }
}

/**
 * A client's `?types=`: the nouns and whole types it asked for, or null for the default (every
 * type but `peers:sample`, a snapshot each heartbeat that only a live view wants).
 */
export type TypeFilter = ReadonlySet<string> | null

const NOUNS: ReadonlySet<string> = new Set(EVENT_NOUNS)
const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES)

/** Parses `?types=member,coordinator:elected`; an error message (naming the bad item) for an unknown noun or type. */
export function parseTypes (raw: string | undefined): { filter: TypeFilter } | { error: string } {
  if (raw === undefined) return { filter: null }
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0) return { error: 'must name at least one event type or noun' }
  for (const item of items) {
    if (!NOUNS.has(item) && !TYPES.has(item)) {
      return { error: `unknown event type ${JSON.stringify(item.slice(0, 64))}; give nouns (${EVENT_NOUNS.join(', ')}) or whole types such as member:dead` }
    }
  }
  return { filter: new Set(items) }
}

/** Whether a client with `filter` gets events of `type`. */
export function wants (filter: TypeFilter, type: EventType): boolean {
  if (filter === null) return type !== 'peers:sample'
  return filter.has(type) || filter.has(type.slice(0, type.indexOf(':')))
}

/** The SSE frame of a journaled event: `id`, `event` and one `data` line (JSON has no raw newline). */
export function eventFrame (e: JournalEntry): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${e.json}\n\n`
}

/** A frame with no id (`hello` on resume, `peers:sample`): it does not move the client's Last-Event-ID. */
export function frameWithoutId (type: string, json: string): string {
  return `event: ${type}\ndata: ${json}\n\n`
}

/** A frame that carries an id of its own: `hello` and `reset` tell a client where the stream stands. */
export function frameWithId (id: string, type: string, json: string): string {
  return `id: ${id}\nevent: ${type}\ndata: ${json}\n\n`
}
