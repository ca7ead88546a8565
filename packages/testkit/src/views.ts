/**
 * What the harness reads from a node: its startup line and API answers (mirrors of the node's API
 * types, kept here so the harness depends on the wire, not on the node's internals), and small
 * helpers to read them.
 */

export interface PeerView {
  peerId: string
  name: string
  role: string
  state: 'alive' | 'suspect' | 'dead' | 'left'
  phi: number | null
  lastHeartbeatAgeMs: number | null
  incarnation: number
  addrs: string[]
  connected: boolean
  health: unknown
}

export interface PeersResponse {
  self: string
  peers: PeerView[]
}

export interface ApiResponse<T = unknown> {
  status: number
  body: T
}

/** The startup line of `kos start --json`. */
export interface StartupInfo {
  peerId: string
  name: string
  addrs: string[]
  api: string
  profile: string
}

/** GET /v1/coordinator */
export interface CoordinatorView {
  /** null when the node knows no coordinator with a valid lease (e.g. a minority). */
  peerId: string | null
  name: string | null
  term: number
  since: string | null
  leaseRemainingMs: number
  voters: string[]
  votersVersion: number
  quorum: number
}

/** The election fields of GET /v1/node. */
export interface NodeView {
  peerId: string
  name: string
  mode: string
  coordinator: string | null
  term: number
}

/** GET /v1/health (200 passing, 429 warning, 503 critical) */
export interface HealthView {
  status: 'passing' | 'warning' | 'critical'
  mode: string
  checks: Array<{ name: string, status: string, output: string }>
}

/** Sums the Prometheus samples of `name` that carry every label of `labels` (0 if none). */
export function metricValue (text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line)
    if (m === null || m[1] !== name) continue
    const have: Record<string, string> = {}
    for (const pair of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have[pair[1]!] = pair[2]!
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4])
  }
  return sum
}

/** `{ name: state }` of every peer in a node's view: compact context for assertion messages. */
export function summarize (peers: PeersResponse): Record<string, string> {
  return Object.fromEntries(peers.peers.map((p) => [`${p.name}(${p.peerId.slice(-6)})`, `${p.state}#${p.incarnation}`]))
}
