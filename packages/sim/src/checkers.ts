/**
 * The invariant checkers. Each violation is recorded with the time, what broke, and the last
 * trace lines about the nodes involved, so that the seed and scenario replay it.
 *
 * - one coordinator per term: no two `coordinator:elected` events name different nodes for one
 *   term (every node's events count, not only the winner's);
 * - one lease at a time: at no sample do two nodes hold a valid lease;
 * - no coordinator without a majority: a node holding a valid lease has a quorum of its voters
 *   (itself included) up, running and linked to it, except within leaseMs (+ two samples) of
 *   losing them: the lease legitimately outlives the last acknowledged heartbeat by leaseMs;
 * - one vote per node and term, across restarts, and a vote leaves only once on disk;
 * - every crashed node is dead everywhere: `deadWithinMs` after a crash, if it is still down,
 *   every running node that was up before the crash holds it dead (or has forgotten it);
 * - convergence: `convergeWithinMs` after a heal, unless another fault came in between, the
 *   member views have converged (see `converged`); likewise at the end of a run whose last
 *   fault (crash, restart, pause or heal) is at least `convergeWithinMs` old.
 * The audit core's invariants are in audit-checkers.ts, service placement's in placement-checkers.ts.
 */
import { quorumSize } from '@kos/core'
import type { CoreEvent } from './core-adapter.js'
import { ELECTION, type ElectionAdapter } from './sim-election.js'
import { MEMBERSHIP, type MembershipAdapter } from './sim-membership.js'
import { converged, type Metrics } from './metrics.js'
import type { Fault, Observer, Simulation } from './simulation.js'
import type { WorldView } from './world-view.js'

export interface Violation {
  invariant: 'one-coordinator-per-term' | 'one-lease-at-a-time' | 'coordinator-has-majority' | 'one-vote-per-term' |
    'crashed-node-dead-everywhere' | 'converged-after-heal' | 'converged-when-quiet' |
    'audit-ack-has-quorum' | 'audit-acked-entry-kept' | 'audit-logs-identical' |
    'placement-table-valid' | 'placement-two-on-a-node' | 'placement-over-replicated'
  atMs: number
  detail: string
  /** The last relevant trace lines about the nodes involved (and the faults), oldest first. */
  trace: string[]
}

export interface CheckerOptions {
  deadWithinMs: number
  convergeWithinMs: number
  /** How many violations to keep (the first ones). */
  keep: number
}

export const CHECKER_DEFAULTS: Readonly<CheckerOptions> = Object.freeze({ deadWithinMs: 15_000, convergeWithinMs: 20_000, keep: 20 })

export class Checkers implements Observer {
  readonly violations: Violation[] = []
  private readonly sim: Simulation
  private readonly world: WorldView
  private readonly metrics: Metrics
  private readonly opts: CheckerOptions
  private readonly recent: TraceRing
  private readonly coordinatorOfTerm = new Map<number, string>()
  private readonly votes = new Map<string, string>()
  /** Per lease holder: since when it has lacked a reachable majority. */
  private readonly unsupportedSince = new Map<number, number>()
  private count = 0

  constructor (sim: Simulation, world: WorldView, metrics: Metrics, recent: TraceRing, opts: CheckerOptions = CHECKER_DEFAULTS) {
    this.sim = sim
    this.world = world
    this.metrics = metrics
    this.recent = recent
    this.opts = opts
  }

  get total (): number { return this.count }

  onFault (at: number, f: Fault): void {
    if (f.type === 'crash') {
      const since = at
      const target = f.node
      this.sim.at(at + this.opts.deadWithinMs, () => { this.checkDead(target, since) })
    } else if (f.type === 'heal') {
      this.sim.at(at + this.opts.convergeWithinMs, () => { this.checkConverged(at) })
    }
  }

  onCoreEvent (at: number, node: number, core: string, e: CoreEvent): void {
    if (core !== ELECTION) return
    const id = this.sim.ids[node]!
    if (e.type === 'coordinator:elected') {
      const term = e.term as number; const who = e.coordinatorId as string
      const prior = this.coordinatorOfTerm.get(term)
      if (prior !== undefined && prior !== who) this.fail('one-coordinator-per-term', `${id} names ${who} coordinator of term ${term}, already held by ${prior}`, [id, who, prior])
      this.coordinatorOfTerm.set(term, prior ?? who)
    } else if (e.type === 'vote:sent') {
      const term = e.term as number; const to = e.to as string
      if (e.diskTerm !== term || e.diskVotedFor !== to) {
        this.fail('one-vote-per-term', `${id} sent its vote for ${to} in term ${term} before it was on disk (disk: term ${String(e.diskTerm)}, vote ${String(e.diskVotedFor)})`, [id, to])
      }
      const key = `${id}@${term}`
      const prior = this.votes.get(key)
      if (prior !== undefined && prior !== to) this.fail('one-vote-per-term', `${id} voted for ${prior} and ${to} in term ${term}`, [id, to, prior])
      this.votes.set(key, prior ?? to)
    }
  }

