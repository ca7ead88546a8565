/**
 * What the harness reads from a node: its startup line and API answers (the node's public API
 * types), and small helpers to read them.
 */

import type { CoordinatorInfo, HealthResponse, NodeInfo, PeerInfo, PeersResponse as ApiPeersResponse } from '@kos/client'

/** The node's own API types (its public contract), under the names the harness uses. */
export type PeerView = PeerInfo
export type PeersResponse = ApiPeersResponse
export type CoordinatorView = CoordinatorInfo
export type NodeView = NodeInfo
export type HealthView = HealthResponse

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

/** Sums the /metrics samples of `name` that carry every label of `labels` (0 if none). */
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
