/**
 * The election shell: runs the pure `Election` state machine over the transport seam, the same
 * code in the node (on libp2p and LevelDB) and in the simulator. It persists terms and votes
 * before the messages that depend on them leave (one serial output queue), carries the
 * messages over a channel per peer, feeds the core the ranking and the voter set, and, on the
 * coordinator, changes the voter set one member at a time as members join, leave or stay dead
 * past `removeAfterMs` (single-member changes): a change is made only once a
 * quorum of the current voters holds the current set, and a member is added only once it holds
 * it too (it gets the coordinator's heartbeats as a learner first). The set is bounded by
 * `voters` and spread across zones (voter-change.ts). Pre-votes and votes carry the sender's
 * voter set as well (voter-news.ts), so a set that most of its voters never received is learnt
 * from the candidates once the network lets them through. The coordinator announces its term
 * and the set by gossip, and non-voters follow it from those announcements.
 */
import { carriesVoters, adoptsVotersFrom, reportsHeld, senderHolds } from './voter-news.js'
import { Election } from './election.js'
import type { ElectionChannels } from './election-channels.js'
import { tickIsLate } from './late-tick.js'
import { announcementRefusal, electionRefusal, type ElectionRefusal } from './message-authority.js'
import type { ElectionEvent, ElectionMessage, ElectionOutput, PersistedElectionState } from './election-messages.js'
import type { ElectionOptions } from './options.js'
import { learnersOf, nextVoterChange, type VoterBounds, type VoterMember } from './voter-change.js'
import type { Cancel, ShellLog, Timers, Transport } from '../transport/transport.js'
import { newerVoters, votersOrdinal, type CoordinatorAnnouncement, type ElectionEnvelope, type VoterConfig } from '../wire/election-wire.js'
import { WIRE_VERSION } from '../wire/messages.js'

/** Where term, vote and voter set are kept; `done` once the write is durable (an argument: it failed). */
export interface ElectionStore {
  setVote: (vote: PersistedElectionState, done: (error?: unknown) => void) => void
  setVoters: (voters: VoterConfig, done: (error?: unknown) => void) => void
}

export interface ElectionShellInit {
  /** The core's timing (heartbeat, timeouts, lease, rank step, announce timeout); its id is the transport's. */
  election: Omit<ElectionOptions, 'selfId'>
  /** What the store held at start. */
  vote: PersistedElectionState
  voters: VoterConfig
  /** The bound and spread of the voter set (config keys `voters`, `zone`). */
  bounds: VoterBounds
  /** A voter dead this long is replaced. */
  removeAfterMs: number
  tickIntervalMs: number
  announceIntervalMs: number
}

export interface ElectionShellComponents {
  transport: Transport
  channels: ElectionChannels
  timers: Timers
  random: () => number
  store: ElectionStore
  /** The membership view: who is alive, their zones, since when (learners and voter changes). */
  members: () => readonly VoterMember[]
  /** The ranking, self included: who should coordinate first (read lazily, after `membershipChanged`). */
  ranking: () => string[]
  emit: (event: ElectionEvent) => void
  log: ShellLog
  /** A well-formed message this node does not act on (message-authority.ts): reported at most once a minute per sender. */
  onRefused?: (from: string, reason: ElectionRefusal, term: number) => void
  /** Every refused message, for a counter. */
  countRefused?: (reason: ElectionRefusal) => void
  /** A vote granted leaves now (the simulator checks it is on disk by then). */
  onVoteSent?: (to: string, term: number) => void
  /** The coordinator changed the voter set. */
  onVotersChanged?: (change: { version: number, added: string | null, removed: string | null, voters: number }) => void
}

/** One report a minute per sender of refused election messages: a hostile peer cannot flood the audit log. */
const REFUSAL_REPORT_INTERVAL_MS = 60_000
const MAX_REFUSERS_TRACKED = 1024
/** The longest a shell sleeps between two looks at the election's timers, in ticks (armTick). */
const MAX_TICK_SLEEP_TICKS = 5

type Task = (done: () => void) => void

export class ElectionShell {
  readonly core: Election
  private readonly c: ElectionShellComponents
  private readonly init: ElectionShellInit
  private voterConfig: VoterConfig
  /** Per peer, which voter set it last said it holds (as votersOrdinal): from its acks, replies and requests. */
  private readonly held = new Map<string, number>()
  /** The serial output queue: persists, and the sends queued behind them. */
  private readonly queue: Task[] = []
  private busy = false
  private running = false
  private failed = false
  private rankingDirty = true
  private learnersDirty = true
  private lastReconfigureAtMs = -Infinity
  /** The pending tick's timer and the clock time it is due (Infinity: none armed). */
  private cancelTick: Cancel | null = null
  private tickDueAtMs = Infinity
  private readonly refusalsReported = new Map<string, number>()
  private readonly cancels: Cancel[] = []

