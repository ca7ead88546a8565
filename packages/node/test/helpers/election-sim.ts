/**
 * A seeded, in-memory network of `Election` cores on one virtual clock, for the deterministic
 * election tests. It plays the node's shell: it performs outputs in order (a `persist` lands on
 * the node's "disk" before the sends after it), delivers messages with per-message random delay
 * (so they reorder), drops and duplicates them, cuts links (partitions), crashes, pauses
 * (SIGSTOP: on resume the buffered input is received before the next tick, as the node's shell
 * runs a late tick behind it) and restarts nodes (a restarted core is built from its disk).
 * Every choice, the network's and the cores' `random`, comes from one PRNG seeded by the seed,
 * so a seed replays exactly.
 *
 * It checks the invariants as it goes and records violations, each with the recent trace:
 * - one coordinator per term (every `coordinator:elected` event, by term);
 * - one vote per node and term, across restarts; a vote or candidacy is on disk before it is sent;
 * - at any instant at most one node holds a valid lease, and a node that claims one really has
 *   a quorum of voters that acknowledged it (votes or heartbeat acks) within `leaseMs`.
 */
import { ManualClock } from '@kos/detect'
import { Election } from '@kos/core'
import type { ElectionMessage, ElectionOutput, PersistedElectionState } from '@kos/core'
import type { ElectionOptions } from '@kos/core'
import { quorumSize } from '@kos/core'
import { seededRandom } from './election-random.js'

export const STEP_MS = 10

export interface SimNetwork {
  delayMinMs: number
  delayMaxMs: number
  dropRate: number
  dupRate: number
}

interface SimNode {
  id: string
  core: Election | null
  disk: PersistedElectionState
  pausedUntil: number
  /** The shell ticks every `tickEveryMs`, at its own phase. */
  tickPhase: number
  backlog: Array<{ from: string, message: ElectionMessage }>
}

/** A message in flight or a transport-side action (a `peerLost` hint), run at `at` in `seq` order. */
interface Scheduled { at: number, seq: number, from?: string, to?: string, run: () => void }

export class ElectionSim {
  readonly clock = new ManualClock(0)
  readonly random: () => number
  readonly ids: string[]
  /** The newest voter set and its version; a restarted node starts with it. */
  voterIds: string[]
  configVersion = 0
  /** When every node will have applied the newest voter set. */
  configSettledAt = 0
  readonly net: SimNetwork = { delayMinMs: 1, delayMaxMs: 30, dropRate: 0, dupRate: 0 }
  readonly violations: string[] = []
  /** term → coordinator, from every `coordinator:elected` event. */
  readonly electedByTerm = new Map<number, string>()
  /** Every `coordinator:elected` emitted by the winner itself, in order. */
  readonly elections: Array<{ at: number, id: string, term: number }> = []
  private readonly nodes = new Map<string, SimNode>()
  private readonly options: Partial<ElectionOptions>
  private readonly cut = new Set<string>()
  private queue: Scheduled[] = []
  private seq = 0
  private readonly trace: string[] = []
  private readonly votes = new Map<string, string>()
  /** Ground truth for leases: per `coordinator@term`, per voter, the newest acknowledged send time. */
  private readonly acked = new Map<string, Map<string, number>>()
  private readonly candidacyAt = new Map<string, number>()

  private readonly tickSteps: number

  /** `tickEveryMs` is the shell's tick period (a multiple of STEP_MS). */
  constructor (seed: number, n: number, options: Partial<ElectionOptions> = {}, tickEveryMs = STEP_MS) {
    this.random = seededRandom(seed)
    this.options = options
    this.tickSteps = Math.max(1, Math.round(tickEveryMs / STEP_MS))
    this.ids = Array.from({ length: n }, (_, i) => `n${i}`)
    this.voterIds = [...this.ids]
    for (const id of this.ids) {
      const node: SimNode = { id, core: null, disk: { term: 0, votedFor: null }, pausedUntil: 0, tickPhase: this.int(0, this.tickSteps - 1), backlog: [] }
      this.nodes.set(id, node)
      this.start(node)
    }
  }

