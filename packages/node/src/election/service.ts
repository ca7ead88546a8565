/**
 * The election shell: runs the pure `Election` state machine on libp2p. It persists terms and
 * votes before the messages that depend on them leave (one serial output queue), carries the
 * messages over a long-lived stream per peer, feeds it the ranking and the voter set, and, on
 * the coordinator, changes the voter set one member at a time as members join, leave or stay
 * dead past `removeAfterMs` (Raft's single-server membership changes): a change is made only
 * once a quorum of the current voters holds the current set, and a member is added only once it
 * holds it too (it gets the coordinator's heartbeats as a learner first). Pre-votes and votes
 * carry the sender's voter set as well (voter-news.ts), so a set that most of its voters never
 * received is learnt from the candidates once the network lets them through.
 */
import type { Clock } from '@kos/detect'
import type { PeerId } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { KosConfig } from '../config/schema.js'
import type { Membership } from '@kos/core'
import { MessageChannel } from '../net/channel.js'
import { tickIsLate } from '@kos/core'
import { learnersOf, nextVoterChange, type VoterBounds } from '@kos/core'
import { CoordinatorAnnouncements } from './announcements.js'
import { adoptsVotersFrom, carriesVoters, reportsHeld, senderHolds } from '@kos/core'
import type { KosLibp2p } from '../net/host.js'
import type { PeerBreakers } from '../net/peer-breakers.js'
import type { StateStore } from '../store/state-store.js'
import { electionEnvelopeSchema, newerVoters, votersOrdinal, type CoordinatorAnnouncement, type ElectionEnvelope, type VoterConfig } from '@kos/core'
import { decodeMessage, encodeMessage, MessageDecodeError, WIRE_VERSION } from '@kos/core'
import { Election } from '@kos/core'
import { electionRefusal, MAX_TERM_LEAP, type ElectionRefusal } from '@kos/core'
import type { ElectionEvent, ElectionMessage, ElectionOutput } from '@kos/core'

export interface ElectionServiceComponents {
  libp2p: KosLibp2p
  config: KosConfig
  clock: Clock
  log: Logger
  store: StateStore
  /** The membership view: who is alive, for the ranking and the voter set. */
  membership: Membership
  emit: (event: ElectionEvent) => void
  onInvalidMessage: (reason: string) => void
  /** A well-formed message this node does not act on (message-authority.ts): an attempt, reported at most once a minute per sender. */
  onRefused: (from: string, reason: ElectionRefusal, term: number) => void
  /** The node's breakers per peer: opening a voter's stream goes through `election`, so a vote or heartbeat to an unreachable voter fails at once. */
  breakers: PeerBreakers
  /** Messages the election channel lost (the `kos_channel_dropped_total` metric). */
  counters?: { channelDropped: (channel: string, reason: string, n: number) => void, electionRefused: (reason: ElectionRefusal) => void }
}

/** One report a minute per sender of refused election messages: a hostile peer cannot flood the audit log. */
const REFUSAL_REPORT_INTERVAL_MS = 60_000
const MAX_REFUSERS_TRACKED = 1024

/** Messages queued per peer on the election channel: a few seconds of heartbeats. */
const MAX_QUEUED_PER_PEER = 64

export class ElectionService {
  readonly core: Election
  private readonly c: ElectionServiceComponents
  private readonly channel: MessageChannel
  private readonly announcements: CoordinatorAnnouncements
  private readonly bounds: VoterBounds
  private voterConfig: VoterConfig
  /** Per peer, which voter set it last said it holds (as votersOrdinal): from its acks, replies and requests. */
  private readonly held = new Map<string, number>()
  private queue: Promise<void> = Promise.resolve()
  private votersWrite: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  private announceTimer: NodeJS.Timeout | undefined
  private running = false
  private failed = false
  /** Tasks queued and not finished: while any, sends queue behind them. */
  private pending = 0
  private lastReconfigureAtMs = -Infinity
  private lastTickAtMs = -Infinity
  private readonly refusalsReported = new Map<string, number>()