  constructor (components: ElectionShellComponents, init: ElectionShellInit) {
    this.c = components
    this.init = init
    this.voterConfig = init.voters
    this.core = new Election({ ...init.election, selfId: components.transport.selfId }, { ...init.vote }, components.timers.clock, components.random)
  }

  get voters (): Readonly<VoterConfig> { return this.voterConfig }

  start (): void {
    const { transport, channels, timers } = this.c
    this.running = true
    this.perform(this.core.setVoters(this.voterConfig.voters, votersOrdinal(this.voterConfig)))
    this.cancels.push(transport.listen(channels.messages, (from, env) => { this.onMessage(from, env) }))
    this.cancels.push(transport.subscribe(channels.announcements, (from, a) => { this.onAnnouncement(from, a) }))
    this.cancels.push(transport.onPeerLost((peer) => { this.onPeerLost(peer) }))
    this.armTick()
    this.cancels.push(timers.every(this.init.announceIntervalMs, () => { this.announce() }))
  }

  stop (): void {
    if (!this.running) return
    this.running = false
    for (const cancel of this.cancels.splice(0)) cancel()
    this.cancelTick?.()
    this.cancelTick = null
  }

  /** The membership changed: re-rank (lazily), and let the coordinator adjust the voter set. */
  membershipChanged (): void {
    if (!this.running) return
    this.rankingDirty = true
    this.learnersDirty = true
    this.reconfigure()
    // A new ranking can bring this node's election deadline forward.
    this.refresh()
    this.armTick()
  }

  /**
   * Sets the tick's timer for the core's next deadline (`nextDeadlineMs`), if that comes before
   * the one armed. Why not a tick every `tickIntervalMs`: a follower has nothing to do until its
   * coordinator goes quiet, and 20 wakeups a second were a fifth of an idle node's timer cost. The
   * deadline is met to the millisecond, finer than the periodic tick's 50 ms, which keeps the
   * ranked survivors' timeouts apart. The sleep is at most `MAX_TICK_SLEEP_TICKS` ticks, a bound
   * on the cost of a deadline brought forward by a path that forgot to re-arm; a deadline
   * already past is looked at again one tick later, not in a loop.
   */
  private armTick (): void {
    if (!this.running) return
    const { clock } = this.c.timers
    const now = clock.now()
    const step = this.init.tickIntervalMs
    const deadline = this.core.nextDeadlineMs()
    const due = Math.min(now + MAX_TICK_SLEEP_TICKS * step, deadline > now ? deadline : now + step)
    if (this.cancelTick !== null && due >= this.tickDueAtMs) return
    this.cancelTick?.()
    this.tickDueAtMs = due
    this.cancelTick = this.c.timers.after(Math.max(0, due - now), () => { this.onTimer() })
  }

  /** A late tick (the event loop was held) runs behind the input that queued up meanwhile (late-tick.ts). */
  private onTimer (): void {
    const now = this.c.timers.clock.now()
    const late = tickIsLate(this.tickDueAtMs, now, this.init.tickIntervalMs)
    this.cancelTick = null
    this.tickDueAtMs = Infinity
    if (late) this.c.timers.soon(() => { this.tick() })
    else this.tick()
  }

  private tick (): void {
    if (!this.running) return
    this.refresh()
    this.perform(this.core.tick())
    // The voter set changes at most one member per heartbeat round: no need to look every tick.
    const now = this.c.timers.clock.now()
    if (now - this.lastReconfigureAtMs >= this.core.options.heartbeatIntervalMs) {
      this.lastReconfigureAtMs = now
      this.reconfigure()
    }
    this.armTick()
  }

  private onPeerLost (peer: string): void {
    this.c.transport.resetChannels(peer)
    if (!this.running) return
    this.refresh()
    this.perform(this.core.peerLost(peer))
  }

  private onMessage (from: string, env: ElectionEnvelope): void {
    if (!this.running) return
    this.refresh()
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
   * A coordinator's announcement (the topic's check made sure it names its signer a voter). A
   * non-voter takes the voter set and the coordinator from one it trusts (message-authority.ts). A
   * voter only takes a newer set, from one of its own voters in a term it accepts, as from a
   * heartbeat; it follows the coordinator by heartbeats, not by announcements.
   */
  private onAnnouncement (from: string, a: CoordinatorAnnouncement): void {
    if (!this.running || from === this.core.selfId) return
    this.refresh()
    const voter = this.voterConfig.voters.includes(this.core.selfId)
    const refusal = announcementRefusal(this.core.selfId, from, a.term, this.voterConfig, this.core.coordinatorId !== null, this.core.term)
    if (refusal !== null) {
      this.refuse(from, refusal, a.term)
      return
    }
    const trusted = !voter || this.voterConfig.voters.includes(from)
    if (trusted && this.core.role === 'follower' && this.core.acceptDecision(a.term) && newerVoters(a.config, this.voterConfig)) this.setVoterConfig(a.config)
    this.perform(this.core.learnCoordinator(from, a.term))
  }