  core (id: string): Election | null { return this.node(id).core }
  isUp (id: string): boolean { const n = this.node(id); return n.core !== null && this.clock.now() >= n.pausedUntil }
  get quorum (): number { return quorumSize(this.ids.length) }
  get recentTrace (): string[] { return [...this.trace] }

  /** A uniformly random integer in [lo, hi]. */
  int (lo: number, hi: number): number { return lo + Math.floor(this.random() * (hi - lo + 1)) }
  pick<T> (items: readonly T[]): T { return items[Math.floor(this.random() * items.length)]! }

  /** Runs for `ms` of virtual time in STEP_MS steps; stops early when `until` returns true or an invariant breaks. */
  run (ms: number, until?: () => boolean): boolean {
    const end = this.clock.now() + ms
    // The world stops at the first violation, so the trace ends where things went wrong.
    while (this.clock.now() < end && this.violations.length === 0) {
      this.step()
      if (until?.() === true) return true
    }
    return false
  }

  step (): void {
    this.clock.advance(STEP_MS)
    const now = this.clock.now()
    const due = this.queue.filter((m) => m.at <= now).sort((a, b) => a.at - b.at || a.seq - b.seq)
    this.queue = this.queue.filter((m) => m.at > now)
    for (const m of due) m.run()
    for (const node of this.nodes.values()) {
      if (node.core === null || now < node.pausedUntil) continue
      // On resume the input that queued up is received before the tick: the shell runs a late tick behind it (late-tick.ts).
      for (const b of node.backlog.splice(0)) this.input(node, `${b.from}->${node.id} ${fmt(b.message)} (buffered)`, node.core.receive(b.from, b.message))
      if ((now / STEP_MS + node.tickPhase) % this.tickSteps === 0) this.input(node, null, node.core.tick())
    }
    this.checkLeases()
  }

  /** Kills the process; `hints` false models a host that vanished without closing its sockets. */
  crash (id: string, hints = true): void {
    const node = this.node(id)
    if (node.core === null) return
    node.core = null
    node.backlog = []
    this.note(`CRASH ${id}`)
    // The process died: its sockets close, and its peers' transports say so almost at once, after
    // the data already in flight on that connection (TCP delivers it before the FIN).
    for (const other of this.ids) {
      if (!hints || other === id || this.isCut(id, other)) continue
      const inFlight = this.queue.filter((m) => m.from === id && m.to === other).map((m) => m.at - this.clock.now())
      this.later(Math.max(this.int(1, 5), ...inFlight), () => { this.peerLost(other, id) })
    }
  }

  restart (id: string): void {
    const node = this.node(id)
    if (node.core !== null) return
    node.pausedUntil = 0
    this.note(`RESTART ${id} from disk term=${node.disk.term} votedFor=${String(node.disk.votedFor)}`)
    this.start(node)
  }

  /** SIGSTOP for `ms`: no ticks, inbound messages wait in the socket buffer. */
  pause (id: string, ms: number): void {
    const node = this.node(id)
    if (node.core === null) return
    node.pausedUntil = this.clock.now() + ms
    this.note(`PAUSE ${id} ${ms}ms`)
  }

  /**
   * A voter-set change, as the coordinator would decide it: every node applies it within
   * `spreadMs` (membership news travels), a restarted node starts with it. The caller makes one
   * change at a time (so consecutive majorities overlap) and waits for `configSettledAt` before the
   * next.
   */
  changeVoters (ids: readonly string[], spreadMs: number): void {
    this.voterIds = [...ids]
    this.configVersion++
    const version = this.configVersion
    this.note(`VOTERS v${version} ${ids.join(',')}`)
    for (const id of this.ids) {
      const delay = this.int(0, spreadMs)
      this.configSettledAt = Math.max(this.configSettledAt, this.clock.now() + delay)
      this.later(delay, () => {
        const node = this.node(id)
        if (node.core !== null) this.input(node, `${id}: setVoters v${version}`, node.core.setVoters(ids, version))
      })
    }
  }

  /** SIGCONT: a paused node runs again at the next step (its buffered inbound first). */
  resume (id: string): void {
    const node = this.node(id)
    if (node.core !== null && node.pausedUntil > this.clock.now()) { node.pausedUntil = this.clock.now(); this.note(`RESUME ${id}`) }
  }

