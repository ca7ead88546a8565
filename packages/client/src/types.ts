/**
 * The local HTTP API's response types: the contract that users, scripts and the `kos` CLI
 * program against. These are API types, never internal objects; routes map to them explicitly.
 */

import { ROLES } from '@kos/core/vocabulary'
import type { HealthSummary, MemberState, Role, ServiceMode } from '@kos/core/vocabulary'

// The shared vocabulary (member states, roles, modes, the health summary) is the core's; the
// API speaks it, so its types are re-exported here for the API's users.
export { ROLES }
export type { HealthDetail, HealthSummary, InstanceReport, MemberState, Role, ServiceMode } from '@kos/core/vocabulary'

/** GET /v1/node */
export interface NodeInfo {
  peerId: string
  name: string
  role: Role
  /** This node's `zone` label, or null when it has none. */
  zone: string | null
  /** Listen multiaddrs, each ending in /p2p/<peerId>. */
  addrs: string[]
  version: string
  /** ISO 8601 wall-clock time the node started. */
  startedAt: string
  incarnation: number
  mode: ServiceMode
  cluster: string
  /** Peer id of the coordinator this node knows, or null when there is none (e.g. a minority). */
  coordinator: string | null
  /** The newest election term this node has seen. */
  term: number
}

/** GET /v1/coordinator */
export interface CoordinatorInfo {
  /** null when this node knows no coordinator with a valid lease. */
  peerId: string | null
  name: string | null
  term: number
  /** ISO 8601 time this node learnt of the coordinator (elected it, or heard it first), or null. */
  since: string | null
  /** On the coordinator: how long its lease still runs; on a follower: how long it still trusts it. */
  leaseRemainingMs: number
  /**
   * The voter set this node holds, and its version (changed one member at a time): at most the
   * config's `voters` members, chosen by the coordinator; a non-voter learns it by gossip.
   */
  voters: string[]
  votersVersion: number
  /** Votes needed to elect: a majority of the voters. */
  quorum: number
}

/** One entry of GET /v1/peers, and GET /v1/peers/:peerId */
export interface PeerInfo {
  peerId: string
  name: string
  role: Role
  /** The peer's `zone` label, from its health summary; null when it has none (or none arrived yet). */
  zone: string | null
  state: MemberState
  /** Current phi of the failure detector; 0 until two heartbeats arrived, null for dead or left peers and for peers this node does not monitor (`monitorsPerMember` > 0). */
  phi: number | null
  /** Milliseconds since the last heartbeat arrived, null if none arrived yet. */
  lastHeartbeatAgeMs: number | null
  incarnation: number
  addrs: string[]
  /** Whether a libp2p connection to the peer is open now. */
  connected: boolean
  health: HealthSummary | null
  /**
   * The authority this peer counts as: designated by peer id in the config's `authorities` and
   * running with the same role label; null otherwise (a role claimed without designation is not one).
   */
  authority: 'junzi' | 'archon' | null
  /**
   * This node's circuit breaker towards the peer, per request/response protocol
   * (net/peer-breakers.ts): `open` fails calls at once (a probe counts as failed), `half-open`
   * runs one trial call, `closed` is normal (also where no call was made yet).
   */
  breakers: PeerBreakerStates
  /** Being drained (`kos drain`): it takes no new service instances and its own move elsewhere. */
  draining: boolean
}

/** The request/response protocols that have a breaker per peer. */
export type PeerProtocolName = 'probe' | 'sync' | 'election' | 'audit' | 'escalation'
export type BreakerStateName = 'closed' | 'open' | 'half-open'
export type PeerBreakerStates = Record<PeerProtocolName, BreakerStateName>

/** One instance of a cluster service, as GET /v1/services shows it (issue 18). */
export interface ServiceInstanceInfo {
  /** `<service>-<slot>`: stable across re-placements; the generation tells placements apart. */
  id: string
  generation: number
  nodeId: string
  nodeName: string
  /** The agent state on its node; `assigned` while the node has not reported it yet. */
  state: string
  ready: boolean
  /** ISO time since which it runs on that node (null while only assigned). */
  since: string | null
}

