/**
 * Watching for false deaths from outside: polls every node's GET /v1/peers, each node on its own
 * loop, and keeps every sighting of a peer in state `dead` (by which node, when). A verdict that
 * is refuted between two polls is missed here; the `kos_member_deaths_total` counters catch
 * those, so a test reads both.
 */
import type { KosProcess } from './kos-process.js'

export interface DeathSighting {
  /** The node whose view said so, and the peer it named dead. */
  observer: string
  peer: string
  /** performance.now() of the answer. */
  atMs: number
}

export class PeerStateWatch {
  readonly deaths: DeathSighting[] = []
  /** Polls that failed (a request past the harness's deadline, a refused connection). */
  failures = 0
  polls = 0
  private running = false
  private loops: Array<Promise<void>> = []

  constructor (private readonly nodes: readonly KosProcess[], private readonly intervalMs = 250) {}

  start (): this {
    if (this.running) return this
    this.running = true
    this.loops = this.nodes.map(async (n) => { await this.loop(n) })
    return this
  }

  /** Stops polling and waits for the requests in flight. */
  async stop (): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }

  /** `observer→peer` for each pair seen dead, once each. */
  pairs (): string[] {
    return [...new Set(this.deaths.map((d) => `${d.observer}→${d.peer}`))]
  }

  private async loop (node: KosProcess): Promise<void> {
    while (this.running) {
      try {
        const view = await node.peers()
        this.polls++
        for (const p of view.peers) if (p.state === 'dead') this.deaths.push({ observer: node.name, peer: p.name, atMs: performance.now() })
      } catch {
        this.failures++
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs))
    }
  }
}
