/**
 * The election core (`Election`) under a simulated shell: what `election/service.ts` does on
 * libp2p, done on the simulated network:
 * - term and vote are persisted through one serial queue, and a send never overtakes a persist
 *   queued before it; the write takes `fsyncMs`, and a crash before it lands loses it and every
 *   send queued behind it (the contract of `ElectionOutput`);
 * - the voter set travels on heartbeats to voters and learners, and on pre-votes, their replies
 *   and vote requests, to peers not known to hold it; it is adopted as voter-news.ts says
 *   (a heartbeat of the newest term; those requests and replies on a follower or pre-candidate),
 *   and persisted aside;
 * - on the coordinator, the voter set changes one member at a time, once a quorum holds the
 *   current one: members alive or suspect, or dead for less than removeAfterMs, are kept; an
 *   alive member (a learner, heartbeated like a voter) is added once it holds the current set;
 * - the set is bounded by `voters` (voter-change.ts); the coordinator announces its term and
 *   the set by gossip every `coordinatorAnnounceIntervalMs` (and when elected or when the set
 *   changes), and non-voters follow it from those announcements (announcements.ts);
 * - the ranking is archons first (none here), then the lowest peer id, among alive members;
 * - a late tick (the process was paused) runs behind the messages that queued up meanwhile
 *   (late-tick.ts), as setImmediate runs it after libuv's poll phase in the node.
 * The ranking is recomputed lazily, before the next call into the core, from the membership
 * adapter's tracked states: equivalent to the shell's re-rank on every event, at a fraction of
 * the cost (no member views, no sort: ids are ranked by index).
 */
import { adoptsVotersFrom, carriesVoters, Election, reportsHeld, senderHolds, learnersOf, newerVoters, nextVoterChange, tickIsLate, votersOrdinal, type ElectionEvent, type ElectionMessage, type ElectionOutput, type PersistedElectionState, type VoterConfig } from '@kos/core'
import type { CoreAdapter, CoreFactory, NodeHost, ProcessStart } from './core-adapter.js'
import { MEMBERSHIP, type MembershipAdapter } from './membership-adapter.js'
import type { SimTimings } from './timings.js'
import { announcementBytes, electionMessageBytes } from './wire-sizes.js'

export const ELECTION = 'election'

/** The coordinator's gossiped announcement (wire/election.ts CoordinatorAnnouncement). */
export interface ElectionAnnouncement { announce: true, term: number, config: VoterConfig }

export interface ElectionEnvelope {
  announce?: undefined
  m: ElectionMessage
  config?: VoterConfig
  held?: { term: number, version: number }
}

interface ElectionDisk { vote: PersistedElectionState, voters: VoterConfig }

export class ElectionAdapter implements CoreAdapter {
  readonly name = ELECTION
  readonly core: Election
  private readonly host: NodeHost
  private readonly t: SimTimings
  private readonly fsyncMs: number
  private membership!: MembershipAdapter
  private voterConfig: VoterConfig
  private readonly held = new Map<string, number>()
  /** The serial persist queue is busy until then: sends wait behind it. */
  private queueFreeAtMs = -Infinity
  /** Persists queued and not yet on disk (service.ts `pending`): while any, sends queue behind them. */
  private pending = 0
  private rankingDirty = true
  /** The learners (service.ts updateLearners) are recomputed lazily too, and only on the coordinator, the one node that uses them. */
  private learnersDirty = true
  private lastReconfigureAtMs = -Infinity
  private lastTickAtMs = -Infinity
  private readonly bounds: { max: number, selfZone: string }

