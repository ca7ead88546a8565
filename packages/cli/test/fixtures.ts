/** Canned API answers, typed against the API contract so a contract change breaks the tests. */

import type { HealthResponse, JoinResponse, NodeInfo, PeerInfo, PeersResponse } from '@kos/client'

export const SELF_ID = '12D3KooWSeLfAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaSELF01'
export const ALPHA_ID = '12D3KooWAlphaBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbALPHA1'
export const BRAVO_ID = '12D3KooWBravoCcccccccccccccccccccccccccccccccBRAVO2'
export const CHARLIE_ID = '12D3KooWCharlieDddddddddddddddddddddddddddddCHRLI3'

export const node: NodeInfo = {
  peerId: SELF_ID,
  name: 'self-node',
  role: 'junzi',
  zone: 'rack-1',
  addrs: [`/ip4/127.0.0.1/tcp/4001/p2p/${SELF_ID}`, `/ip4/10.0.0.1/tcp/4001/p2p/${SELF_ID}`],
  version: '0.1.0',
  startedAt: '2025-01-01T00:00:00.000Z',
  incarnation: 4,
  mode: 'normal',
  cluster: 'test-cluster',
  coordinator: ALPHA_ID,
  term: 7
}

const health = (name: string): NonNullable<PeerInfo['health']> => ({
  name,
  role: 'member',
  incarnation: 1,
  version: '0.1.0',
  uptimeMs: 300_000,
  cpuPercent: 3.25,
  rssBytes: 112 * 1024 * 1024,
  heapUsedBytes: 40 * 1024 * 1024,
  eventLoopDelayP99Ms: 12,
  mode: 'normal',
  agents: { total: 3, running: 2, failed: 1, quarantined: 0 }
})

export const charlie: PeerInfo = {
  peerId: CHARLIE_ID,
  name: 'charlie',
  role: 'member',
  zone: null,
  state: 'dead',
  phi: null,
  lastHeartbeatAgeMs: null,
  incarnation: 2,
  addrs: [],
  connected: false,
  health: null,
  authority: null,
  breakers: { probe: 'open', sync: 'closed', election: 'open', audit: 'closed', escalation: 'closed' },
  draining: false
}

export const alpha: PeerInfo = {
  peerId: ALPHA_ID,
  name: 'alpha',
  role: 'archon',
  zone: 'rack-1',
  state: 'alive',
  phi: 0.42,
  lastHeartbeatAgeMs: 850,
  incarnation: 1,
  addrs: [`/ip4/10.0.0.2/tcp/4001/p2p/${ALPHA_ID}`],
  connected: true,
  health: { ...health('alpha'), role: 'archon' },
  authority: 'archon',
  breakers: { probe: 'closed', sync: 'closed', election: 'closed', audit: 'closed', escalation: 'closed' },
  draining: false
}

export const bravo: PeerInfo = {
  peerId: BRAVO_ID,
  name: 'bravo-long-name',
  role: 'member',
  zone: 'rack-2',
  state: 'suspect',
  phi: 9.87,
  lastHeartbeatAgeMs: 3200,
  incarnation: 3,
  addrs: [`/ip4/10.0.0.3/tcp/4001/p2p/${BRAVO_ID}`],
  connected: false,
  health: { ...health('bravo-long-name'), mode: 'degraded', cpuPercent: 120 },
  authority: null,
  breakers: { probe: 'half-open', sync: 'closed', election: 'open', audit: 'closed', escalation: 'closed' },
  draining: false
}

/** Deliberately not in name order: the table must sort. */
export const peers: PeersResponse = { self: SELF_ID, peers: [charlie, alpha, bravo] }

export const healthWarning: HealthResponse = {
  status: 'warning',
  mode: 'normal',
  checks: [
    { name: 'event-loop', status: 'warning', output: 'p99 delay 250 ms' },
    { name: 'memory', status: 'passing', output: 'rss 112 MiB' }
  ]
}

export const joinPartial: JoinResponse = {
  joined: 1,
  errors: [{ addr: '/ip4/10.0.0.9/tcp/4001', message: 'connection refused' }]
}