  /** Cuts the links between every pair for which `connected` is false; heals the others. */
  setLinks (label: string, connected: (a: string, b: string) => boolean, lostHints = true): void {
    this.note(`LINKS ${label}`)
    for (const a of this.ids) {
      for (const b of this.ids) {
        if (a >= b) continue
        const key = `${a}|${b}`
        if (connected(a, b)) { this.cut.delete(key); continue }
        if (this.cut.has(key)) continue
        this.cut.add(key)
        if (lostHints && this.random() < 0.5) {
          // Sometimes the transport notices the broken link (keep-alive timeout), sometimes not.
          const delay = this.int(50, 600)
          this.later(delay, () => { this.peerLost(a, b) })
          this.later(delay + this.int(0, 50), () => { this.peerLost(b, a) })
        }
      }
    }
  }

  heal (): void { this.setLinks('heal', () => true) }
  isCut (a: string, b: string): boolean { return this.cut.has(a < b ? `${a}|${b}` : `${b}|${a}`) }

  /** The transport hint `peerLost`, as a shell passes it on a closed connection (also spurious ones). */
  peerLost (at: string, lost: string): void {
    const node = this.node(at)
    if (node.core === null || this.clock.now() < node.pausedUntil) return
    this.input(node, `${at}: peerLost(${lost})`, node.core.peerLost(lost))
  }

  /** The node every up node of `group` agrees is coordinator (with its valid lease), or null. */
  agreedCoordinator (group: readonly string[]): string | null {
    const up = group.filter((id) => this.isUp(id))
    if (up.length === 0) return null
    const c = this.core(up[0]!)!.coordinatorId
    if (c === null || !up.includes(c)) return null
    const term = this.core(c)!.term
    return up.every((id) => this.core(id)!.coordinatorId === c && this.core(id)!.term === term) ? c : null
  }

  private start (node: SimNode): void {
    node.core = new Election({ ...this.options, selfId: node.id }, { ...node.disk }, this.clock, this.random)
    this.input(node, null, node.core.setVoters(this.voterIds, this.configVersion))
    node.core.setRanking(this.ids)
  }

  private deliver (from: string, to: string, message: ElectionMessage): void {
    const node = this.node(to)
    if (node.core === null || this.isCut(from, to)) return
    if (this.clock.now() < node.pausedUntil) { node.backlog.push({ from, message }); return }
    const out = node.core.receive(from, message)
    this.input(node, routine(message, out) ? null : `${from}->${to} ${fmt(message)}`, out)
  }

  /** Performs a core's outputs in order, as the real shell must. */
  private input (node: SimNode, label: string | null, outputs: ElectionOutput[]): void {
    if (label !== null) this.note(label)
    for (const o of outputs) {
      if (o.type === 'persist') {
        if (o.term < node.disk.term) this.fail(`${node.id} persisted term ${o.term} below its disk term ${node.disk.term}`)
        if (o.votedFor !== null) {
          const key = `${node.id}@${o.term}`
          const prior = this.votes.get(key)
          if (prior !== undefined && prior !== o.votedFor) this.fail(`${node.id} voted twice in term ${o.term}: ${prior} and ${o.votedFor}`)
          this.votes.set(key, o.votedFor)
        }
        node.disk = { term: o.term, votedFor: o.votedFor }
      } else if (o.type === 'send') {
        this.checkDurable(node, o.to, o.message)
        this.observeSend(node.id, o.to, o.message)
        this.send(node.id, o.to, o.message)
      } else {
        const e = o.event
        this.note(`${node.id}: ${e.type} ${JSON.stringify({ ...e, type: undefined })}`)
        if (e.type === 'coordinator:elected') {
          const prior = this.electedByTerm.get(e.term)
          if (prior !== undefined && prior !== e.coordinatorId) this.fail(`two coordinators in term ${e.term}: ${prior} and ${e.coordinatorId}`)
          this.electedByTerm.set(e.term, e.coordinatorId)
          if (e.coordinatorId === node.id) this.elections.push({ at: this.clock.now(), id: node.id, term: e.term })
        }
      }
    }
  }