/** GET /v1/services/:name */
export interface ServiceInfo {
  name: string
  replicas: number
  spread: 'node' | 'zone'
  /** Ready instances against `replicas`, as this node sees the cluster. */
  status: 'ok' | 'under-replicated' | 'over-replicated'
  instances: ServiceInstanceInfo[]
}

/** GET /v1/services */
export interface ServicesResponse {
  services: ServiceInfo[]
}

/** POST /v1/drain */
export interface DrainResponse {
  node: string
  draining: boolean
}

/** GET /v1/peers */
export interface PeersResponse {
  self: string
  peers: PeerInfo[]
}

export type HealthStatus = 'passing' | 'warning' | 'critical'

/** GET /v1/health (200 passing, 429 warning, 503 critical) */
export interface HealthCheck { name: string, status: HealthStatus, output: string }

export interface HealthResponse {
  status: HealthStatus
  mode: ServiceMode
  checks: HealthCheck[]
}

/** POST /v1/join */
export interface JoinRequest { addrs: string[] }
export interface JoinResponse { joined: number, errors: Array<{ addr: string, message: string }> }

/** POST /v1/leave */
export interface LeaveResponse { left: true }

/** Every error response: `{ error: { code, message } }` with a 4xx or 5xx status. */
export interface ApiErrorBody { error: { code: string, message: string } }

// ---- audit log ---------------------------------------------------------------------------

/** Where an entry comes from, by subsystem. */
export const AUDIT_CLASSES = ['agent', 'node', 'network', 'ethics', 'resource', 'coordinator', 'operator'] as const
export type AuditClassName = typeof AUDIT_CLASSES[number]
/** Least to most severe; a query's `severity` is a minimum. */
export const AUDIT_SEVERITIES = ['debug', 'info', 'notice', 'warning', 'error', 'critical'] as const
export type AuditSeverityName = typeof AUDIT_SEVERITIES[number]
/** `?ack=` of POST /v1/audit: durable on this node, or on a quorum of nodes. */
export const AUDIT_ACKS = ['local', 'quorum'] as const
export type AuditAck = typeof AUDIT_ACKS[number]
export type AuditDetails = { [key: string]: unknown }

/** One audit entry as the API returns it (GET /v1/audit, each SSE `data:` line of /v1/audit/stream). */
export interface AuditEntryView {
  /** Peer id of the node that wrote it. */
  origin: string
  /** Contiguous per origin, from 1. */
  seq: number
  lamport: number
  /** Wall-clock ms since the Unix epoch at the writer. */
  ts: number
  class: AuditClassName
  type: string
  severity: AuditSeverityName
  subject: string
  details: AuditDetails
  /** Hash of the origin's previous entry (64 zeros for seq 1). */
  prev: string
  hash: string
  /**
   * Base64 Ed25519 signature by the origin's key over `hash`, on the last entry of each batch the
   * origin wrote only (its seal): it vouches for the entries before it through their `prev` links.
   */
  sig?: string
}

/** POST /v1/audit body (needs `Authorization: Bearer <token>`); `?ack=local|quorum`, default local. */
export interface AuditAppendRequest {
  class: AuditClassName
  type: string
  severity: AuditSeverityName
  subject: string
  details?: AuditDetails
}
export interface AuditAppendResponse { origin: string, seq: number, hash: string }
/** The most entries POST /v1/audit/batch takes in one request. */
export const MAX_AUDIT_BATCH = 1000
/** POST /v1/audit/batch body: 1 to MAX_AUDIT_BATCH entries, written together under one `?ack=`. */
export interface AuditBatchRequest { entries: AuditAppendRequest[] }
/** Each entry's `{ origin, seq, hash }`, in the order of the request. */
export interface AuditBatchResponse { entries: AuditAppendResponse[] }

/** GET /v1/audit?origin&class&severity&since&until&limit&cursor (since/until: ms or ISO 8601). */
export interface AuditQueryParams {
  origin?: string
  class?: AuditClassName
  severity?: AuditSeverityName
  since?: number | string
  until?: number | string
  limit?: number
  cursor?: string
}
export interface AuditQueryResponse {
  entries: AuditEntryView[]
  /** Pass back as `cursor` (with the same filters) for the next page; null at the end. */
  next: string | null
}

