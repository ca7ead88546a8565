/**
 * The simulated world: N processes on one virtual clock, a discrete event queue, the simulated
 * network, and the fault controls (crash, restart, pause, partition, heal). Each process runs
 * the cores its factories build, through a `NodeHost`; observers (metrics, invariant checkers)
 * see every fault, every core event, and a periodic sample.
 *
 * Process semantics, as a real node under a nemesis:
 * - crash (SIGKILL): everything in memory is gone, events addressed to the process are dropped;
 *   the peers that held a connection to it (core-adapter.ts `holdsConnection`) hear it closed
 *   within a few ms; the disk stays;
 * - restart: new cores built from the disk, joining through the bootstrap peers;
 * - pause (SIGSTOP): the process runs nothing; inbound messages wait in the socket buffer, and
 *   on resume its late timers run first (libuv's timer phase), then the buffered input;
 * - partition: links cut by the shape; on each newly cut link the transport notices half the
 *   time (keep-alive), after 50–600 ms, as the election tests model it.
 */
import { ManualClock } from '@kos/detect'
import type { CoreAdapter, CoreFactory, NodeHost } from './core-adapter.js'
import { EventQueue } from './event-queue.js'
import { FanoutBuffers } from './fanout.js'
import { Network, NETWORK_DEFAULTS } from './network.js'
import { fullyConnected, linkedIn, type Partition } from './partitions.js'
import { ProbeModel } from './probes.js'
import { createRng, type Rng } from './random.js'
import { Trace } from './trace.js'
import { TrafficKinds } from './traffic-kinds.js'
import { GOSSIP_FRAME_BYTES, GOSSIP_MESH_DEGREE, STREAM_FRAME_BYTES, WIRE_SIZES } from './wire-sizes.js'
import { SIM_WALL_EPOCH_MS, type Fault, type Observer, type Process, type Scheduled, type SimulationOptions } from './world-types.js'

export type { Fault, Observer, Process, SimulationOptions } from './world-types.js'
export { SIM_WALL_EPOCH_MS } from './world-types.js'

export class Simulation {
  readonly clock = new ManualClock(0)
  readonly procs: Process[]
  readonly ids: string[]
  readonly net: Network
  readonly trace = new Trace()
  readonly rng: Rng
  /** Messages and payload bytes sent and received, per node. */
  readonly sent: { msgs: Float64Array, bytes: Float64Array }
  readonly received: { msgs: Float64Array, bytes: Float64Array }
  /** The same totals by kind of message (traffic-kinds.ts). */
  readonly kinds: TrafficKinds
  /** Gossip signatures checked, per node: one per distinct gossip message it received. */
  readonly signatureChecks: Float64Array
  /** Per node: how many peers it holds connections to, and when that was counted (refreshed every few seconds). */
  private readonly connections: Float64Array
  private readonly connectionsAtMs: Float64Array
  /** Per node: how far its wall clock is off, ms (fixed for the run, kept across restarts). */
  readonly wallSkewMs: Int32Array
  private readonly queue = new EventQueue<Scheduled>()
  private readonly observers: Observer[] = []
  private readonly factories: CoreFactory[]
  private readonly indexOf = new Map<string, number>()
  private readonly bootstrap: string[]
  private readonly probes: ProbeModel
  private readonly faultRng: Rng
  private readonly sampleEveryMs: number
  /** Async work the cores started during the current event (see NodeHost.track). */
  private tracked: Array<Promise<unknown>> = []
  /**
   * The fan-out's fast path (a gossip message is delivered to every node it reaches): per node,
   * 1 while it is up, and 1 in `direct` while a message can go straight to its cores (up, and
   * not paused since its last resume); `coreAt[c][node]` is its core of factory c.
   */
  private readonly upFlags: Uint8Array
  private readonly direct: Uint8Array
  private readonly coreAt: Array<Array<CoreAdapter | undefined>>
  private readonly coreIndex = new Map<string, number>()
  private readonly fanout: FanoutBuffers