  constructor (host: NodeHost, timings: SimTimings, start: ProcessStart, fsyncMs: number) {
    this.host = host
    this.t = timings
    this.fsyncMs = fsyncMs
    let disk = host.disk.get(ELECTION) as ElectionDisk | undefined
    if (disk === undefined) {
      // Warm start: a formed cluster whose voter set is every node. Otherwise service.ts's rule:
      // a node given no bootstrap founds the set alone; one given bootstrap peers waits to be added.
      // A warm start's set is already full: its first `voters` ids.
      const voters: VoterConfig = start.warm
        ? { term: 0, version: 1, voters: host.allIds.slice(0, timings.voters) }
        : start.bootstrap.some((id) => id !== host.id) ? { term: 0, version: 0, voters: [] } : { term: 0, version: 1, voters: [host.id] }
      disk = { vote: { term: 0, votedFor: null }, voters }
      host.disk.set(ELECTION, disk)
    }
    this.voterConfig = disk.voters
    this.bounds = { max: timings.voters, selfZone: '' }
    this.core = new Election({
      selfId: host.id,
      heartbeatIntervalMs: timings.electionHeartbeatIntervalMs,
      electionTimeoutMinMs: timings.electionTimeoutMinMs,
      electionTimeoutMaxMs: timings.electionTimeoutMaxMs,
      leaseMs: timings.electionLeaseMs,
      rankStepMs: timings.electionRankStepMs,
      announceTimeoutMs: timings.coordinatorAnnounceIntervalMs * 3.5
    }, { ...disk.vote }, host.clock, host.random)
  }

  get voters (): Readonly<VoterConfig> { return this.voterConfig }

  start (): void {
    this.membership = this.host.core<MembershipAdapter>(MEMBERSHIP)
    this.membership.onChange = () => { this.onMembershipChange() }
    this.perform(this.core.setVoters(this.voterConfig.voters, votersOrdinal(this.voterConfig)))
    const tick = this.t.electionTickIntervalMs
    this.lastTickAtMs = this.host.clock.now()
    this.host.every(tick, Math.floor(this.host.random() * tick) + 1, () => { this.onTimer() })
    const announce = this.t.coordinatorAnnounceIntervalMs
    this.host.every(announce, Math.floor(this.host.random() * announce) + 1, () => { this.announce() })
  }

  receive (from: string, message: unknown): void {
    const env = message as ElectionEnvelope | ElectionAnnouncement
    this.rerank()
    if (env.announce === true) {
      this.onAnnouncement(from, env)
      return
    }
    if (env.config !== undefined && adoptsVotersFrom(env.m, this.core.role, this.core.acceptDecision(env.m.term))) this.adoptVoters(env.config)
    const holds = senderHolds(env.m, env.held === undefined ? undefined : votersOrdinal(env.held))
    if (holds !== undefined) this.held.set(from, holds)
    this.perform(this.core.receive(from, env.m))
  }

  peerLost (peer: string): void {
    this.rerank()
    this.perform(this.core.peerLost(peer))
  }

  /** service.ts onAnnouncement (announcements.ts validated that the signer is one of the voters). */
  private onAnnouncement (from: string, a: ElectionAnnouncement): void {
    if (!a.config.voters.includes(from)) return
    const voter = this.voterConfig.voters.includes(this.core.selfId)
    const trusted = !voter || this.voterConfig.voters.includes(from)
    if (trusted && this.core.role === 'follower' && this.core.acceptDecision(a.term) && newerVoters(a.config, this.voterConfig)) this.setVoterConfig(a.config)
    this.perform(this.core.learnCoordinator(from, a.term))
  }

  private announce (): void {
    if (this.core.coordinatorId !== this.core.selfId) return
    const a: ElectionAnnouncement = { announce: true, term: this.core.term, config: this.voterConfig }
    this.host.broadcast(ELECTION, a, announcementBytes(this.voterConfig.voters.length))
  }

  private onMembershipChange (): void {
    this.rankingDirty = true
    this.learnersDirty = true
    this.reconfigure()
  }

  /** service.ts onTimer: on resume the paused process's buffered messages are delivered right after its timers. */
  private onTimer (): void {
    const now = this.host.clock.now()
    const late = tickIsLate(this.lastTickAtMs, now, this.t.electionTickIntervalMs)
    this.lastTickAtMs = now
    if (late) this.host.after(0, () => { this.tick() })
    else this.tick()
  }

  private tick (): void {
    this.rerank()
    this.perform(this.core.tick())
    const now = this.host.clock.now()
    if (now - this.lastReconfigureAtMs >= this.t.electionHeartbeatIntervalMs) {
      this.lastReconfigureAtMs = now
      this.reconfigure()
    }
  }

  private adoptVoters (config: VoterConfig): void {
    if (newerVoters(config, this.voterConfig)) this.setVoterConfig(config)
  }