  /** A vote or a candidacy leaves the node only once it is on disk. */
  private checkDurable (node: SimNode, to: string, m: ElectionMessage): void {
    if (m.type === 'vote-reply' && m.granted && (node.disk.term !== m.term || node.disk.votedFor !== to)) {
      this.fail(`${node.id} sent its vote for ${to} in term ${m.term} before persisting it (disk ${JSON.stringify(node.disk)})`)
    }
    if (m.type === 'vote' && (node.disk.term !== m.term || node.disk.votedFor !== node.id)) {
      this.fail(`${node.id} asked for votes in term ${m.term} before persisting its own (disk ${JSON.stringify(node.disk)})`)
    }
  }

  /** Records what each voter acknowledged, independently of the cores' own bookkeeping. */
  private observeSend (from: string, to: string, m: ElectionMessage): void {
    if (m.type === 'vote') this.candidacyAt.set(`${from}@${m.term}`, this.clock.now())
    const key = `${to}@${m.term}`
    const ackAt = m.type === 'vote-reply' && m.granted
      ? this.candidacyAt.get(key)
      : m.type === 'heartbeat-ack' && m.ok ? m.sentAt : undefined
    if (ackAt === undefined) return
    let byVoter = this.acked.get(key)
    if (byVoter === undefined) { byVoter = new Map(); this.acked.set(key, byVoter) }
    byVoter.set(from, Math.max(byVoter.get(from) ?? -Infinity, ackAt))
  }

  private checkLeases (): void {
    const now = this.clock.now()
    const holders = this.ids.filter((id) => { const c = this.core(id); return c !== null && c.coordinatorId === id })
    if (holders.length > 1) {
      this.fail(`${holders.length} nodes hold a valid lease at once: ${holders.map((id) => `${id}(term ${this.core(id)!.term})`).join(', ')}`)
    }
    for (const id of holders) {
      const leaseMs = this.core(id)!.options.leaseMs
      const byVoter = this.acked.get(`${id}@${this.core(id)!.term}`) ?? new Map<string, number>()
      const fresh = 1 + [...byVoter.values()].filter((t) => now < t + leaseMs).length
      if (fresh < this.quorum) this.fail(`${id} acts as coordinator of term ${this.core(id)!.term} with ${fresh} fresh acks, quorum ${this.quorum}`)
    }
  }

  private send (from: string, to: string, message: ElectionMessage): void {
    if (this.isCut(from, to) || this.random() < this.net.dropRate) return
    const copies = this.random() < this.net.dupRate ? 2 : 1
    for (let i = 0; i < copies; i++) {
      const at = this.clock.now() + this.int(this.net.delayMinMs, this.net.delayMaxMs)
      this.queue.push({ at, seq: this.seq++, from, to, run: () => { this.deliver(from, to, message) } })
    }
  }

  /** Schedules a transport-side action, ordered with the messages in flight. */
  later (ms: number, run: () => void): void {
    this.queue.push({ at: this.clock.now() + ms, seq: this.seq++, run })
  }

  private note (line: string): void {
    this.trace.push(`${String(this.clock.now()).padStart(6)} ${line}`)
    if (this.trace.length > 50) this.trace.shift()
  }

  private fail (what: string): void {
    this.note(`VIOLATION ${what}`)
    this.violations.push(`at ${this.clock.now()} ms: ${what}`)
  }

  private node (id: string): SimNode {
    const n = this.nodes.get(id)
    if (n === undefined) throw new Error(`no node ${id}`)
    return n
  }
}

/** A heartbeat acked as usual, or such an ack: left out of the trace, which would drown in them. */
function routine (m: ElectionMessage, out: ElectionOutput[]): boolean {
  if (m.type === 'heartbeat-ack') return m.ok
  return m.type === 'heartbeat' && out.every((o) => o.type === 'send' && o.message.type === 'heartbeat-ack' && o.message.ok)
}

function fmt (m: ElectionMessage): string {
  switch (m.type) {
    case 'pre-vote': case 'vote': return `${m.type} t=${m.term}`
    case 'pre-vote-reply': case 'vote-reply': return `${m.type} t=${m.term} ${m.granted ? 'yes' : 'no'}`
    case 'heartbeat': return `heartbeat t=${m.term} @${m.sentAt}`
    case 'heartbeat-ack': return `heartbeat-ack t=${m.term} @${m.sentAt} ${m.ok ? 'ok' : 'stale'}`
  }
}