  constructor (opts: SimulationOptions) {
    const n = opts.nodes
    this.rng = createRng(opts.seed)
    this.faultRng = this.rng.fork('transport-hints')
    this.factories = opts.factories
    this.factories.forEach((f, i) => this.coreIndex.set(f.name, i))
    this.sampleEveryMs = opts.sampleEveryMs ?? 50
    this.ids = Simulation.idsFor(n)
    this.ids.forEach((id, i) => this.indexOf.set(id, i))
    this.bootstrap = (opts.bootstrap ?? [0, 1, 2].filter((i) => i < n)).map((i) => this.ids[i]!)
    this.net = new Network(n, this.rng.fork('network'), { ...NETWORK_DEFAULTS, ...opts.network })
    this.procs = this.ids.map((id, index) => ({ index, id, up: false, gen: 0, pausedUntil: 0, disk: new Map(), cores: new Map(), upSince: 0, deferredTimers: [], backlog: [] }))
    this.probes = new ProbeModel(this.net, this.procs)
    this.upFlags = new Uint8Array(n)
    this.direct = new Uint8Array(n)
    this.coreAt = this.factories.map(() => new Array<CoreAdapter | undefined>(n))
    this.fanout = new FanoutBuffers(n)
    this.sent = { msgs: new Float64Array(n), bytes: new Float64Array(n) }
    this.received = { msgs: new Float64Array(n), bytes: new Float64Array(n) }
    this.signatureChecks = new Float64Array(n)
    this.kinds = new TrafficKinds(n)
    this.connections = new Float64Array(n)
    this.connectionsAtMs = new Float64Array(n).fill(-Infinity)
    // Its own stream, so that a skew changes no other draw: the same seed with and without skew
    // replays the same faults and deliveries.
    const maxSkew = opts.maxSkewMs ?? 0
    const skewRng = this.rng.fork('wall-clock-skew')
    this.wallSkewMs = Int32Array.from({ length: n }, () => maxSkew > 0 ? skewRng.int(-maxSkew, maxSkew) : 0)
  }

  /** The node ids of an N-node world (`n0000`…: zero-padded, so string order is index order). */
  static idsFor (n: number): string[] {
    const width = String(n - 1).length
    return Array.from({ length: n }, (_, i) => `n${String(i).padStart(Math.max(4, width), '0')}`)
  }

  get now (): number { return this.clock.now() }
  get size (): number { return this.procs.length }

  observe (o: Observer): void { this.observers.push(o) }
  index (id: string): number { return this.indexOf.get(id) ?? -1 }
  isRunning (i: number): boolean { const p = this.procs[i]!; return p.up && this.now >= p.pausedUntil }
  core<T extends CoreAdapter> (i: number, name: string): T | undefined { return this.procs[i]!.cores.get(name) as T | undefined }

  /** Starts every process as a formed cluster (every member known, every node a voter). */
  startWarm (): void {
    for (const p of this.procs) this.startProcess(p, true)
    this.schedule(this.sampleEveryMs, { k: 'world', fn: () => { this.sample() } })
  }

  /** Runs `fn` (a world event: a fault, a check) at virtual time `atMs`. */
  at (atMs: number, fn: () => void): void {
    this.queue.push(Math.max(atMs, this.now), { k: 'world', fn })
  }

  /** Runs until virtual time `untilMs`. For cores that start async work, use `runAsync`. */
  run (untilMs: number): void {
    while (this.step(untilMs)) {
      if (this.tracked.length > 0) throw new Error('a core started async work (NodeHost.track): run the simulation with runAsync')
    }
    this.end(untilMs)
  }

  /**
   * `run`, letting the async work a core tracked finish after each event (and before the first),
   * at the same virtual time: its promises, then one macrotask turn, by which every microtask
   * chained on them (a quorum waiter's continuation, say) has run too. Nothing else runs in the
   * process meanwhile, so the order of that work, and the run, depend on the seed alone.
   */
  async runAsync (untilMs: number): Promise<void> {
    await this.settle()
    while (this.step(untilMs)) await this.settle()
    this.end(untilMs)
  }

  private async settle (): Promise<void> {
    while (this.tracked.length > 0) {
      await Promise.allSettled(this.tracked.splice(0))
      await new Promise<void>((resolve) => { setImmediate(resolve) })
    }
  }

  /** Dispatches the next event due by `untilMs`; false if there is none. */
  private step (untilMs: number): boolean {
    const t = this.queue.peekTime()
    if (t > untilMs) return false
    const ev = this.queue.pop()!.item
    if (t > this.now) this.clock.set(t)
    this.dispatch(ev)
    return true
  }

  private end (untilMs: number): void {
    if (untilMs > this.now) this.clock.set(untilMs)
    for (const o of this.observers) o.onEnd?.(this.now)
  }

