/**
 * The local HTTP API's response types: the contract that users, scripts and the `kos` CLI
 * program against. These are API types, never internal objects; routes map to them explicitly.
 */

export type MemberState = 'alive' | 'suspect' | 'dead' | 'left'
export type Role = 'member' | 'junzi' | 'archon'
export type ServiceMode = 'normal' | 'degraded' | 'minimal'

/** What every heartbeat carries about its sender. */
export interface HealthSummary {
  name: string
  role: Role
  incarnation: number
  version: string
  uptimeMs: number
  /** CPU use of the node process over the last heartbeat interval, in % of one core. */
  cpuPercent: number
  rssBytes: number
  heapUsedBytes: number
  /** p99 event-loop delay over the last heartbeat interval, in ms. */
  eventLoopDelayP99Ms: number
  mode: ServiceMode
  agents: { total: number, running: number, failed: number, quarantined: number }
}

/** GET /v1/node */
export interface NodeInfo {
  peerId: string
  name: string
  role: Role
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
  /** The voter set this node holds, and its version (changed one member at a time). */
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
  state: MemberState
  /** Current phi of the failure detector; 0 until two heartbeats arrived, null for dead or left peers. */
  phi: number | null
  /** Milliseconds since the last heartbeat arrived, null if none arrived yet. */
  lastHeartbeatAgeMs: number | null
  incarnation: number
  addrs: string[]
  /** Whether a libp2p connection to the peer is open now. */
  connected: boolean
  health: HealthSummary | null
}

/** GET /v1/peers */
export interface PeersResponse {
  self: string
  peers: PeerInfo[]
}

export type HealthStatus = 'passing' | 'warning' | 'critical'

/** GET /v1/health (200 passing, 429 warning, 503 critical) */
export interface HealthResponse {
  status: HealthStatus
  mode: ServiceMode
  checks: Array<{ name: string, status: HealthStatus, output: string }>
}

/** POST /v1/join */
export interface JoinRequest { addrs: string[] }
export interface JoinResponse { joined: number, errors: Array<{ addr: string, message: string }> }

/** POST /v1/leave */
export interface LeaveResponse { left: true }

/** Every error response: `{ error: { code, message } }` with a 4xx or 5xx status. */
export interface ApiErrorBody { error: { code: string, message: string } }