  private constructor (c: ElectionServiceComponents, core: Election, voters: VoterConfig) {
    this.c = c
    this.core = core
    this.voterConfig = voters
    this.bounds = { max: c.config.voters, selfZone: c.config.zone }
    this.announcements = new CoordinatorAnnouncements(c.libp2p, {
      cluster: c.config.cluster,
      maxMessageBytes: c.config.maxMessageBytes,
      onAnnouncement: (from, a) => { this.onAnnouncement(from, a) },
      onInvalid: (reason) => { c.onInvalidMessage(reason) }
    })
    this.channel = new MessageChannel(c.libp2p, {
      protocol: `/kos/${c.config.cluster}/election/1.0.0`,
      maxMessageBytes: c.config.maxMessageBytes * 4,
      maxQueuedPerPeer: MAX_QUEUED_PER_PEER,
      dialTimeoutMs: c.config.dialTimeoutMs,
      onMessage: (from, bytes) => { this.onMessage(from, bytes) },
      guard: c.breakers.guard('election'),
      name: 'election',
      onDrop: (_peer, reason, n) => { c.counters?.channelDropped('election', reason, n) }
    }, c.log)
  }

  /**
   * Loads the persisted term, vote and voter set. A node with none starts as the only voter if it
   * was given no bootstrap peers (it founds the cluster), and as a non-voter otherwise: the
   * coordinator of the cluster it joins adds it.
   */
  static async create (c: ElectionServiceComponents): Promise<ElectionService> {
    const self = c.libp2p.peerId.toString()
    const vote = await c.store.getVote()
    const stored = await c.store.getVoters()
    const voters: VoterConfig = stored ?? (c.config.bootstrap.length === 0 ? { term: 0, version: 1, voters: [self] } : { term: 0, version: 0, voters: [] })
    if (stored === undefined) await c.store.setVoters(voters)
    const core = new Election({
      selfId: self,
      heartbeatIntervalMs: c.config.electionHeartbeatIntervalMs,
      electionTimeoutMinMs: c.config.electionTimeoutMinMs,
      electionTimeoutMaxMs: c.config.electionTimeoutMaxMs,
      leaseMs: c.config.electionLeaseMs,
      rankStepMs: c.config.electionRankStepMs,
      announceTimeoutMs: c.config.coordinatorAnnounceIntervalMs * 3.5
    }, vote, c.clock, Math.random)
    return new ElectionService(c, core, voters)
  }

  get voters (): Readonly<VoterConfig> { return this.voterConfig }

  async start (): Promise<void> {
    await this.channel.start()
    this.running = true
    this.updateRanking()
    this.updateLearners()
    this.perform(this.core.setVoters(this.voterConfig.voters, votersOrdinal(this.voterConfig)))
    this.c.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.lastTickAtMs = this.c.clock.now()
    this.timer = setInterval(() => { this.onTimer() }, this.c.config.electionTickIntervalMs)
    this.timer.unref()
    this.announcements.start()
    this.announceTimer = setInterval(() => { this.announce() }, this.c.config.coordinatorAnnounceIntervalMs)
    this.announceTimer.unref()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    clearInterval(this.timer)
    clearInterval(this.announceTimer)
    this.announcements.stop()
    this.c.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    await this.channel.stop()
    await this.queue
    await this.votersWrite
  }

  /** The membership changed: re-rank, and let the coordinator adjust the voter set. */
  onMembershipChange (): void {
    if (!this.running) return
    this.updateRanking()
    this.updateLearners()
    this.reconfigure()
  }

  /** A late tick (the event loop was held) runs behind the input that queued up meanwhile (late-tick.ts). */
  private onTimer (): void {
    const now = this.c.clock.now()
    const late = tickIsLate(this.lastTickAtMs, now, this.c.config.electionTickIntervalMs)
    this.lastTickAtMs = now
    if (late) setImmediate(() => { this.tick() })
    else this.tick()
  }

  private tick (): void {
    if (!this.running) return
    this.perform(this.core.tick())
    // The voter set changes at most one member per heartbeat round: no need to look every tick.
    const now = this.c.clock.now()
    if (now - this.lastReconfigureAtMs >= this.c.config.electionHeartbeatIntervalMs) {
      this.lastReconfigureAtMs = now
      this.reconfigure()
    }
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString()
    this.channel.reset(id)
    if (this.running) this.perform(this.core.peerLost(id))
  }

