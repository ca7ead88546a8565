/**
 * The report's figures, gathered as the run goes:
 * - detection time: from a crash to each observer (up at the crash) declaring the crashed node
 *   dead; an observer that lived through the whole crash without doing so is undetected;
 * - false suspicions and false deaths: `member:suspect` / `member:dead` about a node that was up,
 *   by cause (partition, pause, restart, or none: wrong with nothing to excuse it);
 * - convergence after each heal: until every running node sees every up node alive and every
 *   crashed one not alive;
 * - coordinator changes (elections won) and time with no node holding a valid lease;
 * - messages and payload bytes per node per second (from the simulation's counters).
 */
import type { CoreEvent } from './core-adapter.js'
import { ELECTION, type ElectionAdapter } from './sim-election.js'
import { MEMBERSHIP, type MembershipAdapter } from './sim-membership.js'
import type { Fault, Observer, Simulation } from './simulation.js'
import { distribution, type Distribution } from './stats.js'
import type { WorldView } from './world-view.js'
import { SIGNATURE_CHECK_MS } from './wire-sizes.js'
import type { TrafficByKind } from './traffic-kinds.js'

interface CrashRecord { target: number, at: number, observers: Set<number>, detected: Map<number, number>, undetected: number }
type Cause = 'partition' | 'pause' | 'restart' | 'none'

export interface MetricsSummary {
  detectionMs: Distribution & { undetected: number, crashes: number }
  falseSuspicions: Record<Cause, number> & { total: number }
  falseDeaths: Record<Cause, number> & { total: number }
  convergenceMs: Array<{ healAtMs: number, afterMs: number | null }>
  coordinator: { elections: number, finalTerm: number, timeWithoutMs: number, longestWithoutMs: number }
  /**
   * Wire bytes and messages (wire-sizes.ts: frames, gossip relays and duplicates included), and
   * the gossip signatures each node checks, with their CPU cost in % of one core.
   */
  traffic: {
    msgsSentPerNodePerSec: number, bytesSentPerNodePerSec: number, msgsReceivedPerNodePerSec: number, bytesReceivedPerNodePerSec: number, maxNodeBytesSentPerSec: number
    signatureChecksPerNodePerSec: number, signatureCpuPercent: number
    /** The same bytes by kind of message (traffic-kinds.ts), largest received first. */
    byKind: TrafficByKind
    /** The busiest sender (node index) and what it sent, bytes per second by kind. */
    busiestSender: { node: number, bytesPerSecByKind: Record<string, number> }
  }
}

const causes = (): Record<Cause, number> & { total: number } => ({ total: 0, partition: 0, pause: 0, restart: 0, none: 0 })

/** True when every running node sees every up node alive and no crashed node alive or suspect. */
export function converged (sim: Simulation): boolean {
  const n = sim.size
  for (let o = 0; o < n; o++) {
    if (!sim.isRunning(o)) continue
    const states = sim.core<MembershipAdapter>(o, MEMBERSHIP)!.states
    for (let x = 0; x < n; x++) {
      if (x === o) continue
      const s = states.get(sim.ids[x]!)
      if (sim.procs[x]!.up ? s !== 'alive' : (s === 'alive' || s === 'suspect')) return false
    }
  }
  return true
}

export class Metrics implements Observer {
  private readonly sim: Simulation
  private readonly world: WorldView
  private readonly open = new Map<number, CrashRecord>()
  private readonly closed: CrashRecord[] = []
  private readonly fs = causes()
  private readonly fd = causes()
  private readonly heals: Array<{ healAtMs: number, afterMs: number | null }> = []
  private watching: { healAtMs: number } | null = null
  private elections = 0
  private withoutMs = 0
  private currentGapMs = 0
  private longestGapMs = 0
  private lastSampleAt = 0
  private readonly warmupMs: number

  /** `warmupMs`: the first election of a warm start is not counted as time without a coordinator. */
  constructor (sim: Simulation, world: WorldView, warmupMs = 2000) {
    this.sim = sim
    this.world = world
    this.warmupMs = warmupMs
  }

  onFault (at: number, f: Fault): void {
    if (f.type === 'crash') {
      const observers = new Set(this.sim.upNodes())
      this.open.set(f.node, { target: f.node, at, observers, detected: new Map(), undetected: 0 })
    } else if (f.type === 'restart') {
      const rec = this.open.get(f.node)
      if (rec !== undefined) { this.close(rec); this.open.delete(f.node) }
    } else if (f.type === 'heal') {
      this.watching = { healAtMs: at }
      this.heals.push({ healAtMs: at, afterMs: null })
    } else if (f.type === 'partition') {
      this.watching = null
    }
  }

