/**
 * The election shell of @kos/core (election/election-shell.ts), the node's own, on a simulated
 * process: its transport is the simulated network (sim-transport.ts), its timers the virtual
 * clock, its store the process's disk, where a write of term and vote lands `fsyncMs` later and
 * is lost, with every send queued behind it, if the process crashes first (the contract of
 * `ElectionOutput`). The composition the node does in election/node-election.ts, done here:
 * - a warm start is a formed cluster whose voter set is full (its first `voters` ids); a node
 *   given no bootstrap founds the set alone; one given bootstrap peers waits to be added;
 * - the ranking is the lowest peer id among alive members (no archons here), read from the
 *   membership adapter's tracked states by index: no member views, no sort.
 */
import { electionChannels, ElectionShell, SILENT_LOG, type CoordinatorAnnouncement, type Election, type ElectionEnvelope, type ElectionEvent, type PersistedElectionState, type VoterConfig } from '@kos/core'
import type { CoreFactory, NodeHost, ProcessStart } from './core-adapter.js'
import { MEMBERSHIP, type MembershipAdapter } from './sim-membership.js'
import { ShellAdapter, SimTransport, simTimers } from './sim-transport.js'
import type { SimTimings } from './timings.js'
import { announcementBytes, electionMessageBytes } from './wire-sizes.js'

export const ELECTION = 'election'

interface ElectionDisk { vote: PersistedElectionState, voters: VoterConfig }

/** The simulator's cluster name: only the topic and channel names carry it. */
const CLUSTER = 'sim'
/** The simulated messages are never encoded; the bound only names the channel's limit. */
const MAX_MESSAGE_BYTES = 65_536

export class ElectionAdapter extends ShellAdapter {
  readonly shell: ElectionShell

  constructor (host: NodeHost, timings: SimTimings, start: ProcessStart, fsyncMs: number) {
    const channels = electionChannels(CLUSTER, MAX_MESSAGE_BYTES)
    const transport = new SimTransport(host, ELECTION, (name, m) => name === channels.announcements.name
      ? announcementBytes((m as CoordinatorAnnouncement).config.voters.length)
      : electionMessageBytes((m as ElectionEnvelope).m, (m as ElectionEnvelope).config?.voters.length ?? null))
    let disk = host.disk.get(ELECTION) as ElectionDisk | undefined
    if (disk === undefined) {
      const voters: VoterConfig = start.warm
        ? { term: 0, version: 1, voters: host.allIds.slice(0, timings.voters) }
        : start.bootstrap.some((id) => id !== host.id) ? { term: 0, version: 0, voters: [] } : { term: 0, version: 1, voters: [host.id] }
      disk = { vote: { term: 0, votedFor: null }, voters }
      host.disk.set(ELECTION, disk)
    }
    const onDisk = disk
    let membership: MembershipAdapter | undefined
    const shell: ElectionShell = new ElectionShell({
      transport,
      channels,
      timers: simTimers(host),
      random: host.random,
      store: {
        setVote: (vote, done) => { host.after(fsyncMs, () => { onDisk.vote = vote; done() }) },
        setVoters: (voters, done) => { onDisk.voters = voters; done() }
      },
      members: () => membership!.core.list(),
      ranking: () => {
        // From a flag array: 1,000 Map lookups per re-rank were 5 % of a 1,000-node run.
        const alive = membership!.aliveAt
        const ids = host.allIds
        const ranking: string[] = []
        for (let i = 0; i < ids.length; i++) if (i === host.index || alive[i] === 1) ranking.push(ids[i]!)
        return ranking
      },
      emit: (e) => { host.emit(ELECTION, e as ElectionEvent & { type: string }) },
      log: SILENT_LOG,
      // For the checker: a granted vote must leave only once it is on disk.
      onVoteSent: (to, term) => { host.emit(ELECTION, { type: 'vote:sent', to, term, diskTerm: onDisk.vote.term, diskVotedFor: onDisk.vote.votedFor }) },
      onVotersChanged: (c) => { host.emit(ELECTION, { type: 'voters:changed', ...c }) }
    }, {
      election: {
        heartbeatIntervalMs: timings.electionHeartbeatIntervalMs,
        electionTimeoutMinMs: timings.electionTimeoutMinMs,
        electionTimeoutMaxMs: timings.electionTimeoutMaxMs,
        leaseMs: timings.electionLeaseMs,
        rankStepMs: timings.electionRankStepMs,
        announceTimeoutMs: timings.coordinatorAnnounceIntervalMs * 3.5
      },
      vote: { ...disk.vote },
      voters: disk.voters,
      bounds: { max: timings.voters, selfZone: '' },
      removeAfterMs: timings.removeAfterMs,
      tickIntervalMs: timings.electionTickIntervalMs,
      announceIntervalMs: timings.coordinatorAnnounceIntervalMs
    })
    super(ELECTION, transport, () => {
      membership = host.core<MembershipAdapter>(MEMBERSHIP)
      membership.onChange = () => { shell.membershipChanged() }
      shell.start()
    })
    this.shell = shell
  }

  get core (): Election { return this.shell.core }
  get voters (): Readonly<VoterConfig> { return this.shell.voters }

  /** Voters keep connections to each other (heartbeats, votes); a non-voter needs none for the election. */
  holdsConnection (peer: string): boolean {
    const v = this.shell.voters.voters
    return v.includes(this.core.selfId) && v.includes(peer)
  }
}

/** `fsyncMs`: how long the synced LevelDB write of term and vote takes. */
export function electionFactory (timings: SimTimings, fsyncMs = 2): CoreFactory {
  return { name: ELECTION, create: (host, start) => new ElectionAdapter(host, timings, start, fsyncMs) }
}
