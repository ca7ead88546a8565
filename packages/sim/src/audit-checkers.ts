/**
 * The audit log's invariants (issue 7), judged on what each node's simulated disk holds, read
 * synchronously from its in-memory AuditDb (not from the core's own bookkeeping):
 *
 * - audit-acked-entry-kept: an append acknowledged with `ack=quorum` (its `awaitQuorum`
 *   resolved) is, at the final check, held by every node that is up, with the same hash. The
 *   quorum promised it would survive; a node missing it, or holding another entry in its place,
 *   is a lost acknowledged write;
 * - audit-logs-identical: at the final check every up node holds the same set of
 *   (origin, seq, hash): anti-entropy has repaired every loss, partition and restart.
 *
 * - audit-ack-has-quorum: when `awaitQuorum` resolves, a majority of the election's voter set
 *   holds the entry on disk (without an election: of the members alive, self included),
 *   crashed ones counted (their disk survives). Checked at the ack, against the disks, not
 *   against the acks counted.
 *
 * The first two are checked once, at `check()`: the run calls it after a quiet period (no appends, no
 * partition, every pause over), so a difference is a replication failure, not a lag. The final
 * digest of the logs goes into the trace, so the trace hash covers the audit state.
 */
import { createHash } from 'node:crypto'
import { AUDIT, type AuditDisk } from './audit-adapter.js'
import type { Checkers } from './checkers.js'
import type { CoreEvent } from './core-adapter.js'
import type { Observer, Simulation } from './simulation.js'

interface Acked { node: string, origin: string, seq: number, hash: string, atMs: number }

const diskOf = (disk: Map<string, unknown>): AuditDisk['db'] | undefined => (disk.get(AUDIT) as AuditDisk | undefined)?.db

export class AuditCheckers implements Observer {
  private readonly sim: Simulation
  private readonly checkers: Checkers
  private readonly acked: Acked[] = []
  /** Origin peer id → sim id, for readable reports. */
  private readonly simOf: ReadonlyMap<string, string>

  constructor (sim: Simulation, checkers: Checkers, simOf: ReadonlyMap<string, string>) {
    this.sim = sim
    this.checkers = checkers
    this.simOf = simOf
  }

  get ackedCount (): number { return this.acked.length }

  onCoreEvent (at: number, node: number, core: string, e: CoreEvent): void {
    if (core !== AUDIT || e.type !== 'audit:acked') return
    const a: Acked = { node: this.sim.ids[node]!, origin: e.origin as string, seq: e.seq as number, hash: e.hash as string, atMs: at }
    this.acked.push(a)
    const voters = Array.isArray(e.voters) ? new Set(e.voters as string[]) : null
    const holders = this.sim.procs.filter((p) => (voters === null || voters.has(p.id)) && diskOf(p.disk)?.holds(a.origin, a.seq, a.hash) === true).map((p) => p.id)
    const majority = e.majority as number
    if (holders.length < majority) {
      this.checkers.fail('audit-ack-has-quorum', `${a.node} acknowledged its entry #${a.seq} with ack=quorum while ${holders.length} node(s) hold it (${holders.join(', ')}), short of the majority of ${majority}${voters === null ? '' : ' voters'}`, [a.node])
    }
  }

  /** Both invariants over the nodes that are up now; call once the cluster is quiet and healed. */
  check (): void {
    const up = this.sim.procs.filter((p) => p.up)
    const logs = up.map((p) => {
      const db = diskOf(p.disk)
      const held = new Map<string, string>()
      for (const e of db?.heldEntries() ?? []) held.set(`${e.origin}#${e.seq}`, e.hash)
      return { id: p.id, held }
    })
    this.checkAcked(logs)
    this.checkIdentical(logs)
    const digest = createHash('sha256')
    for (const l of logs) digest.update(`${l.id}:${l.held.size}:${[...l.held].map(([k, h]) => `${k}=${h}`).sort().join(',')};`)
    this.sim.trace.add(this.sim.now, `AUDIT CHECK ${logs.length} up nodes, ${logs.map((l) => l.held.size).join('/')} entries, ${this.acked.length} quorum-acked, digest ${digest.digest('hex').slice(0, 16)}`)
  }

  /** One violation for all the acknowledged entries not held everywhere (a lost disk loses hundreds). */
  private checkAcked (logs: Array<{ id: string, held: Map<string, string> }>): void {
    const lost: string[] = []
    const nodes = new Set<string>()
    const involved = new Set<string>()
    for (const a of this.acked) {
      const key = `${a.origin}#${a.seq}`
      const wrong = logs.filter((l) => l.held.get(key) !== a.hash)
      if (wrong.length === 0) continue
      for (const l of wrong) nodes.add(l.id)
      if (involved.size < 4) { involved.add(a.node); for (const l of wrong.slice(0, 2)) involved.add(l.id) }
      if (lost.length < 4) {
        lost.push(`${this.name(a.origin)}#${a.seq} (${a.hash.slice(0, 12)}…, acked at ${a.atMs} ms): ${wrong.slice(0, 4).map((l) => `${l.id}:${l.held.has(key) ? 'another entry' : 'missing'}`).join(', ')}`)
      } else if (lost.length === 4) lost.push('…')
      else lost[4] = '…'
    }
    const count = this.acked.filter((a) => logs.some((l) => l.held.get(`${a.origin}#${a.seq}`) !== a.hash)).length
    if (count === 0) return
    this.checkers.fail('audit-acked-entry-kept',
      `${count} of ${this.acked.length} entries acknowledged with ack=quorum are not held by every up node (${[...nodes].join(', ')} of ${logs.length} lack some): ${lost.join('; ')}`,
      [...involved])
  }

  private checkIdentical (logs: Array<{ id: string, held: Map<string, string> }>): void {
    const union = new Map<string, Set<string>>()
    for (const l of logs) for (const [k, h] of l.held) { const s = union.get(k) ?? new Set(); s.add(h); union.set(k, s) }
    const diffs: string[] = []
    const involved: string[] = []
    for (const l of logs) {
      let missing = 0
      let other = 0
      let first = ''
      for (const [k, hashes] of union) {
        const h = l.held.get(k)
        if (h === undefined) { missing++; first ||= k } else if (hashes.size > 1) { other++; first ||= k }
      }
      if (missing + other === 0) continue
      involved.push(l.id)
      const [origin, seq] = first.split('#')
      diffs.push(`${l.id} lacks ${missing}${other > 0 ? `, forks ${other}` : ''} (first ${this.name(origin!)}#${seq})`)
    }
    if (diffs.length === 0) return
    this.checkers.fail('audit-logs-identical',
      `${diffs.length} of ${logs.length} up nodes hold a different log (${union.size} entries in all): ${diffs.slice(0, 6).join('; ')}${diffs.length > 6 ? '; …' : ''}`,
      involved.slice(0, 4))
  }

  private name (origin: string): string { return this.simOf.get(origin) ?? origin }
}
