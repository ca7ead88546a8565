/**
 * One polling loop per node, each on its own (a stopped node only delays its own loop, by the
 * request deadline): `poll(node)` every `intervalMs` until stopped. A poll that throws counts as a
 * failure. The watchers of the cluster tests and benchmarks are built on it.
 */
import type { KosProcess } from './kos-process.js'

export class NodePollLoops {
  /** Polls that threw (a request past the harness's deadline, a refused connection). */
  failures = 0
  private running = false
  private loops: Array<Promise<void>> = []

  constructor (
    private readonly nodes: readonly KosProcess[],
    private readonly intervalMs: number,
    private readonly poll: (node: KosProcess) => Promise<void>
  ) {}

  start (): void {
    if (this.running) return
    this.running = true
    this.loops = this.nodes.map(async (n) => { await this.loop(n) })
  }

  /** Stops polling and waits for the polls in flight. */
  async stop (): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }

  private async loop (node: KosProcess): Promise<void> {
    while (this.running) {
      try {
        await this.poll(node)
      } catch {
        this.failures++
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs))
    }
  }
}
