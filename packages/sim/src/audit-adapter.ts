/**
 * The audit log's replication core (`AuditReplication`, audit/replication.ts) under a simulated
 * shell: what `audit/audit-service.ts` does on libp2p and LevelDB, done on the simulated network and
 * disk. The pieces below the core are the node's own: `AuditStore` (schema, hash and Ed25519
 * signature checks on every received entry, chain classification, group commit) over an
 * in-memory `AuditDb` kept on the simulated disk, `AuditAppender` signing real entries, and the
 * Lamport clock restarted from the store as the service does.
 *
 * - Pushes go out as gossip (the service publishes them on a gossipsub topic); heads, entries,
 *   acks and checkpoints as point-to-point messages (its sync channel). Every message is encoded
 *   with the node's codec (its size is the byte count) and decoded with the receiver's wire
 *   schema, so a message the node would refuse is refused here too (and counted).
 * - The core ticks every 50 ms with the alive members of this node's membership and, when the
 *   process runs the election core, its voter set, the electorate of `ack=quorum` (audit-service.ts).
 * - Peer ids: each simulated node signs with an Ed25519 key from a fixed seed (its index), so
 *   entries verify exactly as on a node; the shell translates simulated ids to peer ids.
 * - The store's promises settle between two events (NodeHost.track): a disk with no latency.
 *   A crash therefore never splits a write; an append is acknowledged once it is stored.
 * - A seeded workload: every node appends `appendsPerSec` entries per second on average, a
 *   share of them with `ack=quorum` (the service's `append(fields, 'quorum')`: the local write,
 *   then `awaitQuorum`), until `stopAtMs`. Each outcome is reported as an `audit:*` event.
 *
 * Left out: retention (the lan profile compacts past a million entries per origin, which no run
 * reaches) and the tamper-event rate limit (rejections are reported one by one).
 */
import { AuditAppender, AuditReplication, AuditStore, decodeDirect, decodePush, ed25519Signer, encodeReplication, LamportClock, REPLICATION_DEFAULTS, type AuditSigner, type ReplicationMessage } from '@kos/core'
import type { CoreAdapter, CoreFactory, NodeHost } from './core-adapter.js'
import { MemoryAuditDb } from './memory-audit-db.js'
import { ELECTION, type ElectionAdapter } from './sim-election.js'
import { MEMBERSHIP, type MembershipAdapter } from './sim-membership.js'
import type { SimTimings } from './timings.js'

export const AUDIT = 'audit'
/** audit-service.ts TICK_MS: the resolution of quorum deadlines and re-pushes. */
const TICK_MS = 50
/** The workload's draw interval: an append happens in a slot with probability rate × slot. */
const WORKLOAD_SLOT_MS = 200

export interface AuditWorkload {
  /** Appends per node per second, on average. */
  appendsPerSec: number
  /** The share of appends made with `ack=quorum`. */
  quorumShare: number
  /** No append starts at or after this virtual time (the quiet period before the final check). */
  stopAtMs: number
}

export const AUDIT_WORKLOAD_DEFAULTS: Readonly<Omit<AuditWorkload, 'stopAtMs'>> = Object.freeze({ appendsPerSec: 1, quorumShare: 0.3 })

type Kind = ReplicationMessage['kind']

/** What the audit core did in a run, across every node; a function of the seed. */
export interface AuditStats {
  appends: number
  quorumAcked: number
  quorumTimedOut: number
  /** Entries received from peers and stored. */
  stored: number
  /** Received entries refused by the core or the store (forged, forked): none in an honest run. */
  rejected: number
  /** Messages the receiver's wire schema refused: none unless the core sends what the node cannot carry. */
  wireRefused: number
  /** Messages and encoded bytes sent, by kind (a gossip push counts once, as the sender pays once). */
  msgs: Record<Kind, number>
  bytes: Record<Kind, number>
}

const byKind = (): Record<Kind, number> => ({ push: 0, heads: 0, entries: 0, ack: 0, checkpoint: 0 })

export function emptyAuditStats (): AuditStats {
  return { appends: 0, quorumAcked: 0, quorumTimedOut: 0, stored: 0, rejected: 0, wireRefused: 0, msgs: byKind(), bytes: byKind() }
}