  private onMessage (from: string, bytes: Uint8Array): void {
    let env: ElectionEnvelope
    try {
      env = decodeMessage(bytes, electionEnvelopeSchema, this.c.config.maxMessageBytes * 4)
    } catch (err) {
      this.c.onInvalidMessage(err instanceof MessageDecodeError ? err.reason : 'malformed')
      return
    }
    const refused = electionRefusal(from, env.m, env.config, this.voterConfig, this.core.term)
    if (refused !== null) {
      this.refuse(from, refused, env.m.term)
      return
    }
    // Before the core sees the message, so a pre-vote or vote is judged with the set it taught us.
    if (env.config !== undefined && adoptsVotersFrom(env.m, this.core.role, this.core.acceptDecision(env.m.term))) this.adoptVoters(env.config, from)
    const holds = senderHolds(env.m, env.held === undefined ? undefined : votersOrdinal(env.held))
    if (holds !== undefined) this.held.set(from, holds)
    this.perform(this.core.receive(from, env.m))
  }

  /**
   * A coordinator's announcement (announcements.ts checked that it names its signer a voter). A
   * non-voter takes the voter set and the coordinator from it: the cluster key's admission is the
   * guard there, as for a joiner's first heartbeat (message-authority.ts). A voter only takes a
   * newer set, from one of its own voters in a term it accepts, as from a heartbeat; it follows
   * the coordinator by heartbeats, not by announcements.
   */
  private onAnnouncement (from: string, a: CoordinatorAnnouncement): void {
    if (!this.running || from === this.core.selfId) return
    if (a.term > this.core.term + MAX_TERM_LEAP) {
      this.refuse(from, 'term-bound', a.term)
      return
    }
    const voter = this.voterConfig.voters.includes(this.core.selfId)
    const trusted = !voter || this.voterConfig.voters.includes(from)
    if (trusted && this.core.role === 'follower' && this.core.acceptDecision(a.term) && newerVoters(a.config, this.voterConfig)) this.setVoterConfig(a.config)
    this.perform(this.core.learnCoordinator(from, a.term))
  }

  /** On the coordinator: tell every member who coordinates, in which term, with which voters. */
  private announce (): void {
    if (this.running && this.core.coordinatorId === this.core.selfId) this.announcements.announce(this.core.term, this.voterConfig)
  }

  /** Counted every time; reported (log, and the event the audit log records) once a minute per sender. */
  private refuse (from: string, reason: ElectionRefusal, term: number): void {
    this.c.counters?.electionRefused(reason)
    const now = this.c.clock.now()
    if (now - (this.refusalsReported.get(from) ?? -Infinity) < REFUSAL_REPORT_INTERVAL_MS) return
    if (this.refusalsReported.size >= MAX_REFUSERS_TRACKED) this.refusalsReported.clear()
    this.refusalsReported.set(from, now)
    this.c.log.warn({ from, reason, term }, 'election message refused')
    this.c.onRefused(from, reason, term)
  }

  /** A coordinator's heartbeat or a candidate's request carried its voter set; a newer one replaces ours. */
  private adoptVoters (config: VoterConfig, from: string): void {
    if (newerVoters(config, this.voterConfig)) {
      this.setVoterConfig(config)
    } else if (!newerVoters(this.voterConfig, config) && config.voters.join() !== this.voterConfig.voters.join()) {
      this.c.log.warn({ from, term: config.term, version: config.version }, 'two different voter sets with one version: were two clusters founded, then joined?')
    }
  }