  crash (i: number): void {
    const p = this.procs[i]!
    if (!p.up) return
    p.up = false
    this.upFlags[i] = 0
    this.direct[i] = 0
    for (const cores of this.coreAt) cores[i] = undefined
    p.gen++
    p.cores = new Map()
    p.deferredTimers = []
    p.backlog = []
    this.net.setRunning(i, false)
    this.fault({ type: 'crash', node: i }, `CRASH ${p.id}`)
    // The process died: its sockets close; its peers' transports say so almost at once.
    for (const q of this.procs) {
      if (q.index === i || !q.up || !this.net.linked(i, q.index) || !this.holdsConnection(q, p.id)) continue
      this.hint(q.index, p.id, this.faultRng.int(1, 5))
    }
  }

  restart (i: number): void {
    const p = this.procs[i]!
    if (p.up) return
    this.fault({ type: 'restart', node: i }, `RESTART ${p.id}`)
    this.startProcess(p, false)
  }

  /** SIGSTOP for `ms`, then SIGCONT. */
  pause (i: number, ms: number): void {
    const p = this.procs[i]!
    if (!p.up) return
    p.pausedUntil = Math.max(p.pausedUntil, this.now + ms)
    this.direct[i] = 0
    this.net.setRunning(i, false)
    this.fault({ type: 'pause', node: i, ms }, `PAUSE ${p.id} ${ms}ms`)
    const gen = p.gen
    this.at(p.pausedUntil, () => { this.resume(i, gen) })
  }

