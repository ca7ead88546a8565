/**
 * One member table for the whole simulated world, behind @kos/core's MemberTable interface: every
 * node's membership core keeps its members' hot fields and detectors here, node r's entry for
 * member s at slot r·N + s. What a node does to its whole table walks its own run of slots in
 * address order: the formed cluster's start (N² entries learnt, node after node), every
 * push/pull's digest, the scans for the members held dead. A gossip fan-out from s jumps by N
 * instead, but it touches one entry per receiver, and the start and the scans touched all N.
 */
import { acceptRoutineHeartbeat, HEARTBEAT_MOVED_DEADLINE, MemberColumns, NO_MEMBER, HEARTBEAT_NOT_ROUTINE, type HealthSummary, type MemberState, type MemberTable, type Membership } from '@kos/core'
import type { Clock, PhiAccrualOptions } from '@kos/detect'

/** Where node `receiver`'s entry for member `member` lives, in a world of `n` nodes. */
function worldSlot (n: number, receiver: number, member: number): number {
  return receiver * n + member
}

export class WorldMemberTable {
  readonly columns: MemberColumns
  private readonly ids: readonly string[]
  /** Node index by peer id. */
  readonly indexOf: ReadonlyMap<string, number>
  private readonly n: number
  private readonly clock: Clock
  /** The membership core of each node's current life, for `acceptHeartbeat`'s rare follow-up. */
  private readonly cores: Array<Membership | undefined>

  constructor (ids: readonly string[], phi: PhiAccrualOptions, clock: Clock) {
    this.ids = ids
    this.n = ids.length
    this.clock = clock
    this.cores = new Array<Membership | undefined>(this.n)
    this.indexOf = new Map(ids.map((id, i) => [id, i]))
    // Node r owns the slots r·n to r·n + n - 1: its crossing scan looks at its own detectors.
    this.columns = new MemberColumns(phi, clock, this.n * this.n, this.n)
  }

  /** Node `node`'s table, emptied: a new life of the process knows no one yet. */
  viewFor (node: number): MemberTable {
    for (let s = 0; s < this.n; s++) this.columns.clear(worldSlot(this.n, node, s))
    return new WorldTableView(this.columns, this.ids, this.indexOf, this.n, node)
  }

  /** The core that node `node`'s view (from `viewFor`) now serves. */
  attach (node: number, core: Membership): void { this.cores[node] = core }

  /**
   * A heartbeat from node `from` reaches running node `to`: the core's own routine case
   * (`acceptRoutineHeartbeat`, with which Membership.onHeartbeat starts), done here without
   * touching that node's objects unless the member's deadline moved. False, having changed
   * nothing: any other case, left to the shell and its core.
   */
  acceptHeartbeat (from: number, to: number, incarnation: number, addrs: readonly string[], health: HealthSummary): boolean {
    const routine = acceptRoutineHeartbeat(this.columns, worldSlot(this.n, to, from), incarnation, addrs, health, this.clock.now())
    if (routine === HEARTBEAT_NOT_ROUTINE) return false
    if (routine === HEARTBEAT_MOVED_DEADLINE) this.cores[to]!.deadlineMoved(this.ids[from]!)
    return true
  }
}

class WorldTableView implements MemberTable {
  readonly columns: MemberColumns
  private readonly ids: readonly string[]
  private readonly indexOf: ReadonlyMap<string, number>
  private readonly n: number
  private readonly node: number

  constructor (columns: MemberColumns, ids: readonly string[], indexOf: ReadonlyMap<string, number>, n: number, node: number) {
    this.columns = columns
    this.ids = ids
    this.indexOf = indexOf
    this.n = n
    this.node = node
  }

  peerAt (slot: number): string { return this.ids[slot - worldSlot(this.n, this.node, 0)]! }

  slotOf (peerId: string): number {
    const s = this.indexOf.get(peerId)
    if (s === undefined) return -1
    const slot = worldSlot(this.n, this.node, s)
    return this.columns.state(slot) === NO_MEMBER ? -1 : slot
  }

  add (peerId: string, state: MemberState, incarnation: number): number {
    const s = this.indexOf.get(peerId)
    if (s === undefined) throw new RangeError(`${peerId} is not a simulated node`)
    const slot = worldSlot(this.n, this.node, s)
    this.columns.init(slot, state, incarnation)
    return slot
  }

  crossingsBefore (horizonMs: number, out: number[]): void {
    this.columns.crossingsBefore(this.node, horizonMs, out)
  }

  remove (peerId: string): void {
    const s = this.indexOf.get(peerId)
    if (s !== undefined) this.columns.clear(worldSlot(this.n, this.node, s))
  }
}
