/**
 * The metrics of one node (prom-client, served as text at /metrics), on a registry of its own (two
 * nodes in one process, as in tests, never share counters). Counters are fed from the node's single
 * event path; gauges are collected from the member table when scraped.
 */
import { Counter, Gauge, Registry } from 'prom-client'
import type { KosEvent } from '../events/kos-event.js'
import type { MemberView } from '@kos/core'
import type { RejectReason, TopicKind } from '../membership/gossip-metrics.js'

export interface MetricsSources {
  members: () => MemberView[]
  uptimeSeconds: () => number
  /** The election's view, once it runs. */
  election: () => { term: number, isCoordinator: boolean, hasCoordinator: boolean } | undefined
  /** The breakers per peer that exist, by protocol and state (net/peer-breakers.ts). */
  peerBreakers: () => Record<string, Record<string, number>>
  /** The audit replica's backlog (audit-service.ts); none before the log opens. */
  auditBacklog?: () => { entries: number, gaps: number }
  /** Open libp2p connections, and the distinct peers they reach; none before libp2p starts. */
  connections?: () => { connections: number, peers: number, trimmed: number }
}

export class NodeMetrics {
  readonly registry = new Registry()
  private readonly heartbeatsSent: Counter
  private readonly heartbeatsReceived: Counter
  private readonly newMembersRefusedTotal: Counter
  private readonly claimsRefusedTotal: Counter
  private readonly electionRefusedTotal: Counter<'reason'>
  private readonly suspicions: Counter
  private readonly deaths: Counter
  private readonly gossipRejected: Counter<'topic' | 'reason'>
  private readonly stalls: Counter
  private readonly coordinatorsElected: Counter
  private readonly auditRejectedTotal: Counter<'reason'>
  private readonly peerBreakersOpened: Counter<'protocol'>
  private readonly channelDroppedTotal: Counter<'channel' | 'reason'>