  onSample (at: number): void {
    const holders = this.metrics.leaseHolders()
    if (holders.length > 1) {
      const ids = holders.map((i) => this.sim.ids[i]!)
      this.fail('one-lease-at-a-time', `${holders.length} nodes hold a valid lease at once: ${holders.map((i) => `${this.sim.ids[i]!} (term ${this.election(i).core.term})`).join(', ')}`, ids)
    }
    for (const [i] of this.unsupportedSince) if (!holders.includes(i)) this.unsupportedSince.delete(i)
    for (const i of holders) {
      const e = this.election(i)
      const voters = e.core.voters
      let reachable = 0
      for (const v of voters) {
        const j = this.sim.index(v)
        if (j === i || (j >= 0 && this.sim.isRunning(j) && this.sim.net.linked(i, j))) reachable++
      }
      if (reachable >= quorumSize(voters.length)) { this.unsupportedSince.delete(i); continue }
      const since = this.unsupportedSince.get(i) ?? at
      this.unsupportedSince.set(i, since)
      const grace = e.core.options.leaseMs + 100
      if (at - since > grace) {
        this.fail('coordinator-has-majority', `${this.sim.ids[i]!} holds a valid lease in term ${e.core.term} with ${reachable} of ${voters.length} voters reachable (quorum ${quorumSize(voters.length)}) for ${at - since} ms`, [this.sim.ids[i]!])
        this.unsupportedSince.set(i, Infinity) // once per episode
      }
    }
  }

  private checkDead (target: number, crashedAt: number): void {
    if (this.sim.procs[target]!.up || this.world.crashedAt[target] !== crashedAt) return
    const id = this.sim.ids[target]!
    const wrong: string[] = []
    for (const p of this.sim.procs) {
      if (p.index === target || !this.sim.isRunning(p.index) || p.upSince > crashedAt) continue
      const s = this.sim.core<MembershipAdapter>(p.index, MEMBERSHIP)!.states.get(id)
      if (s === 'alive' || s === 'suspect') wrong.push(`${p.id}:${s}`)
    }
    if (wrong.length > 0) {
      this.fail('crashed-node-dead-everywhere', `${id} crashed at ${crashedAt} ms and is still not dead at ${wrong.length} live node(s) ${this.opts.deadWithinMs} ms later: ${wrong.slice(0, 8).join(', ')}${wrong.length > 8 ? ', …' : ''}`, [id, ...wrong.slice(0, 3).map((w) => w.split(':')[0]!)])
    }
  }

  onEnd (at: number): void {
    const quietSince = Math.max(0, this.world.lastFaultAt)
    if (at - quietSince >= this.opts.convergeWithinMs && !this.sim.net.isPartitioned) this.checkConverged(quietSince, 'converged-when-quiet')
  }

  private checkConverged (since: number, invariant: 'converged-after-heal' | 'converged-when-quiet' = 'converged-after-heal'): void {
    if (this.world.lastFaultAt > since || this.sim.net.isPartitioned) return
    if (converged(this.sim)) return
    const diffs: string[] = []
    for (const p of this.sim.procs) {
      if (!this.sim.isRunning(p.index)) continue
      const states = this.sim.core<MembershipAdapter>(p.index, MEMBERSHIP)!.states
      for (const q of this.sim.procs) {
        if (q === p) continue
        const s = states.get(q.id)
        if (q.up ? s !== 'alive' : (s === 'alive' || s === 'suspect')) diffs.push(`${p.id} sees ${q.id} ${String(s)} (${q.up ? 'up' : 'crashed'})`)
      }
    }
    this.fail(invariant, `${this.sim.now - since} ms after the ${invariant === 'converged-after-heal' ? 'heal' : 'last fault'} at ${since} ms the member views differ (${diffs.length}): ${diffs.slice(0, 6).join('; ')}`,
      diffs.slice(0, 3).flatMap((d) => d.split(' ').filter((w) => w.startsWith('n'))))
  }

  private election (i: number): ElectionAdapter { return this.sim.core<ElectionAdapter>(i, ELECTION)! }

  /** Records a violation (also for the checkers of other cores, audit-checkers.ts). */
  fail (invariant: Violation['invariant'], detail: string, involved: string[]): void {
    this.count++
    this.sim.trace.add(this.sim.now, `VIOLATION ${invariant}: ${detail}`)
    if (this.violations.length < this.opts.keep) {
      this.violations.push({ invariant, atMs: this.sim.now, detail, trace: this.recent.about(involved, 40) })
    }
  }
}

/**
 * The last relevant trace lines (faults, member state changes, elections), kept in a bigger ring
 * than the trace's own, so a violation can print those about the nodes involved.
 */
export class TraceRing {
  private readonly lines: string[] = []
  private readonly cap: number
  constructor (cap = 5000) { this.cap = cap }
  add (line: string): void {
    this.lines.push(line)
    if (this.lines.length > this.cap * 2) this.lines.splice(0, this.lines.length - this.cap)
  }

  /** The last `k` lines that mention one of `ids`, or are faults (upper-case verbs). */
  about (ids: readonly string[], k: number): string[] {
    const out: string[] = []
    for (let i = this.lines.length - 1; i >= 0 && out.length < k; i--) {
      const l = this.lines[i]!
      if (/\s[A-Z]{4,}\s/.test(l) || ids.some((id) => l.includes(id))) out.push(l)
    }
    return out.reverse()
  }
}
