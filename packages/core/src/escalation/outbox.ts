/**
 * The sender's outbox bookkeeping (issue #5), pure: no I/O, no timers; the time comes in as an
 * argument. The shell (escalation-service.ts in the node) persists every item this returns before it acts on it, so
 * the outbox on disk is always at least as far as anything a peer was told.
 *
 *   pending ──delivered(to)──▶ delivered ──acked(by)──▶ acked ──resolved(by)──▶ resolved
 *
 * Statuses only move forward (a late notice never undoes a later one); an ack or a resolve may
 * skip states (a re-sent escalation whose authority already acked it). `add` is idempotent on
 * the id. Failed attempts are counted per item and per target.
 */
import { isAdvance, type Escalation, type EscalationStatus } from './escalation-record.js'

export interface OutboxItem {
  record: Escalation
  status: EscalationStatus
  /** The peer id or webhook URL that took it; null while pending. */
  deliveredTo: string | null
  /** Delivery attempts to single targets that failed. */
  attempts: number
  lastError: string | null
  /** Who acked or resolved it (an authority's peer id). */
  by: string | null
  /** ISO time of the last change. */
  updatedAt: string
}

export type OutboxChange = { item: OutboxItem, from: EscalationStatus } | null

export class Outbox {
  private readonly items = new Map<string, OutboxItem>()

  /** Loads a persisted item (at start). */
  load (item: OutboxItem): void { this.items.set(item.record.id, item) }

  get (id: string): OutboxItem | undefined { return this.items.get(id) }
  get size (): number { return this.items.size }
  list (): OutboxItem[] { return [...this.items.values()] }
  /** The items still to deliver, oldest first. */
  pending (): OutboxItem[] {
    return this.list().filter((i) => i.status === 'pending').sort((a, b) => a.record.createdAt.localeCompare(b.record.createdAt))
  }

  /** Adds a new escalation; returns `created: false` with the held item when the id is known. */
  add (record: Escalation, now: Date): { item: OutboxItem, created: boolean } {
    const held = this.items.get(record.id)
    if (held !== undefined) return { item: held, created: false }
    const item: OutboxItem = { record, status: 'pending', deliveredTo: null, attempts: 0, lastError: null, by: null, updatedAt: now.toISOString() }
    this.items.set(record.id, item)
    return { item, created: true }
  }

  /** One target failed; the item stays pending (the shell fails over, then backs off). */
  attemptFailed (id: string, error: string, now: Date): OutboxItem | undefined {
    const item = this.items.get(id)
    if (item === undefined || item.status !== 'pending') return undefined
    const next = { ...item, attempts: item.attempts + 1, lastError: error.slice(0, 512), updatedAt: now.toISOString() }
    this.items.set(id, next)
    return next
  }

  /**
   * A target took it and answered with `status` (delivered on first receipt, or further when the
   * authority had already acked it). Null when nothing changes.
   */
  delivered (id: string, to: string, status: EscalationStatus, now: Date): OutboxChange {
    const item = this.items.get(id)
    if (item === undefined || item.status !== 'pending') return null
    const to2: EscalationStatus = status === 'pending' ? 'delivered' : status
    const next = { ...item, status: to2, deliveredTo: to, lastError: null, updatedAt: now.toISOString() }
    this.items.set(id, next)
    return { item: next, from: item.status }
  }

  /**
   * An authority acked or resolved it. `by` must be a designated authority (checked by the
   * shell); a notice for an unknown id or one that does not advance changes nothing.
   */
  notice (id: string, status: 'acked' | 'resolved', by: string, now: Date): OutboxChange {
    const item = this.items.get(id)
    if (item === undefined || !isAdvance(item.status, status)) return null
    const next = { ...item, status, by, deliveredTo: item.deliveredTo ?? by, lastError: null, updatedAt: now.toISOString() }
    this.items.set(id, next)
    return { item: next, from: item.status }
  }
}
