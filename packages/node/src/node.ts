/**
 * The composition root: the only place that wires the parts of a node together. Services start
 * in order (storage, libp2p, membership, election, API) and stop in reverse; `stop()` is idempotent and
 * `leave()` is the graceful way out, bounded by `leaveTimeoutMs`.
 */
import type { Clock } from '@kos/detect'
import type { Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import type { CoordinatorInfo, HealthResponse, JoinResponse, NodeInfo, PeerInfo, PeersResponse } from '@kos/client'
import { readApiTls, type ApiTls } from './api/api-tls.js'
import { buildApi, listenApi } from './api/server.js'
import type { ServicesApi } from './api/service-routes.js'
import { NodeMetrics } from './api/metrics.js'
import { NodeViews } from './api/node-views.js'
import { EventFeed } from './api/event-feed.js'
import { PeersSampler } from './api/peers-sample.js'
import type { KosConfig } from './config/schema.js'
import { AuditService, auditTopic } from './audit/audit-service.js'
import { startElection, type NodeElection } from './election/node-election.js'
import { nodeTimers } from './net/node-timers.js'
import { Libp2pTransport } from './net/libp2p-transport.js'
import { electionTakesMs, membershipTopics, type ElectionShell } from '@kos/core'
import { EscalationService } from './escalation/escalation-service.js'
import { QuorumLoss } from './reactions/quorum-loss.js'
import { recordInAudit } from './reactions/record-in-audit.js'
import { detectClusterFailures } from './reactions/detect-cluster-failures.js'
import { factRecorder } from './reactions/recorded-once.js'
import { replaceServices } from './reactions/replace-services.js'
import { followMembership } from './reactions/follow-membership.js'
import { rememberCoordinators } from './reactions/remember-coordinators.js'
import { logEvent } from './events/event-log.js'
import { createLogger } from './logger.js'
import { ConfigError, NotStartedError } from './base/errors.js'
import { EventBus, type KosEventListener } from './events/event-bus.js'
import { NodeHealth } from './health/node-health.js'
import { HealingService, loadConfiguredPolicy } from './healing/healing-service.js'
import { registerLoadShedding } from './api/load-shedding.js'
import { HealingMetrics } from './api/healing-metrics.js'
import { ClusterKeyMetrics } from './net/cluster-key-metrics.js'
import { ClusterAdmission } from './net/cluster-admission.js'
import { createHost, type KosLibp2p } from './net/host.js'
import { ConnectionTrimmer } from './net/connection-trim.js'
import { keptPeers } from './net/kept-peers.js'
import { loadOrCreateIdentity, prepareDataDir } from './net/identity.js'
import { PeerBreakers, peerBreakerTunables } from './net/peer-breakers.js'
import { checkListenAddrs } from './net/listen-check.js'
import { ProtocolVersionGuard } from './net/protocol-guard.js'
import { readOrCreateApiToken } from './net/api-token.js'
import { countGossipsubRejection, topicLabels } from './membership/gossip-metrics.js'
import { NodeMembership } from './membership/node-membership.js'
import { StateStore } from './store/state-store.js'
import { PlacementService } from './services/placement-service.js'
import { ServiceMetrics } from './api/service-metrics.js'

export interface NodeOptions {
  /** Defaults to a pino logger on stderr at config.logLevel. */
  logger?: Logger
  /** Defaults to the process's monotonic clock. */
  clock?: Clock
}

export const monotonicClock: Clock = { now: () => performance.now() }

type Phase = 'created' | 'starting' | 'running' | 'leaving' | 'stopped'

export class KosNode {
  readonly config: KosConfig
  readonly log: Logger
  private readonly clock: Clock
  private readonly bus: EventBus
  private readonly metrics: NodeMetrics
  /** The /v1/health checks, the service mode and the heartbeat's health summary. */
  private readonly nodeHealth: NodeHealth
  /** What /v1/node, /v1/coordinator and /v1/peers show. */
  private readonly views: NodeViews
  /** What GET /v1/events streams: the event path, audit entries, samples of the members. */
  private readonly events: EventFeed
  /** Circuit breakers per peer and protocol, shared by every service that calls peers. */
  private readonly breakers: PeerBreakers
  private readonly clusterKeyMetrics: ClusterKeyMetrics
  /** Admission by cluster key; undefined when no key file is configured. */
  private admission: ClusterAdmission | undefined
  private libp2p: KosLibp2p | undefined
  private membership: NodeMembership | undefined
  private election: ElectionShell | undefined
  private electionRun: NodeElection | undefined
  private transport: Libp2pTransport | undefined
  private audit: AuditService | undefined
  private protocolGuard: ProtocolVersionGuard | undefined
  private trimmer: ConnectionTrimmer | undefined
  private escalation: EscalationService | undefined
  private healing: HealingService | undefined
  private services: PlacementService | undefined
  private readonly serviceMetrics: ServiceMetrics
  private apiToken = ''
  private store: StateStore | undefined
  private api: FastifyInstance | undefined
  private phase: Phase = 'created'
  private startedAtMs = 0
  private startedAt = new Date(0)
  private apiAddress = ''
  private apiTls: ApiTls | undefined
  private stopping: Promise<void> | undefined
  private readonly stoppedListeners = new Set<() => void>()

  constructor (config: KosConfig, options: NodeOptions = {}) {
    this.config = config
    this.clock = options.clock ?? monotonicClock
    this.log = options.logger ?? createLogger(config)
    this.bus = new EventBus((err, event) => { this.log.error({ err, event: event.type }, 'event listener failed') })
    this.nodeHealth = new NodeHealth({
      config,
      clock: this.clock,
      phase: () => this.phase,
      startedAtMs: () => this.startedAtMs,
      electionTakesMs: () => this.electionTakesMs(),
      membership: () => this.membership,
      election: () => this.election?.core,
      audit: () => this.audit,
      store: () => this.store,
      healing: () => this.healing,
      services: () => this.services?.reports() ?? []
    })
    this.metrics = new NodeMetrics({
      members: () => this.membership?.core.list() ?? [],
      uptimeSeconds: () => this.phase === 'created' ? 0 : (this.clock.now() - this.startedAtMs) / 1000,
      election: () => {
        const core = this.election?.core
        if (core === undefined) return undefined
        const id = core.coordinatorId
        return { term: core.term, isCoordinator: id === core.selfId, hasCoordinator: id !== null }
      },
      peerBreakers: () => this.breakers.counts(),
      auditBacklog: () => this.audit?.backlog() ?? { entries: 0, gaps: 0 },
      connections: () => {
        const conns = this.libp2p?.getConnections() ?? []
        return { connections: conns.length, peers: new Set(conns.map((c) => c.remotePeer.toString())).size, trimmed: this.trimmer?.closed ?? 0 }
      }
    })
    this.breakers = new PeerBreakers({
      tunables: peerBreakerTunables(config),
      onOpened: (protocol) => { this.metrics.peerBreakerOpened(protocol) }
    })
    this.views = new NodeViews({
      config,
      clock: this.clock,
      breakers: this.breakers,
      peerId: () => this.peerId,
      addrs: () => this.addrs(),
      startedAt: () => this.startedAt,
      mode: () => this.nodeHealth.mode(),
      membership: () => this.membership,
      election: () => this.election,
      escalation: () => this.escalation,
      draining: (id) => this.services?.isDraining(id) ?? false
    })
    // A member that joined, came back alive or was reaped starts with no breakers (peer-breakers.ts).
    this.bus.subscribe((e) => { this.breakers.onMemberEvent(e) })
    this.bus.subscribe((e) => { this.metrics.onEvent(e) })
    const healingMetrics = new HealingMetrics(this.metrics.registry, () => {
      const counts: Record<string, number> = {}
      for (const a of this.healing?.supervisor.list() ?? []) counts[a.agent.state] = (counts[a.agent.state] ?? 0) + 1
      return counts
    })
    this.bus.subscribe((e) => { healingMetrics.onEvent(e) })
    this.serviceMetrics = new ServiceMetrics(this.metrics.registry, () => this.services?.localCounts() ?? [])
    this.clusterKeyMetrics = new ClusterKeyMetrics(this.metrics.registry)
    this.bus.subscribe((e) => { logEvent(this.log, e) })
    const sampler = new PeersSampler({ node: () => this.info(), peers: () => this.peers().peers, health: () => this.health() })
    this.events = new EventFeed({
      sampleIntervalMs: config.heartbeatIntervalMs,
      sample: () => this.phase === 'running' ? sampler.sample() : undefined,
      peer: (id) => this.peer(id)
    })
    this.bus.subscribe((e) => { this.events.publishEvent(e) })
  }

  /** The single event path; listeners must not block. Returns an unsubscribe function. */
  onEvent (listener: KosEventListener): () => void { return this.bus.subscribe(listener) }

  /** Called once the node has stopped, whatever stopped it (leave, API, signal). */
  onStopped (listener: () => void): void { this.stoppedListeners.add(listener) }

  get peerId (): string { return this.requireLibp2p().peerId.toString() }
  get apiUrl (): string { return `${this.apiTls === undefined ? 'http' : 'https'}://${this.apiAddress}` }

  async start (): Promise<void> {
    if (this.phase !== 'created') throw new Error('a node starts once')
    this.phase = 'starting'
    this.startedAtMs = this.clock.now()
    this.startedAt = new Date()
    try {
      const policy = await loadConfiguredPolicy(this.config)
      this.admission = await ClusterAdmission.open(this.config, this.log, this.clusterKeyMetrics)
      for (const fixed of await prepareDataDir(this.config.dataDir)) this.log.warn(fixed)
      const key = await loadOrCreateIdentity(this.config.dataDir)
      this.apiToken = await readOrCreateApiToken(this.config.dataDir)
      this.store = await StateStore.open(this.config.dataDir)
      // A restarted node starts above any incarnation it may have announced before.
      const incarnation = (await this.store.getIncarnation()) + 1
      await this.store.setIncarnation(incarnation)
      await checkListenAddrs(this.config.listen, '--listen')
      const labels: Map<string, string> = topicLabels(membershipTopics(this.config.cluster))
      labels.set(auditTopic(this.config.cluster), 'audit')
      labels.set(`kos/${this.config.cluster}/placement/1`, 'placement')
      this.libp2p = await createHost(this.config, key, (topic, error) => {
        if (topic === 'audit') {
          if (error !== 'reject' && error !== 'ignore') this.metrics.auditRejected(error === 'invalid_signature' || error === 'invalid_seqno' || error === 'invalid_peerid' ? 'unsigned' : 'malformed')
        } else countGossipsubRejection(this.metrics, topic, error)
      }, labels, this.admission?.protector)
      // Before any connection: a peer of another protocol version is refused from its first one.
      this.protocolGuard = new ProtocolVersionGuard(this.libp2p, this.config.cluster, this.log)
      this.protocolGuard.start()
      try {
        await this.libp2p.start()
      } catch (err) {
        throw new ConfigError('--listen', `cannot listen on ${this.config.listen.join(', ')}: ${(err as Error).message}`, { cause: err })
      }
      this.audit = new AuditService({
        libp2p: this.libp2p,
        config: this.config,
        log: this.log,
        alive: () => this.membership?.core.alivePeerIds() ?? [],
        voters: () => this.election?.core.voters ?? [],
        privateKey: key,
        emit: (e) => { this.bus.emit(e) },
        counters: this.metrics,
        breakers: this.breakers
      })
      this.audit.subscribe((entry) => { this.events.publishAuditEntry(entry) }, () => {})
      // Installed before membership starts: the log holds events until it is open.
      const audit = this.audit
      // Who writes a member fact (and files its detection): one node for the cluster.
      const recordsHere = factRecorder({
        selfId: this.peerId,
        election: () => this.election?.core,
        members: () => this.membership?.core.list() ?? []
      })
      this.onEvent(recordInAudit({
        selfId: this.peerId,
        audit,
        recordsHere,
        escalation: () => this.phase === 'running' ? this.escalation : undefined,
        election: () => this.election?.core,
        members: () => this.membership?.core.list() ?? [],
        repeats: { windowMs: this.config.auditRepeatWindowMs, burst: this.config.auditRepeatBurst },
        timers: nodeTimers(this.clock)
      }))
      // Before the election starts, so that no coordinator this node follows goes unremembered.
      this.onEvent(rememberCoordinators(() => this.store))
      const topics = membershipTopics(this.config.cluster)
      this.transport = new Libp2pTransport({
        libp2p: this.libp2p,
        breakers: this.breakers,
        log: this.log,
        dialTimeoutMs: this.config.dialTimeoutMs,
        channelIdleCloseMs: this.config.connectionIdleCloseMs,
        onInvalid: (name, reason) => {
          if (name === topics.heartbeat) this.metrics.rejected('heartbeat', reason)
          else if (name === topics.membership) this.metrics.rejected('membership', reason)
          else this.log.debug({ name, reason }, 'invalid message')
        },
        onChannelDrop: (channel, reason, n) => { this.metrics.channelDropped(channel, reason, n) }
      })
      const timers = nodeTimers(this.clock)
      this.membership = new NodeMembership({
        libp2p: this.libp2p,
        transport: this.transport,
        timers,
        config: this.config,
        clock: this.clock,
        log: this.log,
        counters: this.metrics,
        emit: (e) => { this.bus.emit(e) },
        healthSummary: (inc) => this.nodeHealth.summary(inc),
        initialIncarnation: incarnation
      })
      this.membership.start()
      await this.transport.settled()
      this.electionRun = await startElection({
        transport: this.transport,
        config: this.config,
        clock: this.clock,
        log: this.log,
        store: this.store,
        membership: this.membership.core,
        emit: (e) => { this.bus.emit(e) },
        onRefused: (from, reason, term) => { this.bus.emit({ type: 'coordinator:refused', from, reason, term }) },
        countRefused: (reason) => { this.metrics.electionRefused(reason) }
      })
      this.election = this.electionRun.shell
      await this.transport.settled()
      this.trimmer = this.startTrimmer(this.libp2p, this.membership)
      this.nodeHealth.electionStarted()
      await audit.start()
      this.escalation = new EscalationService({
        libp2p: this.libp2p,
        config: this.config,
        log: this.log,
        members: () => this.membership?.core.list() ?? [],
        emit: (e) => { this.bus.emit(e) },
        breakers: this.breakers
      })
      await this.escalation.start()
      const esc = this.escalation
      // Periods without quorum are reported by the nodes that lived through them; the
      // coordinator escalates each once (reactions/quorum-loss.ts).
      const quorumLoss = new QuorumLoss({
        clock: this.clock,
        log: this.log,
        emit: (e) => { this.bus.emit(e) },
        election: () => this.election?.core,
        electionTakesMs: () => this.electionTakesMs(),
        audit,
        escalation: esc
      })
      quorumLoss.start()
      this.onEvent(async (e) => { await quorumLoss.onEvent(e) })
      this.onEvent(detectClusterFailures(() => this.healing?.supervisor, recordsHere))
      this.onEvent(followMembership({ store: () => this.store, election: () => this.election }))
      this.onEvent(replaceServices(() => this.services))
      this.healing = new HealingService({
        config: this.config,
        clock: this.clock,
        log: this.log,
        store: this.store,
        policy,
        apiUrl: () => this.apiUrl,
        selfId: () => this.peerId,
        junzi: () => esc.authorities.junzi,
        emit: (e) => { this.bus.emit(e) },
        ownStall: () => this.membership?.core.isHoldingBack ?? false,
        escalate: async (input) => await esc.create(input),
        audit
      })
      this.healing.startResources()
      const healing = this.healing
      this.services = new PlacementService({
        libp2p: this.libp2p,
        clock: this.clock,
        log: this.log,
        self: () => ({ id: this.peerId, name: this.config.name, role: this.config.role, mode: this.nodeHealth.mode(), zone: this.config.zone === '' ? null : this.config.zone }),
        election: () => this.election?.core,
        members: () => this.membership?.core.list() ?? [],
        askReport: (peer, done) => { if (this.membership === undefined) done(false); else this.membership.shell.askSummary(peer, done) },
        supervisor: healing.supervisor,
        audit,
        emit: (e) => { this.bus.emit(e) },
        escalate: async (input) => await esc.create(input),
        observeReplacement: (service, seconds) => { this.serviceMetrics.observeReplacement(service, seconds) },
        countRefused: (reason) => { this.serviceMetrics.countRefused(reason) },
        followed: async () => await this.store?.getFollowed() ?? []
      }, {
        cluster: this.config.cluster,
        dataDir: this.config.dataDir,
        heartbeatIntervalMs: this.config.heartbeatIntervalMs,
        maxMessageBytes: this.config.maxMessageBytes,
        requestTimeoutMs: this.config.auditQuorumTimeoutMs + this.config.dialTimeoutMs,
        portRange: this.config.servicePortRange,
        underReplicatedEscalateMs: this.config.serviceUnderReplicatedEscalateMs
      })
      this.apiTls = await readApiTls(this.config)
      this.api = this.buildApi()
      // Membership, the audit log and escalation are never shed (their routes are marked essential).
      registerLoadShedding(this.api, { shedding: () => healing.shedding(), retryAfterSeconds: Math.max(1, Math.ceil(this.config.resources.sampleIntervalMs * 5 / 1000)) })
      this.apiAddress = await listenApi(this.api, this.config.api)
      // Agents start once the API listens: they are told its URL, and report to it.
      await this.healing.start()
      // Instances run under the supervisor, so after it; the table comes from the coordinator.
      await this.services.start()
      this.phase = 'running'
      this.log.info({ peerId: this.peerId, addrs: this.addrs(), api: this.apiUrl }, 'node started')
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** Graceful leave: peers see `left`, not dead. Bounded by leaveTimeoutMs, then stops. */
  async leave (): Promise<void> {
    if (this.phase === 'running') {
      this.phase = 'leaving'
      this.log.info('leaving the cluster')
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.config.leaveTimeoutMs).unref())
      this.membership?.leave()
      await Promise.race([this.transport?.flushed(), timeout])
    }
    await this.stop()
  }

  /** Stops everything in reverse order of start. Idempotent. */
  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      this.phase = 'stopped'
      await this.services?.stop().catch((err: unknown) => { this.log.warn({ err }, 'services stop failed') })
      await this.healing?.stop().catch((err: unknown) => { this.log.warn({ err }, 'agent supervisor stop failed') })
      this.audit?.closeStreams()
      await this.api?.close().catch((err: unknown) => { this.log.warn({ err }, 'API close failed') })
      await this.escalation?.stop().catch((err: unknown) => { this.log.warn({ err }, 'escalation stop failed') })
      await this.audit?.stop().catch((err: unknown) => { this.log.warn({ err }, 'audit stop failed') })
      this.trimmer?.stop()
      await this.electionRun?.stop()
      this.membership?.stop()
      await this.transport?.stop()
      this.protocolGuard?.stop()
      try { await this.libp2p?.stop() } catch (err) { this.log.warn({ err }, 'libp2p stop failed') }
      await this.store?.close().catch((err: unknown) => { this.log.warn({ err }, 'store close failed') })
      this.log.info('node stopped')
      for (const l of this.stoppedListeners) l()
    })()
    await this.stopping
  }

  info (): NodeInfo { return this.views.info() }
  coordinator (): CoordinatorInfo { return this.views.coordinator() }
  peers (): PeersResponse { return this.views.peers() }
  peer (peerId: string): PeerInfo | undefined { return this.views.peer(peerId) }

  async join (addrs: string[]): Promise<JoinResponse> {
    return await this.requireMembership().join(addrs)
  }

  health (): HealthResponse { return this.nodeHealth.health() }

  /**
   * Re-reads the cluster key file (SIGHUP): the rotation of docs/design/admission.md needs no
   * restart. Resolves to whether the keys changed; a bad file leaves them as they were.
   */
  async reloadClusterKey (): Promise<boolean> {
    if (this.admission === undefined) {
      this.log.warn('no cluster key file configured (--cluster-key-file): nothing to reload')
      return false
    }
    return await this.admission.reload()
  }

  private buildApi (): FastifyInstance {
    return buildApi({
      node: () => this.info(),
      peers: () => this.peers(),
      coordinator: () => this.coordinator(),
      peer: (id) => this.peer(id),
      health: () => this.health(),
      join: async (addrs) => await this.join(addrs),
      leave: () => { setImmediate(() => { void this.leave() }) },
      metrics: async () => ({ contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() }),
      apiToken: () => this.apiToken,
      apiAddresses: () => [this.config.api, this.apiAddress],
      events: { feed: this.events, maxClients: this.config.eventStreamMaxClients },
      agents: this.healing?.operations(),
      services: this.services === undefined ? undefined : this.servicesApi(this.services),
      escalations: {
        self: () => this.peerId,
        create: async (input) => await this.requireEscalation().create(input),
        list: (box) => this.requireEscalation().list(box),
        get: (id) => this.requireEscalation().get(id),
        advance: async (id, status) => await this.requireEscalation().advance(id, status)
      },
      audit: {
        // The routes parsed the fields (audit-routes.ts): they are not parsed again.
        append: async (fields, ack) => (await this.requireAudit().appendMany([fields], ack, { parsed: true }))[0]!,
        appendMany: async (entries, ack) => await this.requireAudit().appendMany(entries, ack, { parsed: true }),
        query: async (q) => await this.requireAudit().query(q),
        verify: async () => await this.requireAudit().verify(),
        subscribe: (listener, onClose) => this.requireAudit().subscribe(listener, onClose)
      }
    }, { https: this.apiTls })
  }

  private servicesApi (services: PlacementService): ServicesApi {
    return {
      list: () => services.list(),
      get: (name) => services.get(name),
      define: async (spec) => await services.define(spec),
      remove: async (name) => await services.remove(name),
      drain: async (node, draining) => await services.drain(node, draining),
      selfId: () => this.peerId
    }
  }

  /** Closes idle connections outside the kept set (net/connection-trim.ts); none with `connectionIdleCloseMs` 0. */
  private startTrimmer (libp2p: KosLibp2p, membership: NodeMembership): ConnectionTrimmer | undefined {
    if (this.config.connectionIdleCloseMs === 0) return undefined
    const trimmer = new ConnectionTrimmer({
      connections: () => libp2p.getConnections(),
      keep: () => keptPeers({
        ring: () => membership.ring(),
        election: () => {
          const core = this.election?.core
          return core === undefined ? undefined : { selfId: core.selfId, voters: core.voters, coordinatorId: core.coordinatorId }
        }
      }),
      idleMs: this.config.connectionIdleCloseMs,
      now: () => this.clock.now(),
      log: this.log
    })
    trimmer.start()
    return trimmer
  }

  /** How long an election may take before a node without a coordinator counts as degraded. */
  private electionTakesMs (): number {
    return electionTakesMs(this.config.electionTimeoutMaxMs, this.config.electionRankStepMs, this.election?.core.voters.length ?? 1)
  }

  private addrs (): string[] {
    return this.libp2p?.getMultiaddrs().map((a) => a.toString()) ?? []
  }

  private requireLibp2p (): KosLibp2p {
    if (this.libp2p === undefined) throw new NotStartedError('the node has not started')
    return this.libp2p
  }

  private requireAudit (): AuditService {
    if (this.audit === undefined) throw new NotStartedError('the node has not started')
    return this.audit
  }

  private requireEscalation (): EscalationService {
    if (this.escalation === undefined) throw new NotStartedError('the node has not started')
    return this.escalation
  }

  private requireMembership (): NodeMembership {
    if (this.membership === undefined) throw new NotStartedError('the node has not started')
    return this.membership
  }
}

/** Creates a node from a validated config (see resolveConfig). Call start() to run it. */
export function createNode (config: KosConfig, options?: NodeOptions): KosNode {
  return new KosNode(config, options)
}