/** The simulated disk's audit slice: survives crashes. */
export interface AuditDisk { db: MemoryAuditDb }

/** Every node's signer, and the id translations both ways. */
export interface AuditIdentities {
  signers: readonly AuditSigner[]
  peerOf: ReadonlyMap<string, string>
  simOf: ReadonlyMap<string, string>
}

/** Keys depend on the index only (not the seed), so they are made once per process and reused. */
const signerCache: AuditSigner[] = []

/** The Ed25519 signers of `ids` (sim ids, in index order): key seed = the index, big-endian, padded. */
export async function auditIdentities (ids: readonly string[]): Promise<AuditIdentities> {
  for (let i = signerCache.length; i < ids.length; i++) {
    const seed = new Uint8Array(32)
    new DataView(seed.buffer).setUint32(28, i + 1)
    signerCache.push(ed25519Signer(seed))
  }
  const signers = signerCache.slice(0, ids.length)
  return {
    signers,
    peerOf: new Map(ids.map((id, i) => [id, signers[i]!.peerId])),
    simOf: new Map(ids.map((id, i) => [signers[i]!.peerId, id]))
  }
}

interface Shared {
  timings: SimTimings
  identities: AuditIdentities
  workload: AuditWorkload
  stats: AuditStats
}

export class AuditAdapter implements CoreAdapter {
  readonly name = AUDIT
  readonly peerId: string
  private readonly host: NodeHost
  private readonly s: Shared
  private readonly signer: AuditSigner
  private replication: AuditReplication | undefined
  private appender: AuditAppender | undefined
  private membership!: MembershipAdapter
  private appended = 0
  /** The alive peers last handed to the core: the electorate of a quorum wait that starts now. */
  private aliveCount = 0

  constructor (host: NodeHost, shared: Shared) {
    this.host = host
    this.s = shared
    this.signer = shared.identities.signers[host.index]!
    this.peerId = this.signer.peerId
  }

  start (): void {
    this.membership = this.host.core<MembershipAdapter>(MEMBERSHIP)
    let disk = this.host.disk.get(AUDIT) as AuditDisk | undefined
    if (disk === undefined) {
      disk = { db: new MemoryAuditDb() }
      this.host.disk.set(AUDIT, disk)
    }
    this.host.track(this.open(disk.db))
  }

  /** audit-service.ts start(): the store from disk, the Lamport clock above it, then the timers. */
  private async open (db: MemoryAuditDb): Promise<void> {
    const { host, s } = this
    const store = await AuditStore.open(db)
    const lamport = new LamportClock(store.maxLamport())
    const replication = this.replication = new AuditReplication({
      self: this.peerId,
      store,
      transport: {
        broadcast: (msg) => { this.broadcast(msg) },
        send: (to, msg) => { this.send(to, msg) }
      },
      clock: host.clock,
      random: host.random,
      // The node yields a macrotask (setImmediate); here nothing else waits for the CPU.
      yieldNow: async () => {},
      options: { ...REPLICATION_DEFAULTS, syncIntervalMs: s.timings.auditSyncIntervalMs, quorumTimeoutMs: s.timings.auditQuorumTimeoutMs },
      onStored: (entries) => {
        s.stats.stored += entries.length
        for (const e of entries) lamport.observe(e.lamport)
      },
      onRejected: (from, entry, why) => {
        s.stats.rejected++
        const e = entry as { origin?: unknown, seq?: unknown }
        host.emit(AUDIT, { type: 'audit:rejected', from: s.identities.simOf.get(from) ?? from, origin: e.origin, seq: e.seq, why })
      }
    })
    this.appender = new AuditAppender({
      store,
      signer: this.signer,
      wallClock: host.wallClock,
      lamport,
      onWritten: (entries) => { replication.published(entries) }
    })
    const r = host.random
    host.every(TICK_MS, Math.floor(r() * TICK_MS) + 1, () => { this.tick() })
    host.every(WORKLOAD_SLOT_MS, Math.floor(r() * WORKLOAD_SLOT_MS) + 1, () => { this.workload() })
  }

  receive (from: string, message: unknown): void {
    const peer = this.s.identities.peerOf.get(from)
    if (this.replication === undefined || peer === undefined) return
    this.replication.receive(peer, message as ReplicationMessage)
    this.host.track(this.replication.idle())
  }