  /** On the coordinator: tell every member who coordinates, in which term, with which voters. */
  private announce (): void {
    if (!this.running || this.core.coordinatorId !== this.core.selfId) return
    const a: CoordinatorAnnouncement = { v: WIRE_VERSION, t: 'coordinator', term: this.core.term, config: this.voterConfig }
    this.c.transport.publish(this.c.channels.announcements, a)
  }

  /** Counted every time; reported (log, and the event the audit log records) once a minute per sender. */
  private refuse (from: string, reason: ElectionRefusal, term: number): void {
    this.c.countRefused?.(reason)
    const now = this.c.timers.clock.now()
    if (now - (this.refusalsReported.get(from) ?? -Infinity) < REFUSAL_REPORT_INTERVAL_MS) return
    if (this.refusalsReported.size >= MAX_REFUSERS_TRACKED) this.refusalsReported.clear()
    this.refusalsReported.set(from, now)
    this.c.log.warn({ from, reason, term }, 'election message refused')
    this.c.onRefused?.(from, reason, term)
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
    this.c.store.setVoters(this.voterConfig, (err) => {
      if (err !== undefined) this.c.log.warn({ err }, 'voter set not persisted')
    })
    this.learnersDirty = true
    this.refresh()
    this.perform(this.core.setVoters(this.voterConfig.voters, votersOrdinal(this.voterConfig)))
  }

  /**
   * The ranking and, on the coordinator, the learners, when the membership changed since: the
   * core reads them only inside a call, so computing them just before the next call is the same
   * as on every change, without a sort per membership event.
   */
  private refresh (): void {
    if (this.learnersDirty && this.core.role === 'coordinator') {
      this.learnersDirty = false
      // Alive members that are not voters get the coordinator's heartbeats, to catch up before they are added.
      this.core.setLearners(learnersOf(this.core.selfId, this.voterConfig.voters, this.c.members(), this.init.bounds))
    }
    if (!this.rankingDirty) return
    this.rankingDirty = false
    this.core.setRanking(this.c.ranking())
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
    const now = this.c.timers.clock.now()
    const change = nextVoterChange(self, voters, this.c.members(), now, this.init.removeAfterMs, this.core.quorum, (v) => this.held.get(v) === current, this.init.bounds)
    if (change === null) return
    this.c.log.info({ version: version + 1, added: change.added ?? undefined, removed: change.removed ?? undefined, voters: change.next.length }, 'voter set changed')
    this.c.onVotersChanged?.({ version: version + 1, added: change.added, removed: change.removed, voters: change.next.length })
    this.setVoterConfig({ term: this.core.term, version: version + 1, voters: change.next })
    this.announce()
  }

  /** Performs outputs in order; a send never overtakes a persist queued before it. */
  private perform (outputs: readonly ElectionOutput[]): void {
    // An index loop: this runs for every delivery, and an iterator each time is garbage.
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs[i]!
      switch (out.type) {
        case 'event':
          this.c.emit(out.event)
          // A new coordinator tells the non-voters at once, not a period later.
          if (out.event.type === 'coordinator:elected' && out.event.coordinatorId === this.core.selfId) this.c.timers.soon(() => { this.announce() })
          break
        case 'persist': {
          const vote = { term: out.term, votedFor: out.votedFor }
          this.enqueue((done) => {
            this.c.store.setVote(vote, (err) => {
              // A vote that cannot be persisted must not be sent: nothing queued after it leaves.
              if (err !== undefined) this.fail(err)
              done()
            })
          })
          break
        }
        case 'send': {
          const to = out.to
          const m = out.message
          // Nothing queued (no persist in flight): send now; else behind what is queued.
          if (!this.busy && this.queue.length === 0 && !this.failed) this.send(to, m)
          else this.enqueue((done) => { this.send(to, m); done() })
          break
        }
      }
    }
    // Whatever the core was told may have moved its next deadline (a lost coordinator's peer, a
    // new voter set, a campaign begun): the tick follows it.
    this.armTick()
  }

  private send (to: string, m: ElectionMessage): void {
    const env: ElectionEnvelope = { v: WIRE_VERSION, t: 'election', m }
    if (carriesVoters(m, this.held.get(to), votersOrdinal(this.voterConfig))) env.config = this.voterConfig
    if (reportsHeld(m)) env.held = { term: this.voterConfig.term, version: this.voterConfig.version }
    if (m.type === 'vote-reply' && m.granted) this.c.onVoteSent?.(to, m.term)
    this.c.transport.send(this.c.channels.messages, to, env)
  }

  private enqueue (task: Task): void {
    this.queue.push(task)
    if (!this.busy) this.next()
  }

  /** Runs the queued tasks one after the other; each calls `done` when it finished. */
  private next (): void {
    const task = this.queue.shift()
    if (task === undefined || this.failed) {
      this.busy = false
      if (this.failed) this.queue.length = 0
      return
    }
    this.busy = true
    task(() => { this.next() })
  }

  private fail (err: unknown): void {
    this.failed = true
    this.stop()
    this.c.log.error({ err }, 'election state could not be persisted; this node stops taking part in elections')
  }
}
