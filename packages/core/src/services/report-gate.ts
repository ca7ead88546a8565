/**
 * A new coordinator's wait for the members' services reports (issue 18 with bounded monitors,
 * issue 17): placement must never read a report it lacks as "runs nothing". With monitors on a
 * ring a member's summary (its services report) travels by gossip only when it changes, so a
 * coordinator just elected (often a node that has just restarted and joined) may hold an old
 * report of a survivor, or none, and would place that survivor's slot again: its instance
 * restarted or moved.
 *
 * So for the term it starts, the coordinator asks every present member for its report and moves
 * nothing until it has heard one from each, every one since the term started, or until
 * `waitMs` has passed since then (a member that does not answer is most likely on its way to
 * being found dead, and the slots of the others cannot wait for ever). A member not heard yet is
 * asked again every `askEveryMs`. Pure: the coordinator (placement-coordinator.ts) holds one per
 * term and the shell performs the asks.
 */
import type { PlacementMember } from './placement.js'

export interface ReportGateOptions {
  /** From the term's start: past it, placement goes on with the reports it holds. */
  waitMs: number
  /** A member not heard yet is asked again after this long. */
  askEveryMs: number
}

export interface ReportGateStep {
  /** Whether placement may act now. */
  open: boolean
  /** Members to ask for their report now. */
  ask: string[]
  /** When the gate opened by the deadline: the members still not heard (once). */
  expiredUnheard: string[]
}

export class ReportGate {
  private readonly asked = new Map<string, number>()
  private opened = false

  /** @param startMs the clock time the term (or the lease, returned) started */
  constructor (private readonly options: ReportGateOptions, readonly startMs: number) {}

  /**
   * `heardAtMs(node)`: when this node last heard `node`'s own report (undefined: never). `self`
   * is always heard. Once open, the gate stays open for the term: a member that joins later
   * runs nothing it has not been given.
   */
  step (members: readonly PlacementMember[], self: string, heardAtMs: (node: string) => number | undefined, now: number): ReportGateStep {
    if (this.opened) return { open: true, ask: [], expiredUnheard: [] }
    const unheard = members.filter((m) => m.present && m.id !== self && !((heardAtMs(m.id) ?? -Infinity) >= this.startMs)).map((m) => m.id)
    if (unheard.length === 0) {
      this.opened = true
      return { open: true, ask: [], expiredUnheard: [] }
    }
    if (now - this.startMs >= this.options.waitMs) {
      this.opened = true
      return { open: true, ask: [], expiredUnheard: unheard }
    }
    const ask: string[] = []
    for (const id of unheard) {
      const at = this.asked.get(id)
      if (at === undefined || now - at >= this.options.askEveryMs) { this.asked.set(id, now); ask.push(id) }
    }
    return { open: false, ask, expiredUnheard: [] }
  }
}
