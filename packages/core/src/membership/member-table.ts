/**
 * Where the membership core keeps the fields a heartbeat reads and writes: columns (typed
 * arrays) indexed by a slot per member, with the phi-accrual detectors of the members monitored
 * (member-detectors.ts) named by the same slots.
 *
 * Why columns: a heartbeat is the most frequent input there is, and what it updates is a handful
 * of numbers. Held in objects (record, detector, history, boxed numbers) those sit in scattered
 * heap cells; in columns they sit together. The rest of what the core holds about a member (its
 * claimed name and role, when its state began, its probe, its place in the due queue) is in
 * columns too: `MemberRecord` is a view of one slot, made when needed, not an object kept per
 * member (a node holds one entry per member, the simulator one per node and member: 10⁸ at
 * N = 10,000, where a record object, its map entries and boxed numbers came to ~400 bytes each).
 *
 * The table is a seam: the core asks it for slots and never numbers them itself. A node uses
 * `LocalMemberTable` (dense slots, reused, grown as needed); the simulator gives every node a view
 * of one world-wide table whose slot for (receiver r, member s) is r·N + s, so that what a node
 * does to its whole table (learning a formed cluster, a push/pull's digest, a scan for the dead)
 * walks the columns in address order.
 */
import { SlotSlab, type Clock, type PhiAccrualOptions } from '@kos/detect'
import { ROLES, type HealthSummary, type MemberState, type Role } from '../vocabulary/index.js'
import { mergeSummary } from './summary-version.js'
import { MemberDetectors } from './member-detectors.js'

const NO_ADDRS: readonly string[] = Object.freeze([])

/** State codes of the `state` column; 0: the slot holds no member. */
export const NO_MEMBER = 0
export const ALIVE = 1
export const SUSPECT = 2
export const DEAD = 3
export const LEFT = 4
const STATE_NAMES: readonly MemberState[] = ['alive', 'alive', 'suspect', 'dead', 'left']

export function stateCode (state: MemberState): number {
  switch (state) {
    case 'alive': return ALIVE
    case 'suspect': return SUSPECT
    case 'dead': return DEAD
    case 'left': return LEFT
  }
}

export function stateName (code: number): MemberState {
  return STATE_NAMES[code]!
}

/**
 * Per slot in the slab: the member's incarnation, its last heartbeat (NaN: none), when its state
 * began, and the key of its live entry in the due queue (Infinity: none). Four numbers, 32
 * bytes; its state, role and flags are a byte each, its order of insertion 4 bytes, and the two
 * times a member rarely has (a probe running, a notice sent to it) are kept apart, for the few
 * that have them.
 */
const INCARNATION = 0
const LAST_HEARTBEAT = 1
const STATE_SINCE = 2
const QUEUED_AT = 3
const FIELDS = 4

/** Flags of the record (member-record.ts). */
export const WATCHED = 1
export const ACCUSED_HERE = 2

/**
 * The per-member columns of a table (one entry per slot): four numbers in one slab and the
 * state codes (what a heartbeat reads and writes first), the health summaries, addresses,
 * claimed names, roles, flags and orders of insertion beside them, and the detectors of the members monitored (member-detectors.ts: k of them
 * with bounded monitors, not one per member).
 */
export class MemberColumns {
  private readonly slab: SlotSlab
  /** `stateCode` of the member in the slot, NO_MEMBER if none. */
  private states: Uint8Array
  /** Its order of insertion (member-record.ts). */
  private seqs: Int32Array
  /** Its place on the monitor ring (`ringPosition` of its peer id): digests read it for every member. */
  private positions: Uint32Array
  /** When its probe started, for the members being probed. */
  private readonly probes = new Map<number, number>()
  /** When it was last told it is held non-alive, for the members told. */
  private readonly rebroadcasts = new Map<number, number>()
  /** Its last health summary (merged with the previous one when it came without the detail). */
  readonly health: Array<HealthSummary | null>
  /**
   * Its addresses, as the last heartbeat or claim that carried them said: the array received,
   * not a copy (none of these arrays is ever changed in place; the views copy).
   */
  readonly addrs: Array<readonly string[]>
  /** The name a claim announced (a heartbeat's summary has the last word: MemberRecord.name). */
  readonly names: string[]
  /** The role a claim announced, as its index in ROLES. */
  private roles: Uint8Array
  /** WATCHED, ACCUSED_HERE. */
  private flagBits: Uint8Array
  readonly detectors: MemberDetectors
  /** `crossingsBefore`'s filter: the member is held alive. */
  private readonly aliveAt = (slot: number): boolean => this.state(slot) === ALIVE

  /** `ownerSlots`: the slots of an owner, in runs (the simulator's world table: node r owns slots r·N to r·N + N − 1); 0: one owner. */
  constructor (phi: PhiAccrualOptions, clock: Clock, capacity: number, ownerSlots = 0) {
    this.slab = new SlotSlab(FIELDS, capacity)
    this.states = new Uint8Array(capacity)
    this.seqs = new Int32Array(capacity)
    this.positions = new Uint32Array(capacity)
    this.health = new Array<HealthSummary | null>(capacity).fill(null)
    this.addrs = new Array<readonly string[]>(capacity).fill(NO_ADDRS)
    this.names = new Array<string>(capacity).fill('')
    this.roles = new Uint8Array(capacity)
    this.flagBits = new Uint8Array(capacity)
    this.detectors = new MemberDetectors(phi, clock, capacity, ownerSlots)
  }

