/**
 * Which alive members' φ crossings the due queue holds.
 *
 * A healthy member's crossing (its last heartbeat plus the silence after which φ may reach the
 * threshold) keeps moving later, and heartbeats do not touch the queue. Queued at each crossing,
 * every member would come due every couple of seconds only to be queued again, each time reading
 * its record and its table entry, for nothing.
 *
 * Instead, a scan over the table's columns, once every `everyMs`, queues the alive members whose
 * crossing may come before the next scan; a popped alive member whose crossing comes later is
 * left out of the queue, for the next scan to find. Nothing is missed: between scans a crossing
 * moves earlier only through a heartbeat, which reports it (`PhiAccrualTable.heartbeat`), and
 * every member that turns alive or starts or ends a probe is queued as before. Members in other
 * states, or probing, wait for fixed deadlines and stay queued.
 */
import type { MemberTable } from './member-table.js'
import { EARLY_MS, type MemberRecord } from './member-record.js'

export class CrossingScan {
  private readonly table: MemberTable
  private readonly everyMs: number
  private readonly found: number[] = []
  /** When the next scan is due; until then the queue holds every crossing up to this time. */
  private nextAtMs = -Infinity

  constructor (table: MemberTable, everyMs: number) {
    this.table = table
    this.everyMs = everyMs
  }

  /** At a tick, before the queue is popped: if a scan is due, `watch` the slot of each alive member whose crossing may come before the next one. */
  run (now: number, watch: (slot: number) => void): void {
    if (now < this.nextAtMs) return
    this.nextAtMs = now + this.everyMs
    const found = this.found
    found.length = 0
    // A queue key is the crossing less EARLY_MS (see Membership.watch).
    this.table.crossingsBefore(this.nextAtMs + EARLY_MS, found)
    for (let i = 0; i < found.length; i++) watch(found[i]!)
  }

  /** Whether a member popped from the queue goes back in at `key`: all but an alive, unprobed one due after the next scan. */
  keeps (m: MemberRecord, key: number): boolean {
    return m.state !== 'alive' || m.probeStartedAtMs !== null || key <= this.nextAtMs
  }
}
