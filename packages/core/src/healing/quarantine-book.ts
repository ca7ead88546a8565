/**
 * The cluster-wide ethics quarantines (issue 6), as a fold over audit entries. The audit log is
 * the replicated, signed record every node already holds (a late joiner or a restarted node
 * catches up by anti-entropy), so it is also the quarantine list: no node starts an agent of a
 * quarantined name, whichever node's agent misbehaved.
 *
 * - `agent:quarantined` (subject: the agent's name), from any origin, quarantines the name.
 * - `agent:released` (subject: the name, details.quarantinedBy/quarantinedSeq: the entry it
 *   lifts) releases it only when its origin may: a designated Junzi peer, or the node that
 *   quarantined it (its operator, with its token). An entry from anyone else is refused, so
 *   a node's operator cannot append their way past an authority (`POST /v1/audit` is open to
 *   any token holder).
 * A release names the quarantine it lifts, so entries that arrive out of order (the release
 * before the quarantine, or an old release after a new quarantine) are still folded right.
 *
 * Pure: entries in, state out.
 */
export interface QuarantineEntry {
  origin: string
  seq: number
  ts: number
  type: string
  subject: string
  details: Record<string, unknown>
}

export interface Quarantine { agent: string, origin: string, seq: number, reason: string, at: number }

export type QuarantineChange =
  | { type: 'quarantined', quarantine: Quarantine }
  | { type: 'released', agent: string, by: string }
  | { type: 'refused', agent: string, by: string, reason: string }
  | null

export function mayRelease (q: Pick<Quarantine, 'origin'>, by: string, junzi: readonly string[]): boolean {
  return by === q.origin || junzi.includes(by)
}

export class QuarantineBook {
  private readonly active = new Map<string, Quarantine>()
  /** Quarantine entries (`origin/seq`) already lifted, whichever came first. */
  private readonly released = new Set<string>()

  get (agent: string): Quarantine | undefined { return this.active.get(agent) }
  list (): Quarantine[] { return [...this.active.values()] }

  apply (e: QuarantineEntry, junzi: readonly string[]): QuarantineChange {
    if (e.type === 'agent:quarantined') {
      if (this.released.has(`${e.origin}/${e.seq}`)) return null
      // Already quarantined (by this or another node): the first quarantine stands until released.
      if (this.active.has(e.subject)) return null
      const q = { agent: e.subject, origin: e.origin, seq: e.seq, reason: String(e.details.reason ?? ''), at: e.ts }
      this.active.set(e.subject, q)
      return { type: 'quarantined', quarantine: q }
    }
    if (e.type === 'agent:released') {
      const by = e.origin
      const qOrigin = e.details.quarantinedBy
      const qSeq = e.details.quarantinedSeq
      if (typeof qOrigin !== 'string' || typeof qSeq !== 'number') return { type: 'refused', agent: e.subject, by, reason: 'the release names no quarantine entry' }
      if (!mayRelease({ origin: qOrigin }, by, junzi)) return { type: 'refused', agent: e.subject, by, reason: 'only a designated Junzi peer or the quarantining node may release' }
      this.released.add(`${qOrigin}/${qSeq}`)
      const current = this.active.get(e.subject)
      if (current === undefined || current.origin !== qOrigin || current.seq !== qSeq) return null
      this.active.delete(e.subject)
      return { type: 'released', agent: e.subject, by }
    }
    return null
  }
}
