/**
 * Watching for false deaths from outside: polls every node's GET /v1/peers, each node on its own
 * loop, and keeps every sighting of a peer in state `dead` (by which node, when). A verdict that
 * is refuted between two polls is missed here; the `kos_member_deaths_total` counters catch
 * those, so a test reads both.
 */
import type { KosProcess } from './kos-process.js'
import { NodePollLoops } from './node-poll-loops.js'

export interface DeathSighting {
  /** The node whose view said so, and the peer it named dead. */
  observer: string
  peer: string
  /** performance.now() of the answer. */
  atMs: number
}

export class PeerStateWatch {
  readonly deaths: DeathSighting[] = []
  polls = 0
  private readonly loops: NodePollLoops

  constructor (nodes: readonly KosProcess[], intervalMs = 250) {
    this.loops = new NodePollLoops(nodes, intervalMs, async (node) => {
      const view = await node.peers()
      this.polls++
      for (const p of view.peers) if (p.state === 'dead') this.deaths.push({ observer: node.name, peer: p.name, atMs: performance.now() })
    })
  }

  /** Polls that failed (a request past the harness's deadline, a refused connection). */
  get failures (): number { return this.loops.failures }

  start (): this {
    this.loops.start()
    return this
  }

  /** Stops polling and waits for the requests in flight. */
  async stop (): Promise<void> { await this.loops.stop() }

  /** `observer→peer` for each pair seen dead, once each. */
  pairs (): string[] {
    return [...new Set(this.deaths.map((d) => `${d.observer}→${d.peer}`))]
  }
}