  private setVoterConfig (config: VoterConfig): void {
    this.voterConfig = { term: config.term, version: config.version, voters: [...config.voters].sort() }
    // Written aside, not through the ordered queue: a follower's acks must not wait behind an
    // fsync (the coordinator's lease would lapse). A crash before the write lands only costs a
    // resend: the coordinator keeps sending the set to a voter that does not report holding it.
    const persisted = this.voterConfig
    this.votersWrite = this.votersWrite.then(async () => { await this.c.store.setVoters(persisted) })
      .catch((err: unknown) => { this.c.log.warn({ err }, 'voter set not persisted') })
    this.updateLearners()
    this.perform(this.core.setVoters(this.voterConfig.voters, votersOrdinal(this.voterConfig)))
  }

  /** Alive members that are not voters get the coordinator's heartbeats, to catch up before they are added. */
  private updateLearners (): void {
    this.core.setLearners(learnersOf(this.core.selfId, this.voterConfig.voters, this.c.membership.list(), this.bounds))
  }

  /**
   * On the coordinator: one voter added or removed (voter-change.ts), once a quorum of the
   * current voters holds the current set; a voter added only once it holds the set itself.
   */
  private reconfigure (): void {
    const self = this.core.selfId
    if (this.core.coordinatorId !== self) return
    const { version, voters } = this.voterConfig
    const current = votersOrdinal(this.voterConfig)
    const change = nextVoterChange(self, voters, this.c.membership.list(), this.c.clock.now(), this.c.config.removeAfterMs, this.core.quorum, (v) => this.held.get(v) === current, this.bounds)
    if (change === null) return
    this.c.log.info({ version: version + 1, added: change.added ?? undefined, removed: change.removed ?? undefined, voters: change.next.length }, 'voter set changed')
    this.setVoterConfig({ term: this.core.term, version: version + 1, voters: change.next })
    this.announce()
  }

  /**
   * Archons first, then the lowest peer id, among live members and self. A role label counts only
   * where the config's `authorities` designates that peer: anyone can claim `--role archon`.
   */
  private updateRanking (): void {
    const archons = this.c.config.authorities.archon
    const live = this.c.membership.list().filter((m) => m.state === 'alive').map((m) => ({ id: m.peerId, archon: m.role === 'archon' && archons.includes(m.peerId) }))
    live.push({ id: this.core.selfId, archon: this.c.config.role === 'archon' && archons.includes(this.core.selfId) })
    live.sort((a, b) => a.archon === b.archon ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.archon ? -1 : 1)
    this.core.setRanking(live.map((x) => x.id))
  }

  /** Performs outputs in order; a send never overtakes a persist queued before it. */
  private perform (outputs: ElectionOutput[]): void {
    for (const out of outputs) {
      switch (out.type) {
        case 'event':
          this.c.emit(out.event)
          // A new coordinator tells the non-voters at once, not a period later.
          if (out.event.type === 'coordinator:elected' && out.event.coordinatorId === this.core.selfId) queueMicrotask(() => { this.announce() })
          break
        case 'persist': {
          const vote = { term: out.term, votedFor: out.votedFor }
          this.enqueue(async () => { await this.c.store.setVote(vote) })
          break
        }
        case 'send': {
          const bytes = this.encode(out.to, out.message)
          // Nothing queued (no persist in flight): send now; else behind what is queued.
          if (this.pending === 0 && !this.failed) this.channel.send(out.to, bytes)
          else this.enqueue(async () => { this.channel.send(out.to, bytes) })
          break
        }
      }
    }
  }

  private encode (to: string, m: ElectionMessage): Uint8Array {
    const env: ElectionEnvelope = { v: WIRE_VERSION, t: 'election', m }
    if (carriesVoters(m, this.held.get(to), votersOrdinal(this.voterConfig))) env.config = this.voterConfig
    if (reportsHeld(m)) env.held = { term: this.voterConfig.term, version: this.voterConfig.version }
    return encodeMessage(env)
  }

  private enqueue (task: () => Promise<void>): void {
    this.pending++
    this.queue = this.queue.then(async () => {
      try {
        if (!this.failed) await task()
      } catch (err) {
        // A vote that cannot be persisted must not be sent: nothing queued after it leaves.
        this.failed = true
        this.running = false
        clearInterval(this.timer)
        this.c.log.error({ err }, 'election state could not be persisted; this node stops taking part in elections')
      } finally {
        this.pending--
      }
    })
  }
}