  /** The service ignores closed connections: anti-entropy and re-pushes do the repair. */
  peerLost (): void {}

  private tick (): void {
    const replication = this.replication!
    const peerOf = this.s.identities.peerOf
    const alive = this.membership.core.alivePeerIds().map((id) => peerOf.get(id) ?? id)
    this.aliveCount = alive.length
    replication.setAlive(alive)
    const voters = this.voters()
    if (voters.length > 0) replication.setVoters(voters.map((id) => peerOf.get(id) ?? id))
    replication.tick()
    this.host.track(replication.idle())
  }

  /** The election core's voter set (sim ids), or [] when this run has no election. */
  private voters (): readonly string[] {
    try {
      return this.host.core<ElectionAdapter>(ELECTION).core.voters
    } catch {
      return []
    }
  }

  private workload (): void {
    const { host, s } = this
    if (host.clock.now() >= s.workload.stopAtMs || host.random() >= s.workload.appendsPerSec * WORKLOAD_SLOT_MS / 1000) return
    const quorum = host.random() < s.workload.quorumShare
    const n = ++this.appended
    const written = this.appender!.append({ class: 'operator', type: 'sim:append', severity: 'info', subject: host.id, details: { n, quorum } })
    host.track(written.then(() => { s.stats.appends++ }, (err: unknown) => {
      host.emit(AUDIT, { type: 'audit:append-failed', error: String(err) })
    }))
    if (!quorum) return
    // Not tracked: the wait spans virtual time; its outcome lands in the settle of the event
    // (an ack, a tick past the deadline) that decides it.
    void written.then(async (res) => {
      try {
        await this.replication!.awaitQuorum(res.seq)
        s.stats.quorumAcked++
        // What the core promised, for the checker to hold it to: a majority of the voter set
        // as it is now, or without an election, of the members alive now (self included).
        const voters = this.voters()
        const majority = voters.length > 0 ? Math.floor(voters.length / 2) + 1 : Math.floor((this.aliveCount + 1) / 2) + 1
        host.emit(AUDIT, { type: 'audit:acked', origin: res.origin, seq: res.seq, hash: res.hash, majority, voters: voters.length > 0 ? [...voters] : null })
      } catch (err) {
        s.stats.quorumTimedOut++
        host.emit(AUDIT, { type: 'audit:quorum-timeout', seq: res.seq, error: (err as Error).message })
      }
    }, () => {})
  }

  private broadcast (msg: ReplicationMessage & { kind: 'push' }): void {
    const wire = this.encode(msg)
    if (wire === null) return
    this.host.broadcast(AUDIT, wire.decoded, wire.bytes)
  }

  private send (to: string, msg: ReplicationMessage): void {
    const sim = this.s.identities.simOf.get(to)
    const wire = this.encode(msg)
    if (sim === undefined || wire === null) return
    this.host.send(sim, AUDIT, wire.decoded, wire.bytes)
  }

  /**
   * The node's codec both ways: the bytes count the traffic, and the receiver's schema (gossip
   * or direct channel) refuses what the node would. Decoded once per message, not per receiver:
   * receivers read it and never change it.
   */
  private encode (msg: ReplicationMessage): { decoded: ReplicationMessage, bytes: number } | null {
    const { stats } = this.s
    const bytes = encodeReplication(msg)
    stats.msgs[msg.kind]++
    stats.bytes[msg.kind] += bytes.length
    try {
      return { decoded: msg.kind === 'push' ? decodePush(bytes) : decodeDirect(bytes), bytes: bytes.length }
    } catch (err) {
      stats.wireRefused++
      this.host.emit(AUDIT, { type: 'audit:wire-refused', kind: msg.kind, error: (err as Error).message })
      return null
    }
  }
}

/** The audit core's factory; `stats` fills as the run goes. Async: it makes the nodes' keys. */
export async function auditFactory (ids: readonly string[], timings: SimTimings, workload: AuditWorkload, stats: AuditStats = emptyAuditStats()): Promise<CoreFactory & { stats: AuditStats, identities: AuditIdentities }> {
  const identities = await auditIdentities(ids)
  const shared: Shared = { timings, identities, workload, stats }
  return { name: AUDIT, stats, identities, create: (host) => new AuditAdapter(host, shared) }
}
