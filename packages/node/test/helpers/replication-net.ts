/**
 * An in-memory network for the audit replication core (replication.ts): N replicas, each a real
 * AuditStore over LevelDB in a temp dir, a real AuditAppender (deterministic keys and wall
 * clock), and an AuditReplication whose transport is this network. Messages get a seeded
 * latency and loss, and a `cut(from, to)` rule models partitions. Everything runs one step at a
 * time (deliver one message, wait until its receiver is idle), so a seed always gives the same
 * run: the trace hash is the proof.
 */
import { createHash } from 'node:crypto'
import { ManualClock, seededRandom } from '@kos/detect'
import { AuditAppender, type AppendResult } from '@kos/core'
import type { AuditSigner } from '@kos/core'
import { LamportClock } from '@kos/core'
import { AuditReplication, REPLICATION_DEFAULTS, type Rejection, type ReplicationMessage } from '@kos/core'
import type { AuditEntry } from '@kos/core'
import { AuditStore } from '@kos/core'
import { fields, seededSigner, tempDb, type TempDb } from './audit-fixtures.js'


export interface Replica {
  name: string
  id: string
  signer: AuditSigner
  tmp: TempDb
  store: AuditStore
  appender: AuditAppender
  replication: AuditReplication
  rejected: Array<{ from: string, why: Rejection }>
}

interface InFlight { at: number, n: number, from: string, to: string, msg: ReplicationMessage }

export interface NetOptions {
  seed: number
  /** Probability that one message is lost. */
  loss: number
  syncIntervalMs?: number
  quorumTimeoutMs?: number
}

export class ReplicationNet {
  readonly clock = new ManualClock(0)
  readonly replicas: Replica[] = []
  /**
   * Blocks delivery from → to while it returns true (a partition). The default `view` reads it
   * too, at every append and tick, so it must depend on (from, to) alone: a rule that counts its
   * calls would be used up by the view, not by deliveries (use `lose` for that).
   */
  cut: (from: string, to: string) => boolean = () => false
  /** Loses this one delivery when it returns true; asked once per message, at its delivery, and by nothing else. */
  lose: (from: string, to: string, msg: ReplicationMessage) => boolean = () => false
  /** Each replica's alive peers; by default the ones it can reach now (what membership converges to). */
  view: (r: Replica) => string[] = (r) => this.replicas
    .filter((p) => p !== r && !this.cut(r.id, p.id) && !this.cut(p.id, r.id)).map((p) => p.id)
  private readonly random: () => number
  private readonly opts: NetOptions
  private inFlight: InFlight[] = []
  private n = 0
  private readonly trace = createHash('sha256')
  delivered = 0
  lost = 0
  /** Deliveries lost to `cut` and `lose` (also counted in `lost`, with the random loss). */
  severed = 0
  /** Messages sent, by kind (before loss). */
  readonly sent: Record<ReplicationMessage['kind'], number> = { push: 0, heads: 0, entries: 0, ack: 0, checkpoint: 0 }

  private constructor (opts: NetOptions) {
    this.opts = opts
    this.random = seededRandom(opts.seed)
  }

  static async create (size: number, opts: NetOptions): Promise<ReplicationNet> {
    const net = new ReplicationNet(opts)
    for (let i = 0; i < size; i++) await net.add(String.fromCharCode(97 + i), i + 1)
    return net
  }

