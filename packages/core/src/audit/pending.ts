/**
 * The replica's reorder buffer (docs/design/audit.md, "Replication"; issue 21): received
 * messages that carry entries wait here per origin, in seq order, until they continue what is
 * held of that origin's chain. A message ahead of the chain (a gap: a lost or late message
 * before it) waits, unverified, while the gap is pulled, and is stored as soon as the gap is
 * filled.
 *
 * Why not a queue in arrival order: a replica that stored what came first and refused what ran
 * ahead of its chain verified every later push of that origin (hashes, a signature) only to
 * throw it away until its pull came back, and the pull's answer waited behind those pushes in
 * the same bounded queue or was dropped when it was full. Under a steady load on ten nodes one
 * lost push was enough: the origin's chain stopped on the replicas for longer than 10 s, each
 * pull bringing back less than the pushes refused meanwhile.
 *
 * Bounded in entries: past `maxEntries`, the message furthest ahead of the origin holding the
 * most entries is dropped (anti-entropy and the next pull bring its entries again), so what
 * continues a chain is kept before what waits on a gap. Input is untrusted: an origin or seq
 * that is not what it should be sorts first and is taken at once, and the store refuses it.
 */
import type { ReplicationMessage } from './replication.js'

/** A received message that carries entries, with its authenticated sender. */
export interface Carrier { from: string, msg: Extract<ReplicationMessage, { kind: 'push' | 'entries' }> }

interface Held { carrier: Carrier, first: number, last: number, n: number }

/** An origin whose first waiting message is ahead of its chain, and who sent that message. */
export interface PendingGap { origin: string, from: string }

export class PendingCarriers {
  private readonly byOrigin = new Map<string, Held[]>()
  private readonly maxEntries: number
  private total = 0
  /** Where the next take starts among the origins, so that no origin waits behind the others. */
  private turn = 0

  constructor (maxEntries: number) {
    this.maxEntries = maxEntries
  }

  /** Entries waiting. */
  get entries (): number {
    return this.total
  }

  /** Adds a message; returns those dropped to stay within the bound (possibly this one). */
  add (carrier: Carrier): Carrier[] {
    const list = carrier.msg.entries
    const origin = originKey(list[0])
    const held: Held = { carrier, first: seqOf(list[0]), last: seqOf(list[list.length - 1]), n: list.length }
    const waiting = this.byOrigin.get(origin) ?? []
    let i = waiting.length
    while (i > 0 && (waiting[i - 1] as Held).first > held.first) i--
    waiting.splice(i, 0, held)
    this.byOrigin.set(origin, waiting)
    this.total += held.n
    const dropped: Carrier[] = []
    while (this.total > this.maxEntries) {
      let fullest: Held[] | undefined
      let fullestKey = ''
      let most = -1
      for (const [key, l] of this.byOrigin) {
        const n = l.reduce((s, h) => s + h.n, 0)
        if (n > most) { most = n; fullest = l; fullestKey = key }
      }
      const out = fullest?.pop()
      if (out === undefined) break
      if (fullest?.length === 0) this.byOrigin.delete(fullestKey)
      this.total -= out.n
      dropped.push(out.carrier)
    }
    return dropped
  }

  /**
   * Takes, in seq order per origin, the messages that continue or overlap what is held
   * (`headSeq`) and what this take already took, up to `budget` entries (at least one message).
   * Messages behind a gap stay.
   */
  take (headSeq: (origin: string) => number, budget: number): Carrier[] {
    const out: Carrier[] = []
    let n = 0
    const origins = [...this.byOrigin.keys()]
    this.turn = origins.length === 0 ? 0 : (this.turn + 1) % origins.length
    for (let k = 0; k < origins.length; k++) {
      const origin = origins[(this.turn + k) % origins.length] as string
      const list = this.byOrigin.get(origin) as Held[]
      let expected = headSeq(origin) + 1
      let took = false
      while (list.length > 0) {
        const h = list[0] as Held
        // After a message of this origin, only its exact continuation: the store checks one
        // call's entries of an origin as one run in seq order, so two copies of a seq in one
        // round would read as a broken chain. An overlapping copy waits for the next round.
        if (h.first > expected || (took && h.first !== expected)) break
        if (out.length > 0 && n + h.n > budget) return out
        list.shift()
        if (list.length === 0) this.byOrigin.delete(origin)
        this.total -= h.n
        n += h.n
        out.push(h.carrier)
        expected = Math.max(expected, h.last + 1)
        took = true
      }
    }
    return out
  }

  /** Per origin whose first waiting message is ahead of its chain: that message's sender. */
  gaps (headSeq: (origin: string) => number): PendingGap[] {
    const out: PendingGap[] = []
    for (const [origin, list] of this.byOrigin) {
      const h = list[0]
      if (h !== undefined && h.first > headSeq(origin) + 1) out.push({ origin, from: h.carrier.from })
    }
    return out
  }

  /**
   * How far the held chain (`head`) reaches with the waiting messages that continue it: the last
   * seq and its claimed hash, or `head` itself. For the heads this replica advertises: a peer
   * should not send again what already waits here. A claim that fails verification is refused
   * in the next round, and the heads advertised after it no longer include it.
   */
  reach (origin: string, head: { seq: number, hash: string } | undefined): { seq: number, hash: string } | undefined {
    let out = head
    for (const h of this.byOrigin.get(origin) ?? []) {
      if (h.first > (out?.seq ?? 0) + 1) break
      const hash = (h.carrier.msg.entries[h.carrier.msg.entries.length - 1] as { hash?: unknown }).hash
      if (h.last > (out?.seq ?? 0) && typeof hash === 'string') out = { seq: h.last, hash }
    }
    return out
  }

  /** Origins with messages waiting. */
  origins (): string[] {
    return [...this.byOrigin.keys()]
  }

  clear (): void {
    this.byOrigin.clear()
    this.total = 0
  }
}

function originKey (e: unknown): string {
  const origin = typeof e === 'object' && e !== null ? (e as { origin?: unknown }).origin : undefined
  return typeof origin === 'string' ? origin : ''
}

/** An entry's seq, or 0 when it has none worth the name (the store refuses such an entry). */
function seqOf (e: unknown): number {
  const seq = typeof e === 'object' && e !== null ? (e as { seq?: unknown }).seq : undefined
  return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : 0
}
