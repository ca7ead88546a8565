/**
 * An authority's inbox bookkeeping (issue #5), pure. A received escalation is stored once per id
 * (the dedupe: a re-sent or failed-over escalation is not a second one); the authority's
 * operators ack and resolve it. Each ack/resolve must reach the sender: `notified` stays false
 * until the sender confirmed the notice, and the shell re-sends until it does. Bounded: one sender
 * may hold only so many open items, and a full inbox forgets the longest-resolved item first.
 */
import { isAdvance, type Escalation, type EscalationStatus } from './escalation-record.js'

export interface InboxItem {
  record: Escalation
  /** delivered (received), acked, resolved. */
  status: EscalationStatus
  /** The peer that delivered it (its origin: the handler checks). */
  from: string
  receivedAt: string
  updatedAt: string
  /** Whether the sender has confirmed the latest ack/resolve notice. */
  notified: boolean
}

export class Inbox {
  private readonly items = new Map<string, InboxItem>()

  load (item: InboxItem): void { this.items.set(item.record.id, item) }
  get (id: string): InboxItem | undefined { return this.items.get(id) }
  get size (): number { return this.items.size }
  list (): InboxItem[] { return [...this.items.values()] }
  /** Acks and resolves the sender has not confirmed yet. */
  unnotified (): InboxItem[] { return this.list().filter((i) => !i.notified) }
  /** Items from `sender` the authority has not resolved yet: what one sender may pile up. */
  openFrom (sender: string): number {
    let n = 0
    for (const i of this.items.values()) if (i.from === sender && i.status !== 'resolved') n++
    return n
  }

  /**
   * Makes room for one more: forgets the item resolved longest ago whose sender has the news.
   * Returns its id, or undefined when every item is still open (then nothing is forgotten).
   */
  evictOne (): string | undefined {
    let oldest: InboxItem | undefined
    for (const i of this.items.values()) {
      if (i.status === 'resolved' && i.notified && (oldest === undefined || i.updatedAt < oldest.updatedAt)) oldest = i
    }
    if (oldest !== undefined) this.items.delete(oldest.record.id)
    return oldest?.record.id
  }

  /** Receipt: new items start at delivered; a duplicate returns the held one, unchanged. */
  receive (record: Escalation, from: string, now: Date): { item: InboxItem, created: boolean } {
    const held = this.items.get(record.id)
    if (held !== undefined) return { item: held, created: false }
    const t = now.toISOString()
    const item: InboxItem = { record, status: 'delivered', from, receivedAt: t, updatedAt: t, notified: true }
    this.items.set(record.id, item)
    return { item, created: true }
  }

  /** The operator acks or resolves; null when the id is unknown or the status would not advance. */
  advance (id: string, status: 'acked' | 'resolved', now: Date): InboxItem | null {
    const item = this.items.get(id)
    if (item === undefined || !isAdvance(item.status, status)) return null
    const next = { ...item, status, updatedAt: now.toISOString(), notified: false }
    this.items.set(id, next)
    return next
  }

  /** The sender confirmed the notice of `status` (a newer status stays unnotified). */
  notified (id: string, status: EscalationStatus): InboxItem | null {
    const item = this.items.get(id)
    if (item === undefined || item.notified || item.status !== status) return null
    const next = { ...item, notified: true }
    this.items.set(id, next)
    return next
  }
}
