/**
 * Cluster test harness: real `kos start` processes on 127.0.0.x, driven through the CLI and
 * observed over their HTTP API: real parts in tests (docs/design/overview.md, Principles).
 *
 * - Each node is an OS process (kos-process.ts): the `kos` bin run as a user runs it
 *   (child-processes.ts) with the built CLI, `start --json --log-level warn`, its own libp2p and
 *   API ports and its own data directory under one fresh `mkdtemp` directory per cluster. libp2p
 *   listens on 127.0.0.1 unless a node is given its own loopback host (127.0.0.11, …; the node
 *   then also dials from it, so a partition can cut it off by address); the API stays on 127.0.0.1.
 * - Every process the harness spawns is tracked by pid and SIGKILLed by `cleanup()`, which the
 *   tests call from an `after` hook (and at process exit, see child-processes.ts).
 * - Nothing sleeps a fixed time: `waitFor` polls a condition with a deadline and, on timeout,
 *   throws with the last observation and the tails of every node's stderr.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { reapStaleAgent } from '@kos/node'
import { killAllChildren, killHard, spawnKos, TailBuffer, type ExitInfo } from './child-processes.js'
import { KosProcess } from './kos-process.js'
import { describe, poll, type WaitOptions } from './poll.js'
import { freePort } from './ports.js'

export interface StartOptions {
  /** Node name (`--name`); defaults to n1, n2, … */
  name?: string
  /** `--bootstrap` addresses. */
  bootstrap?: string[]
  /** `--profile`; the node's default when absent. */
  profile?: string
  /** Fixed libp2p / API ports; fresh free ones when absent. */
  listenPort?: number
  apiPort?: number
  /** IPv4 loopback host libp2p listens on (and dials from); 127.0.0.1 when absent. */
  host?: string
  /** `--data`; a fresh directory under the cluster's temp dir when absent. */
  dataDir?: string
  /** `--log-level`; `warn` when absent (`info` logs the coordinator events). */
  logLevel?: string
  /** More `kos start` arguments, appended as given. */
  extraArgs?: string[]
}

export interface CliResult extends ExitInfo {
  stdout: string
  stderr: string
  /** True if the deadline passed and the process had to be killed. */
  timedOut: boolean
  elapsedMs: number
}

export class Cluster {
  readonly nodes: KosProcess[] = []
  private dir: string | undefined
  private keyFile: string | undefined
  private count = 0

  /** The cluster's temporary directory (data directories and scratch files live under it). */
  get tmp (): string {
    if (this.dir === undefined) throw new Error('cluster not initialised: call await cluster.init()')
    return this.dir
  }

  async init (): Promise<this> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'kos-cluster-'))
    return this
  }

  /**
   * Starts a node through `kos start --json --log-level warn` (or `opts.logLevel`) on fresh ports
   * with its own data directory; resolves once it printed its startup line. The node runs at the
   * defaults but for what `opts` says: benchmarks and chaos runs measure what a user gets, and a
   * test that needs a calm mode says so in its own config.
   */
  async startNode (opts: StartOptions = {}): Promise<KosProcess> {
    await this.init()
    const n = ++this.count
    const name = opts.name ?? `n${n}`
    const host = opts.host ?? '127.0.0.1'
    const listenPort = opts.listenPort ?? await freePort(host)
    const apiPort = opts.apiPort ?? await freePort()
    const dataDir = opts.dataDir ?? join(this.tmp, `${name}-${n}`)
    const extraArgs = opts.extraArgs ?? []
    const args = [
      'start', '--json', '--log-level', opts.logLevel ?? 'warn',
      '--name', name,
      '--listen', `/ip4/${host}/tcp/${listenPort}`,
      '--api', `127.0.0.1:${apiPort}`,
      '--data', dataDir,
      ...(opts.profile === undefined ? [] : ['--profile', opts.profile]),
      ...(opts.bootstrap ?? []).flatMap((b) => ['--bootstrap', b]),
      ...extraArgs
    ]
    const node = new KosProcess({ name, dataDir, host, listenPort, apiPort, args })
    this.nodes.push(node)
    await node.start()
    return node
  }

  /**
   * A cluster key file in the cluster's directory, made once by `kos keygen --out`, as an
   * operator makes one: nodes started with `extraArgs: ['--cluster-key-file', file]` admit each
   * other and nobody else (docs/design/admission.md).
   */
  async clusterKeyFile (): Promise<string> {
    if (this.keyFile !== undefined) return this.keyFile
    const file = join(this.tmp, 'cluster.key')
    const res = await this.runCli(['keygen', '--out', file])
    if (res.code !== 0) throw new Error(`kos keygen --out ${file} exited ${describe(res)}: ${res.stderr}`)
    this.keyFile = file
    return file
  }

  /** Starts several nodes at once. */
  async startNodes (opts: StartOptions[]): Promise<KosProcess[]> {
    return await Promise.all(opts.map(async (o) => await this.startNode(o)))
  }

  /**
   * Runs one `kos` command to completion (e.g. a `kos start` that must fail, or `kos join`).
   * The process is tracked like a node and SIGKILLed if it outlives `timeoutMs`.
   */
  async runCli (args: string[], timeoutMs = 20_000): Promise<CliResult> {
    const started = performance.now()
    const { child, exit } = spawnKos(args)
    const stdout = new TailBuffer()
    const stderr = new TailBuffer()
    child.stdout!.setEncoding('utf8').on('data', (c: string) => { stdout.push(c) })
    child.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr.push(c) })
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; killHard(child) }, timeoutMs)
    const info = await exit
    clearTimeout(timer)
    // Let the pipes drain: 'exit' may come before the last 'data'.
    await Promise.all([
      new Promise((resolve) => { if (child.stdout!.readableEnded) resolve(undefined); else child.stdout!.once('close', resolve) }),
      new Promise((resolve) => { if (child.stderr!.readableEnded) resolve(undefined); else child.stderr!.once('close', resolve) })
    ])
    return { ...info, stdout: stdout.toString(), stderr: stderr.toString(), timedOut, elapsedMs: performance.now() - started }
  }

  /** The tails of every node's stderr, for failure messages. */
  stderrTails (maxCharsPerNode = 2000): string {
    return this.nodes.map((n) => {
      const text = n.stderr.toString()
      const tail = text.length > maxCharsPerNode ? '…' + text.slice(text.length - maxCharsPerNode) : text
      return `--- ${n.name} (pid ${n.pid ?? '-'}, ${n.running ? 'running' : `exited ${describe(n.exited)}`}) stderr tail:\n${tail.trim()}`
    }).join('\n')
  }

  /** Polls until `fn` holds (see `poll`); on timeout the error carries the nodes' stderr tails. */
  async waitFor<T> (description: string, fn: () => Promise<T | false> | T | false, opts: WaitOptions = {}): Promise<T> {
    return await poll(description, fn, opts, () => this.stderrTails())
  }

  /** SIGKILLs every process still running and removes the temporary directory. Idempotent. */
  async cleanup (): Promise<void> {
    await Promise.all(this.nodes.map(async (n) => {
      if (n.running) await n.killNow().catch(() => {})
    }))
    killAllChildren()
    // A SIGKILLed node leaves its agents running; their pid files say which to kill.
    for (const n of this.nodes) {
      const dirs = await readdir(join(n.dataDir, 'agents')).catch(() => [] as string[])
      for (const d of dirs) await reapStaleAgent(join(n.dataDir, 'agents', d)).catch(() => {})
    }
    if (this.dir !== undefined) {
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 })
      this.dir = undefined
      this.keyFile = undefined
    }
  }
}