  private async add (name: string, seedByte: number): Promise<void> {
    const signer = await seededSigner(seedByte)
    const tmp = await tempDb()
    const store = await AuditStore.open(tmp.db)
    const id = signer.peerId
    const rejected: Replica['rejected'] = []
    const lamport = new LamportClock()
    const replication = new AuditReplication({
      self: id,
      store,
      transport: {
        broadcast: (msg) => { for (const r of this.replicas) if (r.id !== id) this.enqueue(id, r.id, msg) },
        send: (to, msg) => { this.enqueue(id, to, msg) }
      },
      clock: this.clock,
      random: this.random,
      yieldNow: async () => {},
      options: {
        ...REPLICATION_DEFAULTS,
        syncIntervalMs: this.opts.syncIntervalMs ?? 500,
        quorumTimeoutMs: this.opts.quorumTimeoutMs ?? 2000
      },
      onStored: (entries) => { for (const e of entries) lamport.observe(e.lamport) },
      onRejected: (from, _entry, why) => { rejected.push({ from, why }) }
    })
    const appender = new AuditAppender({
      store,
      signer,
      wallClock: { now: () => 1_700_000_000_000 + this.clock.now() },
      lamport,
      onWritten: (entries) => { replication.published(entries) }
    })
    this.replicas.push({ name, id, signer, tmp, store, appender, replication, rejected })
  }

  replica (name: string): Replica {
    const r = this.replicas.find((x) => x.name === name)
    if (r === undefined) throw new Error(`no replica ${name}`)
    return r
  }

  private updateAlive (): void {
    for (const r of this.replicas) r.replication.setAlive(this.view(r))
  }

  /** Appends one event on `name` and waits for the local write (not for any quorum). */
  async append (name: string, i: number): Promise<AppendResult> {
    const r = this.replica(name)
    this.updateAlive()
    const res = await r.appender.append(fields({ type: 'test:sim', subject: `${name}-${i}`, details: { i } }))
    await r.replication.idle()
    return res
  }

  enqueue (from: string, to: string, msg: ReplicationMessage): void {
    this.sent[msg.kind]++
    if (this.random() < this.opts.loss) { this.lost++; return }
    this.inFlight.push({ at: this.clock.now() + 1 + Math.floor(this.random() * 20), n: this.n++, from, to, msg })
  }

  /** Runs `ms` of virtual time in 5 ms steps: ticks every 50 ms, delivers what is due. */
  async run (ms: number): Promise<void> {
    const end = this.clock.now() + ms
    while (this.clock.now() < end) {
      this.clock.advance(5)
      const now = this.clock.now()
      if (now % 50 === 0) {
        this.updateAlive()
        for (const r of this.replicas) { r.replication.tick(); await r.replication.idle() }
      }
      await this.deliverDue(now)
    }
  }

  private async deliverDue (now: number): Promise<void> {
    for (;;) {
      const due = this.inFlight.filter((m) => m.at <= now).sort((x, y) => x.at - y.at || x.n - y.n)[0]
      if (due === undefined) return
      this.inFlight.splice(this.inFlight.indexOf(due), 1)
      if (this.cut(due.from, due.to) || this.lose(due.from, due.to, due.msg)) { this.lost++; this.severed++; continue }
      const to = this.replicas.find((r) => r.id === due.to)
      if (to === undefined) continue
      this.delivered++
      this.trace.update(`${due.at}:${due.from.slice(-4)}>${due.to.slice(-4)}:${due.msg.kind};`)
      to.replication.receive(due.from, due.msg)
      await to.replication.idle()
    }
  }

  /** Every replica's log, as `origin#seq:hash` lines (for identity checks). */
  async logs (): Promise<string[]> {
    const out: string[] = []
    for (const r of this.replicas) {
      const lines: string[] = []
      const heads = r.store.heads()
      for (const origin of Object.keys(heads).sort()) {
        const entries: AuditEntry[] = await r.store.range(origin, 1, heads[origin]?.seq ?? 0, 1_000_000)
        for (const e of entries) lines.push(`${e.origin}#${e.seq}:${e.hash}`)
      }
      out.push(lines.join('\n'))
    }
    return out
  }

  traceHash (): string {
    return this.trace.copy().digest('hex')
  }

  async close (): Promise<void> {
    for (const r of this.replicas) {
      r.replication.stop()
      await r.appender.close().catch(() => {})
      await r.store.drain().catch(() => {})
      await r.tmp.cleanup()
    }
  }
}