  onCoreEvent (at: number, node: number, core: string, e: CoreEvent): void {
    if (core === ELECTION) {
      if (e.type === 'coordinator:elected' && e.coordinatorId === this.sim.ids[node]) this.elections++
      return
    }
    if (e.type !== 'member:suspect' && e.type !== 'member:dead') return
    const target = this.sim.index((e.member as { peerId: string }).peerId)
    if (target < 0) return
    const rec = this.open.get(target)
    if (rec !== undefined) {
      if (e.type === 'member:dead' && rec.observers.has(node) && !rec.detected.has(node)) rec.detected.set(node, at - rec.at)
      return
    }
    const tally = e.type === 'member:suspect' ? this.fs : this.fd
    tally.total++
    tally[this.world.excuse(at, node, target) ?? 'none']++
  }

  onSample (at: number): void {
    const step = at - this.lastSampleAt
    this.lastSampleAt = at
    if (at > this.warmupMs) {
      if (this.leaseHolders().length === 0) {
        this.withoutMs += step
        this.currentGapMs += step
        this.longestGapMs = Math.max(this.longestGapMs, this.currentGapMs)
      } else {
        this.currentGapMs = 0
      }
    }
    // Convergence is checked every other sample: a full check costs N² map lookups.
    if (this.watching !== null && Math.round(at / step) % 2 === 0 && converged(this.sim)) {
      const h = this.heals[this.heals.length - 1]!
      h.afterMs = at - h.healAtMs
      this.watching = null
    }
  }

  /** Nodes that hold a valid lease now (coordinatorId is self). */
  leaseHolders (): number[] {
    const out: number[] = []
    for (const p of this.sim.procs) {
      if (!p.up) continue
      const e = p.cores.get(ELECTION) as ElectionAdapter | undefined
      if (e !== undefined && e.core.role === 'coordinator' && e.core.coordinatorId === p.id) out.push(p.index)
    }
    return out
  }

  /**
   * A crash ends (restart, or the end of the run): observers that lived through it without
   * declaring the node dead are undetected; those that crashed themselves meanwhile are not.
   */
  private close (r: CrashRecord): void {
    for (const o of r.observers) {
      const p = this.sim.procs[o]!
      if (o !== r.target && !r.detected.has(o) && p.up && p.upSince <= r.at) r.undetected++
    }
    this.closed.push(r)
  }

  summary (seconds: number): MetricsSummary {
    for (const r of this.open.values()) this.close(r)
    this.open.clear()
    const records = this.closed
    const delays: number[] = []
    let undetected = 0
    for (const r of records) {
      for (const d of r.detected.values()) delays.push(d)
      undetected += r.undetected
    }
    const n = this.sim.size
    const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0)
    const perNodeSec = (total: number): number => round(total / n / seconds)
    let maxBytes = 0
    let busiest = 0
    this.sim.sent.bytes.forEach((b, i) => { if (b > maxBytes) { maxBytes = b; busiest = i } })
    let finalTerm = 0
    for (const p of this.sim.procs) {
      const e = p.cores.get(ELECTION) as ElectionAdapter | undefined
      if (e !== undefined) finalTerm = Math.max(finalTerm, e.core.term)
    }
    return {
      detectionMs: { ...distribution(delays), undetected, crashes: records.length },
      falseSuspicions: { ...this.fs },
      falseDeaths: { ...this.fd },
      convergenceMs: this.heals.map((h) => ({ ...h })),
      coordinator: { elections: this.elections, finalTerm, timeWithoutMs: this.withoutMs, longestWithoutMs: this.longestGapMs },
      traffic: {
        msgsSentPerNodePerSec: perNodeSec(sum(this.sim.sent.msgs)),
        bytesSentPerNodePerSec: perNodeSec(sum(this.sim.sent.bytes)),
        msgsReceivedPerNodePerSec: perNodeSec(sum(this.sim.received.msgs)),
        bytesReceivedPerNodePerSec: perNodeSec(sum(this.sim.received.bytes)),
        maxNodeBytesSentPerSec: round(maxBytes / seconds),
        signatureChecksPerNodePerSec: perNodeSec(sum(this.sim.signatureChecks)),
        signatureCpuPercent: round(perNodeSec(sum(this.sim.signatureChecks)) * SIGNATURE_CHECK_MS / 10),
        byKind: this.sim.kinds.summary(n, seconds),
        busiestSender: { node: busiest, bytesPerSecByKind: this.sim.kinds.sentBy(busiest, seconds) }
      }
    }
  }
}

function round (x: number): number { return Math.round(x * 10) / 10 }
