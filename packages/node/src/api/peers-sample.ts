/**
 * The `peers:sample` of GET /v1/events: every member's fast-changing numbers (phi, heartbeat age,
 * CPU, memory, mode), which are not events of their own, and this node's health checks, in one
 * small message per heartbeat interval. A dashboard draws its phi sparklines, ages and checks
 * from it: GET /v1/health answers 429 or 503 when the node is unwell, which a browser reports as
 * a failed load every time it polls. This node's own row measures the process here, apart from
 * the heartbeat's sampler, whose interval it must not disturb.
 */
import type { HealthResponse, NodeInfo, PeerInfo, PeerSample, PeersSample } from '@kos/client'

export interface PeersSampleSource {
  node: () => Pick<NodeInfo, 'peerId' | 'name' | 'role' | 'mode'>
  peers: () => PeerInfo[]
  health: () => HealthResponse
}

/** One member's sample, from its API view. */
export function peerSample (p: PeerInfo): PeerSample {
  return {
    peerId: p.peerId,
    name: p.name,
    role: p.role,
    state: p.state,
    phi: p.phi,
    lastHeartbeatAgeMs: p.lastHeartbeatAgeMs,
    mode: p.health?.mode ?? null,
    cpuPercent: p.health?.cpuPercent ?? null,
    rssBytes: p.health?.rssBytes ?? null
  }
}

export class PeersSampler {
  private readonly source: PeersSampleSource
  private lastCpu = process.cpuUsage()
  private lastAt = performance.now()

  constructor (source: PeersSampleSource) {
    this.source = source
  }

  sample (): PeersSample {
    const node = this.source.node()
    const now = performance.now()
    const cpu = process.cpuUsage(this.lastCpu)
    const elapsedMs = now - this.lastAt
    this.lastCpu = process.cpuUsage()
    this.lastAt = now
    const cpuPercent = elapsedMs > 0 ? Math.round((cpu.user + cpu.system) / 1000 / elapsedMs * 1000) / 10 : null
    return {
      at: new Date().toISOString(),
      self: {
        peerId: node.peerId,
        name: node.name,
        role: node.role,
        state: 'alive',
        phi: null,
        lastHeartbeatAgeMs: null,
        mode: node.mode,
        cpuPercent,
        rssBytes: process.memoryUsage.rss()
      },
      peers: this.source.peers().map(peerSample),
      health: this.source.health()
    }
  }
}
