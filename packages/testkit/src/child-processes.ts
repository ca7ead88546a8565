/**
 * The child processes a test spawns: the `kos` bin run as a user runs it (its shebang finds the
 * Node.js running the test first on PATH: the pinned Node 24), each tracked by pid until it exits.
 * Whatever is still running is SIGKILLed (after a SIGCONT, in case it was stopped) by
 * `killAllChildren()`, which `Cluster.cleanup()` calls from the tests' `after` hook, and again
 * from a process `exit` handler in case the test process is torn down without running its hooks.
 * Apart from the node and the cluster so that every spawn goes through the one tracker.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The CLI's launcher, found relative to this file (packages/testkit/dist/src/). */
export const KOS_BIN = fileURLToPath(new URL('../../../cli/bin/kos.js', import.meta.url))

/**
 * Children run the bin itself, as a user does, so its shebang (and the V8 flags in it) apply;
 * `env node` then finds the Node running this process first on PATH.
 */
const CHILD_ENV = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` }

/** Bytes of stderr (and stdout) kept per process for failure messages. */
const TAIL_BYTES = 16 * 1024

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

/** A bounded text buffer: keeps the last `limit` characters. */
export class TailBuffer {
  private text = ''
  constructor (private readonly limit = TAIL_BYTES) {}
  push (chunk: string): void {
    this.text += chunk
    if (this.text.length > this.limit) this.text = this.text.slice(this.text.length - this.limit)
  }

  toString (): string { return this.text }
}

/** Every child this test process spawned and that has not exited yet. */
const live = new Map<number, ChildProcess>()

/** SIGKILLs one child unless it has exited (SIGCONT first, in case it was stopped). */
export function killHard (child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  // A SIGSTOPped process does not act on SIGKILL any later, but continue it first anyway so
  // nothing is left frozen if the kill were ever refused.
  try { process.kill(child.pid, 'SIGCONT') } catch {}
  try { process.kill(child.pid, 'SIGKILL') } catch {}
}

/** SIGKILLs every child still running. */
export function killAllChildren (): void {
  for (const child of live.values()) killHard(child)
}

process.on('exit', killAllChildren)

function track (child: ChildProcess): Promise<ExitInfo> {
  if (child.pid !== undefined) live.set(child.pid, child)
  return new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) live.delete(child.pid)
      resolve({ code, signal })
    })
    child.once('error', () => {
      if (child.pid !== undefined) live.delete(child.pid)
      resolve({ code: null, signal: null })
    })
  })
}

/** Spawns any other program (its output ignored), tracked like a node until it exits. */
export function spawnTracked (command: string, args: string[]): { child: ChildProcess, exit: Promise<ExitInfo> } {
  const child = spawn(command, args, { stdio: 'ignore', env: CHILD_ENV })
  return { child, exit: track(child) }
}

/** Spawns the kos bin with `args` (stdout and stderr piped), tracked until it exits. */
export function spawnKos (args: string[]): { child: ChildProcess, exit: Promise<ExitInfo> } {
  const child = spawn(KOS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: CHILD_ENV })
  return { child, exit: track(child) }
}
