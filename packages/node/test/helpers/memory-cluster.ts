/**
 * An in-memory transport for the membership state machine: N `Membership` cores on one manual
 * clock, with broadcasts delivered to every reachable node, heartbeats on a schedule, probes
 * answered by reachability, and faults (crash, stall, partition). It plays the role the libp2p
 * shell plays in the node, so scenario tests run in microseconds with no sockets and no sleeping.
 */
import { ManualClock } from '@kos/detect'
import type { HealthSummary } from '@kos/client'
import { Membership, type MembershipEvent, type MembershipOptions, type MembershipOutput } from '@kos/core'

const TICK_MS = 100

interface SimNode {
  id: string
  core: Membership
  crashed: boolean
  stalledUntil: number
  /** Inputs that arrived while stalled, run on resume (the socket buffers them). */
  backlog: Array<() => void>
  lastTickAt: number
  nextHeartbeatAt: number
}

export interface ObservedEvent { at: number, observer: string, event: MembershipEvent }

export class MemoryCluster {
  readonly clock = new ManualClock(0)
  readonly events: ObservedEvent[] = []
  private readonly nodes = new Map<string, SimNode>()
  private readonly cut = new Set<string>()
  private readonly pending: Array<{ at: number, run: () => void }> = []
  private readonly options: (id: string) => MembershipOptions
  private seed = 1

  constructor (options: (id: string) => MembershipOptions) {
    this.options = options
  }

  /** Adds a node and joins it through `via` with a two-way state sync (the join stream). */
  add (id: string, via?: string): Membership {
    const core = new Membership(this.options(id), this.clock, () => this.random())
    const node: SimNode = { id, core, crashed: false, stalledUntil: 0, backlog: [], lastTickAt: this.clock.now(), nextHeartbeatAt: this.clock.now() + (this.nodes.size * 137) % 1000 }
    this.nodes.set(id, node)
    if (via !== undefined) {
      const seedNode = this.node(via)
      this.apply(seedNode, seedNode.core.onSync(core.snapshot(), id))
      this.apply(node, core.onSync(seedNode.core.snapshot(), via))
    }
    return core
  }

  core (id: string): Membership { return this.node(id).core }

  /** `observer`'s view of `target`'s state. */
  stateOf (observer: string, target: string): string | undefined { return this.core(observer).member(target)?.state }

  crash (id: string): void { this.node(id).crashed = true }

  stall (id: string, ms: number): void { this.node(id).stalledUntil = this.clock.now() + ms }

  /** Cuts every link between the two groups, both ways. */
  partition (a: string[], b: string[]): void {
    for (const x of a) for (const y of b) { this.cut.add(`${x}|${y}`); this.cut.add(`${y}|${x}`) }
  }

  heal (): void { this.cut.clear() }

  /** Runs the cluster for `ms` of virtual time in 100 ms ticks. */
  run (ms: number): void {
    const end = this.clock.now() + ms
    while (this.clock.now() < end) {
      this.clock.advance(TICK_MS)
      const now = this.clock.now()
      for (const p of this.pending.filter((p) => p.at <= now)) { this.pending.splice(this.pending.indexOf(p), 1); p.run() }
      for (const n of this.nodes.values()) {
        if (n.crashed || now < n.stalledUntil) continue
        // What the shell does: a tick much later than scheduled means our own stall.
        const lateBy = now - n.lastTickAt - TICK_MS
        n.lastTickAt = now
        if (lateBy > 400) this.apply(n, n.core.onLocalStall(lateBy))
        for (const input of n.backlog.splice(0)) input()
        this.apply(n, n.core.tick())
        if (now >= n.nextHeartbeatAt) {
          n.nextHeartbeatAt = now + 1000
          this.heartbeat(n)
        }
      }
    }
  }

  private heartbeat (from: SimNode): void {
    const inc = from.core.selfIncarnation
    const health: HealthSummary = {
      name: from.id, role: 'member', incarnation: inc, version: 'sim', uptimeMs: 0, cpuPercent: 0, rssBytes: 0,
      heapUsedBytes: 0, eventLoopDelayP99Ms: 0, mode: 'normal', agents: { total: 0, running: 0, failed: 0, quarantined: 0 }
    }
    for (const to of this.reachableFrom(from.id)) this.deliver(to, () => to.core.onHeartbeat(from.id, inc, [], health))
  }

  private apply (from: SimNode, outputs: readonly MembershipOutput[]): void {
    for (const out of outputs) {
      if (out.type === 'event') {
        this.events.push({ at: this.clock.now(), observer: from.id, event: out.event })
      } else if (out.type === 'broadcast') {
        for (const to of this.reachableFrom(from.id)) this.deliver(to, () => to.core.onClaim(out.claim, from.id))
      } else if (out.type === 'notify') {
        const to = this.node(out.to)
        if (this.answers(from.id, out.to)) this.deliver(to, () => to.core.onClaim(out.claim, from.id))
      } else {
        const ok = this.answers(from.id, out.target) || out.via.some((v) => this.answers(from.id, v) && this.answers(v, out.target))
        // A reachable peer answers at once; an unreachable one fails at the probe deadline.
        const at = this.clock.now() + (ok ? 1 : this.options(from.id).probeTimeoutMs)
        this.pending.push({ at, run: () => { if (!from.crashed) this.apply(from, from.core.onProbeResult(out.target, ok)) } })
      }
    }
  }

  private deliver (to: SimNode, input: () => readonly MembershipOutput[]): void {
    const run = (): void => { this.apply(to, input()) }
    if (this.clock.now() < to.stalledUntil) to.backlog.push(run)
    else run()
  }

  private answers (from: string, to: string): boolean {
    const n = this.node(to)
    return !n.crashed && this.clock.now() >= n.stalledUntil && !this.cut.has(`${from}|${to}`)
  }

  private reachableFrom (id: string): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.id !== id && !n.crashed && !this.cut.has(`${id}|${n.id}`))
  }

  private node (id: string): SimNode {
    const n = this.nodes.get(id)
    if (n === undefined) throw new Error(`no node ${id}`)
    return n
  }

  /** Deterministic LCG, so every run of a scenario is the same run. */
  private random (): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648
    return this.seed / 2147483648
  }
}
