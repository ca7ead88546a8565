/**
 * The node's state as the API shows it: `/v1/node`, `/v1/coordinator`, `/v1/peers` and
 * `/v1/peers/:peerId`. It turns the services' internal objects into the response types of
 * ./types.ts, so the composition root (node.ts) only wires, and the responses have one place
 * that says what an operator sees. Each part is read when asked, since it exists only once the
 * node has started it; asking before that throws NotStartedError.
 */
import type { Clock } from '@kos/detect'
import type { KosConfig } from '../config/schema.js'
import type { ElectionShell } from '@kos/core'
import { NotStartedError } from '../base/errors.js'
import type { EscalationService } from '../escalation/escalation-service.js'
import { authorityOf } from '@kos/core'
import type { MemberView } from '@kos/core'
import type { NodeMembership } from '../membership/node-membership.js'
import type { PeerBreakers } from '../net/peer-breakers.js'
import { VERSION } from '../base/version.js'
import type { CoordinatorInfo, NodeInfo, PeerInfo, PeersResponse, ServiceMode } from '@kos/client'

/** What the views read, each part absent until the node has started it. */
export interface NodeViewsComponents {
  config: KosConfig
  clock: Clock
  breakers: Pick<PeerBreakers, 'state'>
  /** This node's peer id; throws NotStartedError before libp2p has started. */
  peerId: () => string
  /** The multiaddrs this node listens on (none before libp2p has started). */
  addrs: () => string[]
  /** Wall-clock time the node started at. */
  startedAt: () => Date
  /** The node's service mode (health/node-health.ts). */
  mode: () => ServiceMode
  membership: () => NodeMembership | undefined
  election: () => ElectionShell | undefined
  escalation: () => Pick<EscalationService, 'authorities'> | undefined
  /** Whether a node is being drained (the cluster's desired state, services/service-book.ts). */
  draining: (peerId: string) => boolean
}

export class NodeViews {
  private readonly c: NodeViewsComponents

  constructor (components: NodeViewsComponents) {
    this.c = components
  }

  info (): NodeInfo {
    const election = this.c.election()
    return {
      peerId: this.c.peerId(),
      name: this.c.config.name,
      role: this.c.config.role,
      zone: this.c.config.zone === '' ? null : this.c.config.zone,
      addrs: this.c.addrs(),
      version: VERSION,
      startedAt: this.c.startedAt().toISOString(),
      incarnation: this.requireMembership().core.selfIncarnation,
      mode: this.c.mode(),
      cluster: this.c.config.cluster,
      coordinator: election?.core.coordinatorId ?? null,
      term: election?.core.term ?? 0
    }
  }

  coordinator (): CoordinatorInfo {
    const election = this.requireElection()
    const core = election.core
    const id = core.coordinatorId
    const sinceMs = core.since
    const name = id === null ? null : id === this.c.peerId() ? this.c.config.name : this.c.membership()?.core.member(id)?.name ?? null
    return {
      peerId: id,
      name,
      term: core.term,
      since: sinceMs === null ? null : new Date(Date.now() - (this.c.clock.now() - sinceMs)).toISOString(),
      leaseRemainingMs: Math.max(0, Math.round(core.leaseRemainingMs())),
      voters: [...election.voters.voters],
      votersVersion: election.voters.version,
      quorum: core.quorum
    }
  }

  peers (): PeersResponse {
    const ms = this.requireMembership()
    return { self: this.c.peerId(), peers: ms.core.list().map((m) => this.peerInfo(m, ms)) }
  }

  peer (peerId: string): PeerInfo | undefined {
    const ms = this.requireMembership()
    const m = ms.core.member(peerId)
    return m === undefined ? undefined : this.peerInfo(m, ms)
  }

  private peerInfo (m: MemberView, ms: NodeMembership): PeerInfo {
    return {
      peerId: m.peerId,
      name: m.name,
      role: m.role,
      zone: m.health?.zone ?? null,
      state: m.state,
      phi: m.phi === null ? null : Math.round(m.phi * 100) / 100,
      lastHeartbeatAgeMs: m.lastHeartbeatAgeMs === null ? null : Math.round(m.lastHeartbeatAgeMs),
      incarnation: m.incarnation,
      addrs: m.addrs,
      connected: ms.isConnected(m.peerId),
      health: m.health,
      authority: authorityOf(m.peerId, m.role, this.c.escalation()?.authorities ?? this.c.config.authorities),
      breakers: this.c.breakers.state(m.peerId),
      draining: this.c.draining(m.peerId)
    }
  }

  private requireElection (): ElectionShell {
    const election = this.c.election()
    if (election === undefined) throw new NotStartedError('the node has not started')
    return election
  }

  private requireMembership (): NodeMembership {
    const membership = this.c.membership()
    if (membership === undefined) throw new NotStartedError('the node has not started')
    return membership
  }
}
