/**
 * The election shell (@kos/core's election/election-shell.ts) wired into the node: its term,
 * vote and voter set in the node's LevelDB state store, its ranking from the membership with
 * the config's designated archons, its timers on the event loop. A node with no stored voter
 * set starts as the only voter if it was given no bootstrap peers (it founds the cluster), and
 * as a non-voter otherwise: the coordinator of the cluster it joins adds it.
 */
import type { Clock } from '@kos/detect'
import type { Logger } from 'pino'
import { electionChannels, electionRanking, ElectionShell, type ElectionEvent, type ElectionRefusal, type ElectionStore, type Membership, type Timers, type Transport, type VoterConfig } from '@kos/core'
import type { KosConfig } from '../config/schema.js'
import type { StateStore } from '../store/state-store.js'
import { nodeTimers } from '../net/node-timers.js'

type ElectionKeys = 'cluster' | 'role' | 'zone' | 'bootstrap' | 'authorities' | 'maxMessageBytes' | 'voters' | 'removeAfterMs' |
  'electionHeartbeatIntervalMs' | 'electionTimeoutMinMs' | 'electionTimeoutMaxMs' | 'electionLeaseMs' | 'electionRankStepMs' |
  'electionTickIntervalMs' | 'coordinatorAnnounceIntervalMs'

export interface NodeElectionParts {
  transport: Transport
  config: Pick<KosConfig, ElectionKeys>
  clock: Clock
  log: Logger
  store: StateStore
  membership: Membership
  emit: (event: ElectionEvent) => void
  onRefused: (from: string, reason: ElectionRefusal, term: number) => void
  countRefused?: (reason: ElectionRefusal) => void
}

export interface NodeElection {
  shell: ElectionShell
  /** Stops the shell and waits for the writes it started. */
  stop: () => Promise<void>
}

/** The state store behind the shell's callbacks; `drain` waits for the writes in flight. */
function electionStore (store: StateStore): ElectionStore & { drain: () => Promise<void> } {
  const inFlight = new Set<Promise<void>>()
  const run = (write: Promise<void>, done: (error?: unknown) => void): void => {
    const p: Promise<void> = write.then(() => { done() }, (err: unknown) => { done(err ?? new Error('write failed')) })
      .finally(() => { inFlight.delete(p) })
    inFlight.add(p)
  }
  return {
    setVote: (vote, done) => { run(store.setVote(vote), done) },
    setVoters: (voters, done) => { run(store.setVoters(voters), done) },
    drain: async () => { await Promise.allSettled([...inFlight]) }
  }
}

export async function startElection (p: NodeElectionParts): Promise<NodeElection> {
  const { config, store } = p
  const self = p.transport.selfId
  const vote = await store.getVote()
  const stored = await store.getVoters()
  const voters: VoterConfig = stored ?? (config.bootstrap.length === 0 ? { term: 0, version: 1, voters: [self] } : { term: 0, version: 0, voters: [] })
  if (stored === undefined) await store.setVoters(voters)
  const persisted = electionStore(store)
  const archons = config.authorities.archon
  const selfIsArchon = config.role === 'archon' && archons.includes(self)
  const shell = new ElectionShell({
    transport: p.transport,
    channels: electionChannels(config.cluster, config.maxMessageBytes),
    timers: nodeTimers(p.clock),
    random: Math.random,
    store: persisted,
    members: () => p.membership.list(),
    ranking: () => electionRanking(self, selfIsArchon, p.membership.list(), archons),
    emit: p.emit,
    log: p.log,
    onRefused: p.onRefused,
    ...(p.countRefused === undefined ? {} : { countRefused: p.countRefused })
  }, {
    election: {
      heartbeatIntervalMs: config.electionHeartbeatIntervalMs,
      electionTimeoutMinMs: config.electionTimeoutMinMs,
      electionTimeoutMaxMs: config.electionTimeoutMaxMs,
      leaseMs: config.electionLeaseMs,
      rankStepMs: config.electionRankStepMs,
      announceTimeoutMs: config.coordinatorAnnounceIntervalMs * 3.5
    },
    vote,
    voters,
    bounds: { max: config.voters, selfZone: config.zone },
    removeAfterMs: config.removeAfterMs,
    tickIntervalMs: config.electionTickIntervalMs,
    announceIntervalMs: config.coordinatorAnnounceIntervalMs
  })
  shell.start()
  return {
    shell,
    stop: async () => {
      shell.stop()
      await persisted.drain()
    }
  }
}