/** GET /v1/audit/verify */
export interface AuditVerifyBreak { origin: string, seq: number, reason: string }
export interface AuditVerifyResponse {
  ok: boolean
  checked: number
  breaks: AuditVerifyBreak[]
}

// ---- escalation --------------------------------------------------------------------------

export type EscalationClassName = 'ethics' | 'node' | 'network' | 'resource' | 'agent'
export type EscalationSeverityName = 'info' | 'notice' | 'warning' | 'error' | 'critical'
/** pending (outbox only: not taken yet) → delivered → acked → resolved. */
export type EscalationStatusName = 'pending' | 'delivered' | 'acked' | 'resolved'

/** One escalation of GET /v1/escalations. */
export interface EscalationView {
  id: string
  class: EscalationClassName
  severity: EscalationSeverityName
  subject: string
  summary: string
  /** Peer id of the node that escalated it. */
  origin: string
  status: EscalationStatusName
  /** Outbox: the authority's peer id or the webhook URL that took it (null while pending); inbox: this node. */
  deliveredTo: string | null
  /** ISO 8601. */
  createdAt: string
}

/** GET /v1/escalations?box=inbox|outbox&status=… (box default outbox), newest first. */
export interface EscalationsResponse { escalations: EscalationView[] }

/** GET /v1/escalations/:id: the view plus the details of its box. */
export interface EscalationDetail extends EscalationView {
  box: 'inbox' | 'outbox'
  evidence: Array<{ origin: string, seq: number }>
  /** Outbox: failed single-target attempts so far, and the last error. */
  attempts: number | null
  lastError: string | null
  /** Outbox: the authority that acked/resolved it; inbox: the peer that delivered it. */
  by: string | null
  updatedAt: string
}

/** POST /v1/escalations body (needs the API token). `subject` defaults to this node's peer id. */
export interface EscalationRequest {
  class: EscalationClassName
  severity: EscalationSeverityName
  summary: string
  subject?: string
  evidence?: Array<{ origin: string, seq: number }>
  /** Idempotency key: a retried POST with the same id creates nothing new. */
  id?: string
}
export interface EscalationCreated { id: string, created: boolean }

/** One supervised agent, as `GET /v1/agents/:id` shows it. */
export interface AgentInfo {
  name: string
  /** starting, running, backoff (waiting to restart), paused, stopped, failed (restart intensity exceeded) or quarantined. */
  state: 'starting' | 'running' | 'backoff' | 'paused' | 'stopped' | 'failed' | 'quarantined'
  /** Why it is in that state (the last exit, the probe that failed, the mode that holds it). */
  reason: string
  /** Defined in the node's config, through POST /v1/agents, or an instance of a cluster service (`svc.<instance>`). */
  source: 'config' | 'api' | 'service'
  pid: number | null
  /** The readiness verdict: in service. */
  ready: boolean
  critical: boolean
  essential: boolean
  restarts: number
  lastExit: { code: number | null, signal: string | null, at: string } | null
  /** The last run of each probe; `inconclusive`: it failed while this node's own event loop stalled, and was not counted. */
  probes: Partial<Record<'startup' | 'liveness' | 'readiness', { outcome: 'success' | 'failure' | 'timeout' | 'inconclusive', detail: string, at: string }>>
  /** The cluster-wide ethics quarantine of this agent's name, if any. */
  quarantine: { by: string, seq: number, reason: string, at: string } | null
  /** Failed closed after an ethics filter error, until an operator starts it. */
  safeMode: boolean
  /** The memory limit: enforced by the kernel in a cgroup where the machine allows one, else by polling the group's RSS. */
  /** `rssBytes`: the group's RSS; under a cgroup, the memory the cgroup is charged (RSS and page cache). */
  memory: { rssBytes: number | null, limitMb: number | null, enforcement: 'cgroup-v1' | 'cgroup-v2' | 'rss-poll' | 'none' }
  /** The CPU quota: only a cgroup can enforce it. */
  cpu: { limitPercent: number | null, enforcement: 'cgroup-v1' | 'cgroup-v2' | 'not-enforced' | 'none' }
  errors: { lastRatePerMin: number, baselinePerMin: number, spiking: boolean }
  command: string
  args: string[]
  /** Where its stdout.log and stderr.log are. */
  logDir: string
}