  private setVoterConfig (config: VoterConfig): void {
    this.voterConfig = { term: config.term, version: config.version, voters: [...config.voters].sort() }
    const disk = this.host.disk.get(ELECTION) as ElectionDisk
    disk.voters = this.voterConfig
    this.learnersDirty = true
    this.rerank()
    this.perform(this.core.setVoters(this.voterConfig.voters, votersOrdinal(this.voterConfig)))
  }

  /** service.ts reconfigure: one voter added or removed, once a quorum holds the current set. */
  private reconfigure (): void {
    const self = this.core.selfId
    if (this.core.coordinatorId !== self) return
    const { version, voters } = this.voterConfig
    const current = votersOrdinal(this.voterConfig)
    const change = nextVoterChange(self, voters, this.membership.core.list(), this.host.clock.now(), this.t.removeAfterMs, this.core.quorum, (v) => this.held.get(v) === current, this.bounds)
    if (change === null) return
    this.host.emit(ELECTION, { type: 'voters:changed', version: version + 1, added: change.added, removed: change.removed, voters: change.next.length })
    this.setVoterConfig({ term: this.core.term, version: version + 1, voters: change.next })
    this.announce()
  }

  /** Alive members and self, by peer id (the shell's ranking with no archons); and the learners, if due. */
  private rerank (): void {
    if (this.learnersDirty && this.core.role === 'coordinator') {
      this.learnersDirty = false
      this.core.setLearners(learnersOf(this.host.id, this.voterConfig.voters, this.membership.core.list(), this.bounds))
    }
    if (!this.rankingDirty) return
    this.rankingDirty = false
    // From a flag array: 1,000 Map lookups per re-rank were 5 % of a 1,000-node run.
    const alive = this.membership.aliveAt
    const ids = this.host.allIds
    const self = this.host.index
    const ranking: string[] = []
    for (let i = 0; i < ids.length; i++) if (i === self || alive[i] === 1) ranking.push(ids[i]!)
    this.core.setRanking(ranking)
  }

  private perform (outputs: ElectionOutput[]): void {
    const now = this.host.clock.now()
    // An index loop: this runs for every delivery, and an iterator each time is garbage.
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs[i]!
      switch (out.type) {
        case 'event':
          this.host.emit(ELECTION, out.event as ElectionEvent & { type: string })
          if (out.event.type === 'coordinator:elected' && out.event.coordinatorId === this.core.selfId) this.host.after(0, () => { this.announce() })
          break
        case 'persist': {
          const vote = { term: out.term, votedFor: out.votedFor }
          this.queueFreeAtMs = Math.max(now, this.queueFreeAtMs) + this.fsyncMs
          this.pending++
          this.host.after(this.queueFreeAtMs - now, () => {
            const disk = this.host.disk.get(ELECTION) as ElectionDisk
            disk.vote = vote
            this.pending--
          })
          break
        }
        case 'send': {
          const to = out.to; const m = out.message
          // Not by time: a message due in the same ms as the write may run before it.
          if (this.pending === 0) this.send(to, m)
          else this.host.after(Math.max(0, this.queueFreeAtMs - now), () => { this.send(to, m) })
          break
        }
      }
    }
  }

  private send (to: string, m: ElectionMessage): void {
    const env: ElectionEnvelope = { m }
    const ordinal = votersOrdinal(this.voterConfig)
    if (carriesVoters(m, this.held.get(to), ordinal)) env.config = this.voterConfig
    if (reportsHeld(m)) env.held = { term: this.voterConfig.term, version: this.voterConfig.version }
    if (m.type === 'vote-reply' && m.granted) {
      // For the checker: a granted vote must leave only once it is on disk.
      const disk = (this.host.disk.get(ELECTION) as ElectionDisk).vote
      this.host.emit(ELECTION, { type: 'vote:sent', to, term: m.term, diskTerm: disk.term, diskVotedFor: disk.votedFor })
    }
    this.host.send(to, ELECTION, env, electionMessageBytes(m, env.config === undefined ? null : env.config.voters.length))
  }
}

/** `fsyncMs`: how long the synced LevelDB write of term and vote takes. */
export function electionFactory (timings: SimTimings, fsyncMs = 2): CoreFactory {
  return { name: ELECTION, create: (host, start) => new ElectionAdapter(host, timings, start, fsyncMs) }
}
