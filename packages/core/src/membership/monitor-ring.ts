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

export class MonitorRing {
  /** Peer ids in ring order. */
  private readonly ids: string[] = []
  private readonly positions: number[] = []
  private readonly present = new Set<string>()

  get size (): number { return this.ids.length }
  has (peerId: string): boolean { return this.present.has(peerId) }

  /** Puts the member on the ring; false if it was already there. */
  add (peerId: string): boolean {
    if (this.present.has(peerId)) return false
    const p = ringPosition(peerId)
    const i = this.indexFor(p, peerId)
    this.ids.splice(i, 0, peerId)
    this.positions.splice(i, 0, p)
    this.present.add(peerId)
    return true
  }

  /** Takes the member off the ring; false if it was not there. */
  remove (peerId: string): boolean {
    if (!this.present.delete(peerId)) return false
    const i = this.indexFor(ringPosition(peerId), peerId)
    this.ids.splice(i, 1)
    this.positions.splice(i, 1)
    return true
  }

  /** The `k` members after `peerId` on the ring (its monitors), fewer if the ring is smaller; it must be on the ring. */
  successors (peerId: string, k: number): string[] { return this.walk(peerId, k, 1) }

  /** The `k` members before `peerId` on the ring (those it monitors). */
  predecessors (peerId: string, k: number): string[] { return this.walk(peerId, k, -1) }

  private walk (peerId: string, k: number, step: 1 | -1): string[] {
    const n = this.ids.length
    if (!this.present.has(peerId)) return []
    const at = this.indexFor(ringPosition(peerId), peerId)
    const out: string[] = []
    for (let d = 1; d < n && out.length < k; d++) out.push(this.ids[(at + step * d + n * k) % n]!)
    return out
  }

  /** The index of (position, id) in the sorted ring: where it is, or would be inserted. */
  private indexFor (p: number, id: string): number {
    let lo = 0; let hi = this.ids.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const mp = this.positions[mid]!
      if (mp < p || (mp === p && this.ids[mid]! < id)) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
