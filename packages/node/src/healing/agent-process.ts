/**
 * One running agent process (issue 6), the agent-level fault domain: its own process and
 * process group (`detached`, so `setsid`), stdout and stderr into rotated logs, a pid file in the
 * data directory, and signals sent to the whole group, so an agent's children stop with it.
 *
 * The pid file holds the pid and the process's start time (field 22 of /proc/<pid>/stat), so a
 * restarted node tells its own orphan (left behind when the node was SIGKILLed) from an unrelated
 * process that reused the pid, and kills only the former: never two copies of one agent.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RotatingLog, type RotatingLogOptions } from './rotating-log.js'

export interface AgentProcessOptions {
  command: string
  args: string[]
  /** The whole environment (agent-environment.ts): nothing of the node's is added here. */
  env: Record<string, string>
  cwd: string
  /** Runs the process as this user (agent-user.ts); the node's own user when absent. */
  user?: { uid: number, gid: number }
  /** `<data>/agents/<name>`: logs and the pid file. */
  dir: string
  log?: RotatingLogOptions
  /** Each complete stderr line, for the error-rate detector. */
  onStderrLine?: (line: string) => void
  onExit: (code: number | null, signal: string | null) => void
}

interface PidFile { pid: number, startTime: string, command: string }

const PID_FILE = 'pid'
/** Longest stderr line looked at by the error pattern; the rest of a long line is still logged. */
const MAX_LINE = 8192

export class AgentProcess {
  private exited = false
  private readonly exitWaiters: Array<() => void> = []

  private constructor (readonly pid: number, private readonly child: ChildProcess, private readonly dir: string) {}

  /** Starts the process; rejects if it cannot be spawned (no such command, no permission). */
  static async start (o: AgentProcessOptions): Promise<AgentProcess> {
    await mkdir(o.dir, { recursive: true })
    const out = new RotatingLog(join(o.dir, 'stdout.log'), o.log)
    const err = new RotatingLog(join(o.dir, 'stderr.log'), o.log)
    const child = spawn(o.command, o.args, {
      cwd: o.cwd,
      env: o.env,
      ...(o.user === undefined ? {} : { uid: o.user.uid, gid: o.user.gid }),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => { resolve(child.pid!) })
      child.once('error', reject)
    })
    const proc = new AgentProcess(pid, child, o.dir)
    child.stdout!.on('data', (c: Buffer) => { out.write(c) })
    let partial = ''
    child.stderr!.on('data', (c: Buffer) => {
      err.write(c)
      if (o.onStderrLine === undefined) return
      const lines = (partial + c.toString('utf8')).split('\n')
      partial = (lines.pop() ?? '').slice(-MAX_LINE)
      for (const line of lines) o.onStderrLine(line.slice(0, MAX_LINE))
    })
    child.once('exit', (code, signal) => {
      proc.exited = true
      // Whatever the agent left in its group (children it spawned) goes with it.
      signalGroup(pid, 'SIGKILL')
      void rm(join(o.dir, PID_FILE), { force: true })
      for (const w of proc.exitWaiters.splice(0)) w()
      o.onExit(code, signal)
    })
    child.on('error', () => {})
    const startTime = await processStartTime(pid)
    if (startTime !== null) {
      const file: PidFile = { pid, startTime, command: o.command }
      await writeFile(join(o.dir, PID_FILE), JSON.stringify(file), { mode: 0o600 })
    }
    return proc
  }

  get running (): boolean { return !this.exited }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop (graceMs: number): Promise<void> {
    if (this.exited) return
    signalGroup(this.pid, 'SIGCONT') // a paused agent cannot handle SIGTERM
    signalGroup(this.pid, 'SIGTERM')
    const timer = setTimeout(() => { signalGroup(this.pid, 'SIGKILL') }, graceMs)
    await this.waitExit()
    clearTimeout(timer)
  }

  /** Immediate SIGKILL of the group (a memory limit, a failed liveness probe of a hung agent). */
  async kill (): Promise<void> {
    if (this.exited) return
    signalGroup(this.pid, 'SIGKILL')
    await this.waitExit()
  }

  /** SIGSTOP / SIGCONT to the group: the pause of a degraded mode or of an ethics safe mode. */
  pause (): void { if (!this.exited) signalGroup(this.pid, 'SIGSTOP') }
  resume (): void { if (!this.exited) signalGroup(this.pid, 'SIGCONT') }

  /** Resident memory of every process in the agent's group (children count against the limit). */
  async rssBytes (): Promise<number> { return await groupRssBytes(this.pid) }

  get logDir (): string { return this.dir }

  private async waitExit (): Promise<void> {
    if (this.exited) return
    await new Promise<void>((resolve) => { this.exitWaiters.push(resolve) })
  }
}

function signalGroup (pgid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pgid, signal) } catch {}
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or null if the pid is gone (or a zombie). */
export async function processStartTime (pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: fields count from its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[0] === 'Z' ? null : fields[19] ?? null
  } catch {
    return null
  }
}

/** Sum of VmRSS over the processes whose process group is `pgid`. */
export async function groupRssBytes (pgid: number): Promise<number> {
  let total = 0
  let entries: string[]
  try { entries = await readdir('/proc') } catch { return 0 }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) !== pgid) continue // field 5: pgrp
      // field 24: rss in pages
      total += Number(fields[21]) * 4096
    } catch {}
  }
  return total
}

/**
 * Kills what a previous run of this node left in `dir` (its pid file names a live process
 * started at the recorded time): the node was killed without stopping its agents. Returns the
 * pid it killed, or null. Safe to run twice.
 */
export async function reapStaleAgent (dir: string): Promise<number | null> {
  let file: PidFile
  try {
    file = JSON.parse(await readFile(join(dir, PID_FILE), 'utf8')) as PidFile
  } catch {
    return null
  }
  let killed: number | null = null
  if (Number.isSafeInteger(file.pid) && file.pid > 1 && await processStartTime(file.pid) === file.startTime) {
    signalGroup(file.pid, 'SIGKILL')
    for (let i = 0; i < 200 && await processStartTime(file.pid) === file.startTime; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    killed = file.pid
  }
  await rm(join(dir, PID_FILE), { force: true })
  return killed
}
