/**
 * Who monitors whom (issue 17): the members on a consistent ring, each monitored by the `k`
 * members that follow it: every member has `k` monitors and monitors `k` members, whatever the
 * cluster's size, so heartbeats cost each node O(k), not O(N). The ring is ordered by a hash of
 * the peer id, so a member that joins or leaves moves only the `k` assignments around it, and
 * every node that holds the same members computes the same assignments.
 *
 * Pure; kept sorted incrementally (a join or a death is one insertion or removal, not a sort).
 */

/** A member's place on the ring: 32-bit FNV-1a of its peer id (ties broken by the id). */
export function ringPosition (peerId: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < peerId.length; i++) {
    h ^= peerId.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * Entries per block of the ring's order: a join or a leave moves the entries of one block, not
 * of the whole ring (a node that learns 10,000 members at once inserts each in O(√N), not O(N)).
 */
const BLOCK = 256

/**
 * A block of the ring's order: its ids and their positions (plain arrays: a typed array per block
 * made hundreds of thousands of small buffers in the simulator, one ring per node, which cost the
 * garbage collector more than they saved).
 */
interface Block { ids: string[], positions: number[] }

export class MonitorRing {
  /** Peer ids in ring order, in blocks of 1 to 2·BLOCK entries (none while the ring is empty). */
  private readonly blocks: Block[] = []
  private count = 0

  get size (): number { return this.count }
  has (peerId: string): boolean { return this.find(ringPosition(peerId), peerId) >= 0 }

  /** Puts the member on the ring; false if it was already there. */
  add (peerId: string): boolean {
    const p = ringPosition(peerId)
    if (this.blocks.length === 0) {
      this.blocks.push({ ids: [peerId], positions: [p] })
      this.count = 1
      return true
    }
    const b = this.blockFor(p, peerId)
    const block = this.blocks[b]!
    const i = indexIn(block, p, peerId)
    if (block.ids[i] === peerId) return false
    block.ids.splice(i, 0, peerId)
    block.positions.splice(i, 0, p)
    this.count++
    if (block.ids.length > 2 * BLOCK) this.blocks.splice(b + 1, 0, { ids: block.ids.splice(BLOCK), positions: block.positions.splice(BLOCK) })
    return true
  }

  /** Takes the member off the ring; false if it was not there. */
  remove (peerId: string): boolean {
    const p = ringPosition(peerId)
    if (this.blocks.length === 0) return false
    const b = this.blockFor(p, peerId)
    const block = this.blocks[b]!
    const i = indexIn(block, p, peerId)
    if (block.ids[i] !== peerId) return false
    block.ids.splice(i, 1)
    block.positions.splice(i, 1)
    this.count--
    if (block.ids.length === 0) this.blocks.splice(b, 1)
    return true
  }

  /** The `k` members after `peerId` on the ring (its monitors), fewer if the ring is smaller; it must be on the ring. */
  successors (peerId: string, k: number): string[] { return this.walk(peerId, k, 1) }

  /** The `k` members before `peerId` on the ring (those it monitors). */
  predecessors (peerId: string, k: number): string[] { return this.walk(peerId, k, -1) }

  private walk (peerId: string, k: number, step: 1 | -1): string[] {
    const p = ringPosition(peerId)
    if (this.blocks.length === 0) return []
    let b = this.blockFor(p, peerId)
    let i = indexIn(this.blocks[b]!, p, peerId)
    if (this.blocks[b]!.ids[i] !== peerId) return []
    const out: string[] = []
    for (let d = 1; d < this.count && out.length < k; d++) {
      i += step
      if (i >= this.blocks[b]!.ids.length) { b = (b + 1) % this.blocks.length; i = 0 } else if (i < 0) { b = (b - 1 + this.blocks.length) % this.blocks.length; i = this.blocks[b]!.ids.length - 1 }
      out.push(this.blocks[b]!.ids[i]!)
    }
    return out
  }

  /** The block where (position, id) is or would go: the first whose last entry is not before it, else the last. */
  private blockFor (p: number, id: string): number {
    let lo = 0; let hi = this.blocks.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const block = this.blocks[mid]!
      const last = block.ids.length - 1
      if (before(block.positions[last]!, block.ids[last]!, p, id)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The block's index of (position, id), or -1; for `has`. */
  private find (p: number, id: string): number {
    if (this.blocks.length === 0) return -1
    const block = this.blocks[this.blockFor(p, id)]!
    const i = indexIn(block, p, id)
    return block.ids[i] === id ? i : -1
  }
}

/** Whether entry (op, other) comes before (p, id) in ring order: by position, ties by id. */
function before (op: number, other: string, p: number, id: string): boolean {
  return op < p || (op === p && other < id)
}

/** The index of (position, id) in a block: where it is, or would be inserted. */
function indexIn (block: Block, p: number, id: string): number {
  let lo = 0; let hi = block.ids.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (before(block.positions[mid]!, block.ids[mid]!, p, id)) lo = mid + 1
    else hi = mid
  }
  return lo
}