  get capacity (): number { return this.slab.capacity }

  /** Makes room for `capacity` slots, keeping what the slots hold. */
  grow (capacity: number): void {
    if (capacity <= this.capacity) return
    this.slab.grow(capacity)
    for (let i = this.health.length; i < capacity; i++) { this.health.push(null); this.addrs.push(NO_ADDRS); this.names.push('') }
    const roles = new Uint8Array(capacity); roles.set(this.roles); this.roles = roles
    const states = new Uint8Array(capacity); states.set(this.states); this.states = states
    const seqs = new Int32Array(capacity); seqs.set(this.seqs); this.seqs = seqs
    const positions = new Uint32Array(capacity); positions.set(this.positions); this.positions = positions
    const flags = new Uint8Array(capacity); flags.set(this.flagBits); this.flagBits = flags
    this.detectors.grow(capacity)
  }

  /** `stateCode` of the member in the slot, NO_MEMBER if none. */
  state (slot: number): number { return this.states[slot]! }
  setState (slot: number, code: number): void { this.states[slot] = code }
  incarnation (slot: number): number { return this.slab.data[slot * this.slab.stride + INCARNATION]! }
  setIncarnation (slot: number, incarnation: number): void { this.slab.data[slot * this.slab.stride + INCARNATION] = incarnation }
  /** When its last heartbeat arrived (clock ms), NaN: none yet. */
  lastHeartbeatAtMs (slot: number): number { return this.slab.data[slot * this.slab.stride + LAST_HEARTBEAT]! }
  setLastHeartbeatAtMs (slot: number, atMs: number): void { this.slab.data[slot * this.slab.stride + LAST_HEARTBEAT] = atMs }
  stateSinceMs (slot: number): number { return this.slab.data[slot * this.slab.stride + STATE_SINCE]! }
  setStateSinceMs (slot: number, atMs: number): void { this.slab.data[slot * this.slab.stride + STATE_SINCE] = atMs }
  /** NaN: no probe running. */
  probeStartedAtMs (slot: number): number { return this.probes.get(slot) ?? NaN }
  setProbeStartedAtMs (slot: number, atMs: number): void { if (Number.isNaN(atMs)) this.probes.delete(slot); else this.probes.set(slot, atMs) }
  /** NaN: never. */
  lastRebroadcastAtMs (slot: number): number { return this.rebroadcasts.get(slot) ?? NaN }
  setLastRebroadcastAtMs (slot: number, atMs: number): void { if (Number.isNaN(atMs)) this.rebroadcasts.delete(slot); else this.rebroadcasts.set(slot, atMs) }
  seq (slot: number): number { return this.seqs[slot]! }
  position (slot: number): number { return this.positions[slot]! }
  queuedAtMs (slot: number): number { return this.slab.data[slot * this.slab.stride + QUEUED_AT]! }
  setQueuedAtMs (slot: number, atMs: number): void { this.slab.data[slot * this.slab.stride + QUEUED_AT] = atMs }
  role (slot: number): Role { return ROLES[this.roles[slot]!]! }
  setRole (slot: number, role: Role): void { this.roles[slot] = Math.max(0, ROLES.indexOf(role)) }
  flag (slot: number, bit: number): boolean { return (this.flagBits[slot]! & bit) !== 0 }
  setFlag (slot: number, bit: number, on: boolean): void { this.flagBits[slot] = on ? this.flagBits[slot]! | bit : this.flagBits[slot]! & ~bit }

  /** The record's fields of a member just added (member-record.ts): not queued, no probe, never told. */
  initRecord (slot: number, position: number, name: string, role: Role, addrs: readonly string[], sinceMs: number, seq: number): void {
    const d = this.slab.data
    const at = slot * this.slab.stride
    d[at + STATE_SINCE] = sinceMs
    d[at + QUEUED_AT] = Infinity
    this.probes.delete(slot)
    this.rebroadcasts.delete(slot)
    this.seqs[slot] = seq
    this.positions[slot] = position
    this.names[slot] = name
    this.setRole(slot, role)
    this.flagBits[slot] = WATCHED
    this.addrs[slot] = addrs
  }

