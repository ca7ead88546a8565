/**
 * What GET /v1/events streams, gathered in one place: every event of the node's event path and
 * every audit entry stored (journaled with an id, see event-journal.ts), and the `peers:sample`
 * snapshots, taken each `sampleIntervalMs` only while some client wants them (an idle node with
 * no dashboard open does no sampling work).
 *
 * The node wires it (node.ts): `publish` from a subscriber of the EventBus and of the audit log.
 * Listeners run synchronously and must not block; the route only writes to its socket.
 */
import { randomBytes } from 'node:crypto'
import type { AuditEntryView, EventType, PeerInfo, PeersSample } from '@kos/client'
import type { KosEvent } from '../events/kos-event.js'
import type { MemberView } from '@kos/core'
import { EventJournal, frameWithoutId, type JournalEntry } from './event-journal.js'

/** Every type of the event path is a type of the stream; a new event type fails to compile here until @kos/client's EVENT_TYPES has it. */
type Unlisted = Exclude<KosEvent['type'], EventType>
const everyEventTypeListed: [Unlisted] extends [never] ? true : Unlisted = true
void everyEventTypeListed

export interface EventFeedInit {
  /** Events kept for clients that reconnect. @default 1024 */
  capacity?: number
  /** The process's id in event ids. @default 8 random hex digits */
  bootId?: string
  /** Period of `peers:sample`. */
  sampleIntervalMs: number
  /** The sample; undefined while the node cannot give one (not started yet). */
  sample: () => PeersSample | undefined
  /** The API view of a member (phi rounded, breakers), for member events; undefined once it is forgotten. */
  peer: (peerId: string) => PeerInfo | undefined
}

/**
 * 1024 events: a cluster busy with a failure produces some tens a second (each member event is
 * also an audit entry), so a client that lost its connection for most of a minute still gets
 * everything; at under 1 KB an event that is under 1 MB held.
 */
export const DEFAULT_EVENT_CAPACITY = 1024

export class EventFeed {
  readonly journal: EventJournal
  private readonly init: EventFeedInit
  private readonly listeners = new Set<(e: JournalEntry) => void>()
  private readonly sampleListeners = new Set<(frame: string) => void>()
  private sampleTimer: NodeJS.Timeout | undefined
  /** The newest sample, for a client that subscribes between two. */
  private lastSample: { frame: string, at: number } | undefined

  constructor (init: EventFeedInit) {
    this.init = init
    this.journal = new EventJournal(init.bootId ?? randomBytes(4).toString('hex'), init.capacity ?? DEFAULT_EVENT_CAPACITY)
  }

  /** Clients listening now (live events and samples alike are per client). */
  get clients (): number { return this.listeners.size }

  /** An event of the node's event path, with member events carrying the member as the API shows it. */
  publishEvent (e: KosEvent): void {
    this.publish(e.type, 'member' in e ? { ...e, member: this.memberView(e.member) } : e)
  }

  /** An audit entry stored, local or replicated. */
  publishAuditEntry (entry: AuditEntryView): void {
    this.publish('audit:entry', entry)
  }

  publish (type: EventType, data: unknown): void {
    const entry = this.journal.append(type, JSON.stringify(data))
    for (const l of this.listeners) l(entry)
  }

  /** Calls `listener` with every event from now on. Returns unsubscribe. */
  subscribe (listener: (e: JournalEntry) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /**
   * Calls `listener` with a `peers:sample` frame at once (the last one, if it is recent), then with
   * each one from now on; sampling runs while anyone listens.
   */
  subscribeSamples (listener: (frame: string) => void): () => void {
    this.sampleListeners.add(listener)
    if (this.sampleTimer === undefined) {
      this.sampleTimer = setInterval(() => { this.sampleNow() }, this.init.sampleIntervalMs)
      this.sampleTimer.unref()
    }
    const recent = this.lastSample !== undefined && performance.now() - this.lastSample.at < this.init.sampleIntervalMs
    if (recent) listener(this.lastSample!.frame)
    else this.sampleNow()
    return () => {
      this.sampleListeners.delete(listener)
      if (this.sampleListeners.size === 0) this.stopSampling()
    }
  }

  /** Stops sampling; the route ends the streams themselves. Idempotent. */
  close (): void {
    this.sampleListeners.clear()
    this.stopSampling()
  }

  private sampleNow (): void {
    const sample = this.init.sample()
    if (sample === undefined) return
    const frame = frameWithoutId('peers:sample', JSON.stringify(sample))
    this.lastSample = { frame, at: performance.now() }
    for (const l of this.sampleListeners) l(frame)
  }

  private stopSampling (): void {
    clearInterval(this.sampleTimer)
    this.sampleTimer = undefined
  }

  private memberView (m: MemberView): PeerInfo | Omit<MemberView, 'stateSinceMs'> {
    let info: PeerInfo | undefined
    try { info = this.init.peer(m.peerId) } catch { info = undefined }
    if (info !== undefined) return info
    // A removed member is no longer in the table: show what the event says (stateSinceMs is a
    // monotonic clock reading, meaningless outside the process).
    const { stateSinceMs: _, ...rest } = m
    return { ...rest, phi: m.phi === null ? null : Math.round(m.phi * 100) / 100 }
  }
}