export interface AgentsResponse { agents: AgentInfo[] }

// ---- event stream (GET /v1/events) -------------------------------------------------------

/**
 * The nouns of the stream's event types, which `?types=` (and `kos monitor --types`) take as
 * prefixes: `member` is every `member:*` event. `peers` is the exception: its `peers:sample`
 * snapshots come only to a client that names `peers` or `peers:sample`.
 */
export const EVENT_NOUNS = ['member', 'node', 'coordinator', 'audit', 'authority', 'escalation', 'agent', 'healing', 'resource', 'service', 'peers'] as const
export type EventNoun = typeof EVENT_NOUNS[number]

/**
 * Every event type of GET /v1/events: the node's event path (docs/design/overview.md), plus
 * `audit:entry` (an entry stored in the audit log, local or replicated) and `peers:sample`.
 */
export const EVENT_TYPES = [
  'member:join', 'member:alive', 'member:suspect', 'member:dead', 'member:left', 'member:removed', 'member:refuted',
  'node:stalled', 'node:mode',
  'coordinator:elected', 'coordinator:stepped-down', 'coordinator:lost', 'coordinator:quorum-restored', 'coordinator:refused',
  'audit:tamper', 'audit:entry',
  'authority:claim-refused', 'authority:adopted',
  'escalation:created', 'escalation:delivered', 'escalation:undelivered', 'escalation:received', 'escalation:acked', 'escalation:resolved',
  'agent:started', 'agent:exited', 'agent:restarting', 'agent:ready', 'agent:not-ready', 'agent:failed', 'agent:stopped',
  'agent:paused', 'agent:resumed', 'agent:quarantined', 'agent:quarantine-refused', 'agent:released', 'agent:defined', 'agent:removed',
  'healing:detected',
  'resource:saturation',
  'service:placed', 'service:replaced', 'service:drain-moving', 'service:stopped', 'service:under-replicated',
  'peers:sample'
] as const
export type EventType = typeof EVENT_TYPES[number]

/**
 * What the stream sends besides events, whatever `types` says: `hello` first on every connection,
 * and `reset` when the events since the client's Last-Event-ID cannot be replayed.
 */
export type StreamControl = 'hello' | 'reset'

/**
 * One message of GET /v1/events. `id` is `<bootId>-<seq>`: seq counts up by one per event of this
 * node process, and bootId changes when the node restarts. Send the last id seen back as
 * `Last-Event-ID` to get what was missed. `peers:sample` and a resumed `hello` carry no id.
 */
export interface StreamMessage {
  id: string | null
  type: EventType | StreamControl
  data: Record<string, unknown>
}

/** `hello`: the stream is open. `replayed` events follow at once when the client resumed. */
export interface StreamHello {
  /** The node process's id, the part of every event id before the dash. */
  bootId: string
  peerId: string
  /** The client's Last-Event-ID was honoured: the events it missed follow, and nothing is lost. */
  resumed: boolean
  /** How many missed events follow (0 on a fresh connection or a reset). */
  replayed: number
}

/** `reset`: the events since Last-Event-ID are gone (the node restarted, or the buffer moved on); reload the snapshot. */
export interface StreamReset {
  reason: string
  bootId: string
}

/** One member in a `peers:sample`: what changes all the time, so it is not an event of its own. */
export interface PeerSample extends Pick<PeerInfo, 'peerId' | 'name' | 'role' | 'state' | 'phi' | 'lastHeartbeatAgeMs'> {
  mode: ServiceMode | null
  cpuPercent: number | null
  rssBytes: number | null
}

/**
 * `peers:sample`: every member as this node sees it, itself included (`self`; its phi and
 * heartbeat age are null), and this node's health checks, sent every heartbeat interval to the
 * clients that asked for it (and at once to one that just did).
 */
export interface PeersSample {
  /** ISO 8601 time of the sample. */
  at: string
  self: PeerSample
  peers: PeerSample[]
  /** What GET /v1/health answers now. */
  health: HealthResponse
}