  /**
   * What a heartbeat from the member in `slot` writes once its record has nothing to do (it is
   * known, at this incarnation or a newer one): its addresses and health summary, and, while it
   * is alive or suspect, the arrival for its detector. Returns true when that brought its
   * crossing forward, which the holder of its due bound must hear of.
   */
  recordHeartbeat (slot: number, addrs: readonly string[], health: HealthSummary, now: number): boolean {
    if (addrs.length > 0) this.addrs[slot] = addrs
    // A heartbeat without the detail (its sender is degraded, or it is a beat to a monitor)
    // keeps the detail and services we had of the same life of the member: a restarted member's
    // old services are not what it runs now. The summary also names the member: its name and
    // role are read from it.
    // A versioned summary older than the one held (a late copy) changes nothing (summary-version.ts).
    const held = this.health[slot]!
    if (held !== health) this.health[slot] = mergeSummary(held, health)
    const state = this.state(slot)
    if (state !== ALIVE && state !== SUSPECT) return false
    this.setLastHeartbeatAtMs(slot, now)
    // A new interval can bring the crossing forward (a burst shrinks the mean).
    return this.detectors.heartbeat(slot)
  }

  /**
   * Appends to `out` the slots of `owner` whose member is held alive and whose φ may reach the
   * threshold before `horizonMs`, in slot order (only monitored members have a detector).
   */
  crossingsBefore (owner: number, horizonMs: number, out: number[]): void {
    this.detectors.crossingsBefore(owner, horizonMs, this.aliveAt, out)
  }

  /** A new member in `slot`: no heartbeat, no health, no detector (its record resets one when it monitors the member). */
  init (slot: number, state: MemberState, incarnation: number): void {
    this.detectors.release(slot)
    this.setState(slot, stateCode(state))
    this.setIncarnation(slot, incarnation)
    this.setLastHeartbeatAtMs(slot, NaN)
    this.health[slot] = null
    this.addrs[slot] = NO_ADDRS
  }

  clear (slot: number): void {
    this.detectors.release(slot)
    this.probes.delete(slot)
    this.rebroadcasts.delete(slot)
    this.setState(slot, NO_MEMBER)
    this.health[slot] = null
    this.addrs[slot] = NO_ADDRS
    this.names[slot] = ''
  }
}

/** The slots of one node's members. */
/** What `acceptRoutineHeartbeat` did. */
export const HEARTBEAT_NOT_ROUTINE = 0
export const HEARTBEAT_RECORDED = 1
export const HEARTBEAT_MOVED_DEADLINE = 2

/**
 * The routine heartbeat, the one every member sends every second: from a member held alive, at
 * no newer incarnation. `Membership.onHeartbeat` does nothing with it but this (it starts with
 * this call), so a table that fans heartbeats out itself (the simulator's world table, which
 * writes a million a second at 1,000 nodes) may take it here without the core, the same code
 * either way. HEARTBEAT_NOT_ROUTINE: nothing changed, the heartbeat is the core's (`onHeartbeat`);
 * HEARTBEAT_RECORDED; HEARTBEAT_MOVED_DEADLINE: recorded, and the member's crossing came forward, which its core
 * must hear (`Membership.deadlineMoved`).
 */
export function acceptRoutineHeartbeat (cols: MemberColumns, slot: number, incarnation: number, addrs: readonly string[], health: HealthSummary, now: number): number {
  if (cols.state(slot) !== ALIVE || incarnation > cols.incarnation(slot)) return HEARTBEAT_NOT_ROUTINE
  return cols.recordHeartbeat(slot, addrs, health, now) ? HEARTBEAT_MOVED_DEADLINE : HEARTBEAT_RECORDED
}

export interface MemberTable {
  readonly columns: MemberColumns
  /** The member's slot, or -1 if it holds none. */
  slotOf: (peerId: string) => number
  /** The peer id of the member in a slot it holds. */
  peerAt: (slot: number) => string
  /** Takes a slot for a member that holds none, initialised by `columns.init`. */
  add: (peerId: string, state: MemberState, incarnation: number) => number
  /** Gives the member's slot back. */
  remove: (peerId: string) => void
  /** Appends to `out` the slots of the members held alive whose φ may reach the threshold before `horizonMs`. */
  crossingsBefore: (horizonMs: number, out: number[]) => void
}

/** A node's own table: dense slots, a removed member's slot reused, doubled when full. */
export class LocalMemberTable implements MemberTable {
  readonly columns: MemberColumns
  private readonly slots = new Map<string, number>()
  private readonly peers: string[] = []
  private readonly free: number[] = []
  private used = 0

  constructor (phi: PhiAccrualOptions, clock: Clock, initialCapacity = 16) {
    this.columns = new MemberColumns(phi, clock, initialCapacity)
  }

  slotOf (peerId: string): number {
    return this.slots.get(peerId) ?? -1
  }

  peerAt (slot: number): string { return this.peers[slot]! }

  add (peerId: string, state: MemberState, incarnation: number): number {
    let slot = this.free.pop()
    if (slot === undefined) {
      if (this.used === this.columns.capacity) this.columns.grow(Math.max(16, this.used * 2))
      slot = this.used++
    }
    this.slots.set(peerId, slot)
    this.peers[slot] = peerId
    this.columns.init(slot, state, incarnation)
    return slot
  }

  crossingsBefore (horizonMs: number, out: number[]): void {
    this.columns.crossingsBefore(0, horizonMs, out)
  }

  remove (peerId: string): void {
    const slot = this.slots.get(peerId)
    if (slot === undefined) return
    this.slots.delete(peerId)
    this.columns.clear(slot)
    this.free.push(slot)
  }
}
