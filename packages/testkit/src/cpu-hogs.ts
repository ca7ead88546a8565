/**
 * CPU-bound processes that are not kOS nodes: the "other processes" of a busy machine (a batch
 * job, other nodes starting). Each is a Node.js busy loop, spawned through the harness's tracker
 * (so `Cluster.cleanup()` and the test process's exit kill it) and ended by its pid. Each also
 * ends itself after `maxMs`, so a test torn down without its hooks cannot leave a core burning.
 */
import type { ChildProcess } from 'node:child_process'
import { killHard, spawnTracked, type ExitInfo } from './child-processes.js'

export interface CpuHogs {
  readonly pids: number[]
  /** SIGKILLs every hog by its pid and waits until each has exited. Idempotent. */
  stop: () => Promise<void>
}

/** Starts `count` busy loops, each ending itself after `maxMs` at the latest. */
export function startCpuHogs (count: number, maxMs: number): CpuHogs {
  const hogs: Array<{ child: ChildProcess, exit: Promise<ExitInfo> }> = []
  for (let i = 0; i < count; i++) {
    hogs.push(spawnTracked(process.execPath, ['-e', `const end = Date.now() + ${Math.ceil(maxMs)}; while (Date.now() < end) {}`]))
  }
  const pids = hogs.map((h) => h.child.pid).filter((pid): pid is number => pid !== undefined)
  if (pids.length !== count) throw new Error(`started ${pids.length} of ${count} CPU hogs`)
  return {
    pids,
    stop: async () => {
      for (const h of hogs) killHard(h.child)
      await Promise.all(hogs.map(async (h) => await h.exit))
    }
  }
}