  constructor (sources: MetricsSources) {
    const registers = [this.registry]
    this.heartbeatsSent = new Counter({ name: 'kos_heartbeats_sent_total', help: 'Heartbeats this node published', registers })
    this.heartbeatsReceived = new Counter({ name: 'kos_heartbeats_received_total', help: 'Valid heartbeats received from peers', registers })
    this.electionRefusedTotal = new Counter({ name: 'kos_election_refused_total', help: 'Election messages not acted on, by reason: not-voter (a non-voter campaigning, voting or leading), term-bound (an absurd term)', labelNames: ['reason'], registers })
    this.claimsRefusedTotal = new Counter({ name: 'kos_membership_claims_refused_total', help: 'Membership claims that would raise another member\'s incarnation or addresses without coming from it, not acted on (relayed fresher news, or a forgery)', registers })
    this.newMembersRefusedTotal = new Counter({ name: 'kos_sync_new_members_refused_total', help: 'Members named in syncs past what one peer may introduce (syncMaxNewMembers, syncMaxNewMembersPerMinute), dropped', registers })
    this.suspicions = new Counter({ name: 'kos_member_suspicions_total', help: 'Times a member became suspect in this node\'s view', registers })
    this.deaths = new Counter({ name: 'kos_member_deaths_total', help: 'Times a member became dead in this node\'s view', registers })
    this.stalls = new Counter({ name: 'kos_local_stalls_total', help: 'Own event-loop stalls that made this node hold back suspicions', registers })
    this.gossipRejected = new Counter({
      name: 'kos_gossip_rejected_total',
      help: 'Gossip messages refused, by topic and reason: oversized, malformed, schema, unsigned (no valid signature), forged (signer may not say that)',
      labelNames: ['topic', 'reason'],
      registers
    })
    this.auditRejectedTotal = new Counter({
      name: 'kos_audit_rejected_total',
      help: 'Audit entries from peers refused, by reason: unsigned, oversized, malformed, schema (gossip validator); hash, signature, chain, seq, origin, fork (verification)',
      labelNames: ['reason'],
      registers
    })
    new Gauge({
      name: 'kos_members',
      help: 'Members known to this node by state (self not included)',
      labelNames: ['state'],
      registers,
      collect () {
        const counts: Record<string, number> = { alive: 0, suspect: 0, dead: 0, left: 0 }
        for (const m of sources.members()) counts[m.state] = (counts[m.state] ?? 0) + 1
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n)
      }
    })
    new Gauge({
      name: 'kos_member_phi',
      help: 'Current phi of the failure detector per live peer',
      labelNames: ['peer', 'name'],
      registers,
      collect () {
        this.reset()
        for (const m of sources.members()) if (m.phi !== null) this.set({ peer: m.peerId, name: m.name }, m.phi)
      }
    })
    this.coordinatorsElected = new Counter({ name: 'kos_coordinator_elections_total', help: 'Coordinators this node learnt of (elected itself, or heard first in a term)', registers })
    new Gauge({
      name: 'kos_election_term',
      help: 'The newest election term this node has seen',
      registers,
      collect () { this.set(sources.election()?.term ?? 0) }
    })
    new Gauge({
      name: 'kos_coordinator',
      help: '1 if this node is the coordinator, else 0',
      registers,
      collect () { this.set(sources.election()?.isCoordinator === true ? 1 : 0) }
    })
    new Gauge({
      name: 'kos_coordinator_known',
      help: '1 if this node knows a coordinator with a valid lease, else 0 (0 on a minority side)',
      registers,
      collect () { this.set(sources.election()?.hasCoordinator === true ? 1 : 0) }
    })
    this.peerBreakersOpened = new Counter({
      name: 'kos_peer_breaker_opened_total',
      help: 'Times a breaker towards one peer opened (from closed), by protocol: probe, sync, election, audit, escalation',
      labelNames: ['protocol'],
      registers
    })
    this.channelDroppedTotal = new Counter({
      name: 'kos_channel_dropped_total',
      help: 'Messages a peer channel lost, by channel (election, audit) and reason: queue-full, stream-failed, breaker-open; received-queue-full: arrived, but dropped because the audit replica had too many waiting',
      labelNames: ['channel', 'reason'],
      registers
    })
    new Gauge({
      name: 'kos_peer_breakers',
      help: 'Breakers towards peers by protocol and state (closed, open, half-open); a peer nothing was sent to has none',
      labelNames: ['protocol', 'state'],
      registers,
      collect () {
        for (const [protocol, states] of Object.entries(sources.peerBreakers())) {
          for (const [state, n] of Object.entries(states)) this.set({ protocol, state }, n)
        }
      }
    })
    new Gauge({
      name: 'kos_audit_pending',
      help: 'Audit entries received from peers and waiting to be stored (what: entries), and origins whose waiting entries are held back by a gap (what: gaps)',
      labelNames: ['what'],
      registers,
      collect () {
        const b = sources.auditBacklog?.() ?? { entries: 0, gaps: 0 }
        this.set({ what: 'entries' }, b.entries)
        this.set({ what: 'gaps' }, b.gaps)
      }
    })
    new Gauge({
      name: 'kos_connections',
      help: 'Open libp2p connections (two to one peer when both dialled at once); a node keeps those to its ring neighbours, the voters while it votes, and its gossip mesh, and closes the others once idle',
      registers,
      collect () { this.set(sources.connections?.().connections ?? 0) }
    })
    let trimmedSeen = 0
    new Counter({
      name: 'kos_connections_trimmed_total',
      help: 'Idle connections this node closed because they lead outside the peers it keeps; one that climbs as fast as the load is connections opened and closed again for every exchange',
      registers,
      collect () {
        const trimmed = sources.connections?.().trimmed ?? 0
        if (trimmed > trimmedSeen) { this.inc(trimmed - trimmedSeen); trimmedSeen = trimmed }
      }
    })
    new Gauge({
      name: 'kos_connected_peers',
      help: 'Peers this node holds at least one libp2p connection to',
      registers,
      collect () { this.set(sources.connections?.().peers ?? 0) }
    })
    new Gauge({
      name: 'kos_node_uptime_seconds',
      help: 'Seconds since this node started',
      registers,
      collect () { this.set(sources.uptimeSeconds()) }
    })
  }

  heartbeatSent (): void { this.heartbeatsSent.inc() }
  heartbeatReceived (): void { this.heartbeatsReceived.inc() }
  newMembersRefused (n: number): void { this.newMembersRefusedTotal.inc(n) }
  claimsRefused (n: number): void { this.claimsRefusedTotal.inc(n) }
  electionRefused (reason: string): void { this.electionRefusedTotal.inc({ reason }) }
  rejected (topic: TopicKind, reason: RejectReason): void { this.gossipRejected.inc({ topic, reason }) }
  auditRejected (reason: string): void { this.auditRejectedTotal.inc({ reason }) }
  peerBreakerOpened (protocol: string): void { this.peerBreakersOpened.inc({ protocol }) }
  channelDropped (channel: string, reason: string, n: number): void { this.channelDroppedTotal.inc({ channel, reason }, n) }

  /** The metrics' consumer of the node's event path. */
  onEvent (event: KosEvent): void {
    if (event.type === 'member:suspect') this.suspicions.inc()
    else if (event.type === 'member:dead') this.deaths.inc()
    else if (event.type === 'node:stalled') this.stalls.inc()
    else if (event.type === 'coordinator:elected') this.coordinatorsElected.inc()
  }
}