  setPartition (partition: Partition): void {
    const before = this.net.partition
    this.net.setPartition(partition)
    this.fault(partition.linked.length > 1 ? { type: 'partition', label: partition.label } : { type: 'heal' }, `LINKS ${partition.label}`)
    // Newly cut links: the transport notices half the time (keep-alive), after 50–600 ms.
    const n = this.size
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        if (!linkedIn(before, a, b) || this.net.linked(a, b) || !this.faultRng.chance(0.5)) continue
        const delay = this.faultRng.int(50, 600)
        this.hint(a, this.ids[b]!, delay)
        this.hint(b, this.ids[a]!, delay + this.faultRng.int(0, 50))
      }
    }
  }

  heal (): void { this.setPartition(fullyConnected(this.size)) }

  /** Indices of processes that are up (crashed ones excluded; paused ones included). */
  upNodes (): number[] { return this.procs.filter((p) => p.up).map((p) => p.index) }

  // ---- the host each core sees -------------------------------------------------------------

  private makeHost (p: Process, random: () => number): NodeHost {
    const gen = p.gen
    const skew = SIM_WALL_EPOCH_MS + this.wallSkewMs[p.index]!
    const host: NodeHost = {
      id: p.id,
      index: p.index,
      allIds: this.ids,
      clock: this.clock,
      wallClock: { now: () => skew + this.clock.now() },
      random,
      disk: p.disk,
      send: (to, core, message, bytes) => { this.send(p.index, this.index(to), core, message, bytes) },
      broadcast: (core, message, bytes) => { this.broadcast(p.index, core, message, bytes) },
      probe: (target, via, timeoutMs, done) => {
        const out = this.probes.run(this.now, p.index, this.index(target), via.map((v) => this.index(v)), timeoutMs)
        this.count(this.sent, p.index, out.messages, out.messages * WIRE_SIZES.probe / 2)
        this.kinds.sent('ping', p.index, out.messages, out.messages * WIRE_SIZES.probe / 2)
        this.schedule(out.afterMs, { k: 'call', node: p.index, gen, timer: false, fn: () => { done(out.reachable) } })
      },
      after: (ms, fn) => { this.schedule(ms, { k: 'call', node: p.index, gen, timer: false, fn }) },
      every: (everyMs, firstInMs, fn) => {
        // One event, queued again each time it fires (never twice at once): no garbage per firing.
        const ev: Extract<Scheduled, { k: 'call' }> = { k: 'call', node: p.index, gen, timer: true, fn }
        ev.fn = () => { fn(); this.schedule(everyMs, ev) }
        this.schedule(firstInMs, ev)
      },
      track: (work) => { this.tracked.push(work) },
      emit: (core, event) => {
        for (const o of this.observers) o.onCoreEvent?.(this.now, p.index, core, event)
      },
      core: <T extends CoreAdapter>(name: string): T => {
        const c = p.cores.get(name)
        if (c === undefined) throw new Error(`${p.id} has no core ${name}`)
        return c as T
      }
    }
    return host
  }

  private startProcess (p: Process, warm: boolean): void {
    p.up = true
    p.pausedUntil = 0
    p.upSince = this.now
    p.deferredTimers = []
    p.backlog = []
    this.net.setRunning(p.index, true)
    // A fresh, seeded random stream per life of the process.
    const random = this.rng.fork(`node:${p.id}:${p.gen}`).next
    const host = this.makeHost(p, random)
    const start = { warm, bootstrap: this.bootstrap }
    p.cores = new Map(this.factories.map((f) => [f.name, f.create(host, start)]))
    this.factories.forEach((f, c) => { this.coreAt[c]![p.index] = p.cores.get(f.name) })
    this.upFlags[p.index] = 1
    this.direct[p.index] = 1
    for (const c of p.cores.values()) c.start()
  }

  private resume (i: number, gen: number): void {
    const p = this.procs[i]!
    if (!p.up || p.gen !== gen || this.now < p.pausedUntil) return
    this.net.setRunning(i, true)
    this.direct[i] = 1
    this.trace.add(this.now, `RESUME ${p.id}`)
    // libuv: expired timers first, then the I/O that queued up.
    const timers = p.deferredTimers; p.deferredTimers = []
    for (const t of timers) { if (p.gen === gen) t() }
    const backlog = p.backlog; p.backlog = []
    for (const b of backlog) { if (p.gen === gen && p.up) b() }
  }

  private send (from: number, to: number, core: string, message: unknown, payload: number): void {
    const bytes = payload + STREAM_FRAME_BYTES
    this.count(this.sent, from, 1, bytes)
    this.kinds.sent(TrafficKinds.kindOf(core, message), from, 1, bytes)
    if (to < 0 || !this.net.linked(from, to)) return
    const d = this.net.deliver(from, to)
    if (d.lost) return
    const target = this.procs[to]!
    const ev: Scheduled = { k: 'msg', to, gen: target.gen, from: this.ids[from]!, core, message, bytes }
    this.schedule(d.delayMs, ev)
    if (d.copyDelayMs >= 0) this.schedule(d.copyDelayMs, ev)
  }

  /**
   * Gossip fan-out: per receiver, loss and latency (over relays if not linked) are drawn, and
   * receivers with the same delay share one queue event, so a broadcast to 999 nodes costs a
   * dozen heap operations rather than 999 (their lists in a pooled buffer: see fanout.ts).
   */
  private broadcast (from: number, core: string, message: unknown, payload: number): void {
    // On the wire (wire-sizes.ts): the publisher floods one framed copy to each peer it is
    // connected to; every receiver is charged its copies and its forwards in `dispatch`.
    const bytes = payload + GOSSIP_FRAME_BYTES
    const flood = this.connectionsOf(from)
    this.count(this.sent, from, flood, bytes * flood)
    this.kinds.sent(TrafficKinds.kindOf(core, message), from, flood, bytes * flood)
    const loss = this.net.options.loss
    const gossipLoss = loss ** (1 + GOSSIP_MESH_DEGREE)
    const up = this.upFlags
    const n = this.size
    const fanout = this.fanout
    for (let to = 0; to < n; to++) {
      if (to === from || up[to] === 0) continue
      const hops = this.net.gossipHops(from, to)
      if (hops === Infinity) continue
      // Lost only if every copy is (the flood's and the D mesh peers' forwards, wire-sizes.ts).
      if (loss > 0 && this.rng.next() < gossipLoss) continue
      fanout.add(to, this.net.delay(from, to, hops | 0)) // | 0: a float (Infinity above) would be boxed
    }
    const groups = fanout.finish()
    // In the order first drawn, so the schedule (and the seq numbers) replay exactly.
    const fromId = this.ids[from]!
    const coreIndex = this.coreIndex.get(core) ?? -1
    let start = 0
    for (let g = 0; g < groups; g++) {
      const end = fanout.ends[g]!
      this.schedule(fanout.delays[g]!, { k: 'gossip', buffer: fanout.buffer, start, end, from: fromId, fromIndex: from, core, coreIndex, message, bytes })
      start = end
    }
  }

  private dispatch (ev: Scheduled): void {
    switch (ev.k) {
      case 'world': ev.fn(); return
      case 'call': {
        const p = this.procs[ev.node]!
        if (!p.up || p.gen !== ev.gen) return
        if (this.now < p.pausedUntil) (ev.timer ? p.deferredTimers : p.backlog).push(ev.fn)
        else ev.fn()
        return
      }
      case 'msg': {
        const p = this.procs[ev.to]!
        if (!p.up || p.gen !== ev.gen) return
        this.count(this.received, ev.to, 1, ev.bytes)
        this.kinds.received(TrafficKinds.kindOf(ev.core, ev.message), 1, ev.bytes)
        this.deliverTo(p, ev.from, ev.core, ev.message)
        return
      }
      case 'gossip': {
        const { bytes, from, fromIndex, message } = ev
        const cores = ev.coreIndex >= 0 ? this.coreAt[ev.coreIndex]! : undefined
        const receiveDirect = ev.coreIndex >= 0 ? this.factories[ev.coreIndex]!.receiveDirect : undefined
        const { msgs: receivedMsgs, bytes: receivedBytes } = this.received
        const { msgs: sentMsgs, bytes: sentBytes } = this.sent
        const checks = this.signatureChecks
        // Each receiver: 1 + D framed copies in (the flood and its mesh), D forwards out, one signature check.
        const copiesIn = (1 + GOSSIP_MESH_DEGREE) * bytes
        const forwardsOut = GOSSIP_MESH_DEGREE * bytes
        const receivers = this.fanout.receivers(ev.buffer)
        const kind = TrafficKinds.kindOf(ev.core, message)
        const kindSent = this.kinds.sentPerNode(kind)
        let reached = 0
        for (let i = ev.start; i < ev.end; i++) {
          const to = receivers[i]!
          if (cores !== undefined && this.direct[to] === 1) {
            receivedMsgs[to]! += 1 + GOSSIP_MESH_DEGREE
            receivedBytes[to]! += copiesIn
            sentMsgs[to]! += GOSSIP_MESH_DEGREE
            sentBytes[to]! += forwardsOut
            checks[to]! += 1
            kindSent[to]! += forwardsOut
            reached++
            if (receiveDirect === undefined || !receiveDirect(fromIndex, to, message)) cores[to]?.receive(from, message)
            continue
          }
          const p = this.procs[to]!
          if (!p.up) continue
          this.count(this.received, to, 1 + GOSSIP_MESH_DEGREE, copiesIn)
          this.count(this.sent, to, GOSSIP_MESH_DEGREE, forwardsOut)
          checks[to]! += 1
          kindSent[to]! += forwardsOut
          reached++
          this.deliverTo(p, from, ev.core, message)
        }
        if (reached > 0) {
          this.kinds.received(kind, reached * (1 + GOSSIP_MESH_DEGREE), reached * copiesIn)
          this.kinds.sentTotals(kind, reached * GOSSIP_MESH_DEGREE, reached * forwardsOut)
        }
        this.fanout.delivered(ev.buffer)
      }
    }
  }

  private deliverTo (p: Process, from: string, core: string, message: unknown): void {
    if (this.now < p.pausedUntil) {
      const gen = p.gen
      p.backlog.push(() => { if (p.gen === gen) p.cores.get(core)?.receive(from, message) })
      return
    }
    p.cores.get(core)?.receive(from, message)
  }

  /** How many peers node `i` holds connections to (what a gossip flood reaches), recounted every 5 s of virtual time. */
  private connectionsOf (i: number): number {
    if (this.now - this.connectionsAtMs[i]! < 5000) return this.connections[i]!
    const p = this.procs[i]!
    let n = 0
    for (const q of this.procs) if (q !== p && q.up && this.holdsConnection(p, q.id)) n++
    this.connections[i] = n
    this.connectionsAtMs[i] = this.now
    return n
  }

  /** Whether process `q` holds a connection to `peer`: any of its cores keeps one (core-adapter.ts). */
  private holdsConnection (q: Process, peer: string): boolean {
    let asked = false
    for (const c of q.cores.values()) {
      if (c.holdsConnection === undefined) continue
      if (c.holdsConnection(peer)) return true
      asked = true
    }
    return !asked
  }

  /** The transport at `at` reports its connection to `lost` closed. */
  private hint (at: number, lost: string, afterMs: number): void {
    const p = this.procs[at]!
    this.schedule(afterMs, {
      k: 'call', node: at, gen: p.gen, timer: false,
      fn: () => { for (const c of p.cores.values()) c.peerLost(lost) }
    })
  }

  private sample (): void {
    for (const o of this.observers) o.onSample?.(this.now)
    this.schedule(this.sampleEveryMs, { k: 'world', fn: () => { this.sample() } })
  }

  private fault (f: Fault, line: string): void {
    this.trace.add(this.now, line)
    for (const o of this.observers) o.onFault?.(this.now, f)
  }

  private schedule (inMs: number, ev: Scheduled): void { this.queue.push(this.now + inMs, ev) }

  private count (c: { msgs: Float64Array, bytes: Float64Array }, i: number, msgs: number, bytes: number): void {
    c.msgs[i]! += msgs
    c.bytes[i]! += bytes
  }
}
