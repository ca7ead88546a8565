/**
 * Cluster test harness: real `kos start` processes on 127.0.0.x, driven through the CLI and
 * observed over their HTTP API (DESIGN §2 "Real parts in tests").
 *
 * - Each node is an OS process: the `kos` bin run as a user runs it (its shebang finds the
 *   Node.js running the test first on PATH: the pinned
 *   Node 24) with the built CLI, `start --json --log-level warn`, its own libp2p and API ports
 *   and its own data directory under one fresh `mkdtemp` directory per cluster. libp2p listens
 *   on 127.0.0.1 unless a node is given its own loopback host (127.0.0.11, …; the node then also
 *   dials from it, so a partition can cut it off by address); the API stays on 127.0.0.1.
 * - The JSON log lines that carry an `event` (`coordinator:elected`, `member:dead`, …) are kept
 *   per node in `logEvents`, beyond the stderr tail, for tests that assert on events.
 * - Every process the harness spawns is tracked by pid and SIGKILLed (after a SIGCONT, in case it
 *   was stopped) by `cleanup()`, which the tests call from an `after` hook, and again from a
 *   process `exit` handler in case the test process is torn down without running its hooks.
 * - Nothing sleeps a fixed time: `waitFor` polls a condition with a deadline and, on timeout,
 *   throws with the last observation and the tails of every node's stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { reapStaleAgent } from '@kos/node'
import { describe, poll, type WaitOptions } from './poll.js'
import { freePort } from './ports.js'
import { metricValue, type ApiResponse, type CoordinatorView, type PeersResponse, type PeerView, type StartupInfo } from './views.js'

/** The built CLI entry point, found relative to this file (test/dist/harness/cluster.js). */
export const KOS_BIN = fileURLToPath(new URL('../../../cli/dist/bin/kos.js', import.meta.url))

/**
 * Children run the bin itself, as a user does, so its shebang (and the V8 flags in it) apply;
 * `env node` then finds the Node running this process first on PATH.
 */
const CHILD_ENV = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` }

/** Bytes of stderr (and stdout) kept per process for failure messages. */
const TAIL_BYTES = 16 * 1024
/** Deadline for a node to print its startup JSON line. */
const START_TIMEOUT_MS = 30_000
/** Deadline for one API request: a stopped (SIGSTOP) node must not hang a poll. */
const REQUEST_TIMEOUT_MS = 3_000

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

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

/** One JSON log line of a node that names an event (pino's `time` is wall-clock ms). */
export interface LogEvent {
  event: string
  time: number
  [field: string]: unknown
}

/** See Cluster.withTestResources. */
export const TEST_RESOURCES = Object.freeze({ recoverAfterMs: 1000, cpuPercent: null, eventLoopDelayMs: null })

/** Log events kept per node (the oldest are dropped past this). */
const MAX_LOG_EVENTS = 2000

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

// ---- process tracking ----------------------------------------------------------------------

/** Every child this test process spawned and that has not exited yet. */
const live = new Map<number, ChildProcess>()

function killHard (child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  // A SIGSTOPped process does not act on SIGKILL any later, but continue it first anyway so
  // nothing is left frozen if the kill were ever refused.
  try { process.kill(child.pid, 'SIGCONT') } catch {}
  try { process.kill(child.pid, 'SIGKILL') } catch {}
}

process.on('exit', () => { for (const child of live.values()) killHard(child) })

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

// ---- one node ------------------------------------------------------------------------------

export class KosProcess {
  readonly name: string
  readonly dataDir: string
  readonly host: string
  readonly listenPort: number
  readonly apiPort: number
  readonly args: string[]
  readonly stderr = new TailBuffer()
  readonly stdout = new TailBuffer()
  /** Every log line with an `event` field, across restarts, oldest first. */
  readonly logEvents: LogEvent[] = []
  private child: ChildProcess | undefined
  private exitPromise: Promise<ExitInfo> | undefined
  private exitInfo: ExitInfo | undefined
  private info: StartupInfo | undefined
  private stoppedBySignal = false

  constructor (opts: { name: string, dataDir: string, host?: string, listenPort: number, apiPort: number, args: string[] }) {
    this.name = opts.name
    this.dataDir = opts.dataDir
    this.host = opts.host ?? '127.0.0.1'
    this.listenPort = opts.listenPort
    this.apiPort = opts.apiPort
    this.args = opts.args
  }

  get pid (): number | undefined { return this.child?.pid }
  get peerId (): string { return this.startup.peerId }
  /** Listen multiaddrs, each ending in /p2p/<peerId>. */
  get addrs (): string[] { return this.startup.addrs }
  /** The first listen address with /p2p/. */
  get addr (): string { return this.startup.addrs[0]! }
  /** The listen address without /p2p/. */
  get bareAddr (): string { return `/ip4/${this.host}/tcp/${this.listenPort}` }
  get apiUrl (): string { return this.startup.api }
  /** host:port of the API, the form of `kos … --api`. */
  get apiHostPort (): string { return `127.0.0.1:${this.apiPort}` }
  get running (): boolean { return this.child !== undefined && this.exitInfo === undefined }
  get exited (): ExitInfo | undefined { return this.exitInfo }

  private get startup (): StartupInfo {
    if (this.info === undefined) throw new Error(`node ${this.name} has not printed its startup line`)
    return this.info
  }

  /** Spawns the process and resolves once it printed its startup JSON line. */
  async start (): Promise<StartupInfo> {
    if (this.running) throw new Error(`node ${this.name} is already running`)
    this.exitInfo = undefined
    this.stoppedBySignal = false
    this.stderr.push(`\n--- ${new Date().toISOString()} start ${this.name} ---\n`)
    const child = spawn(KOS_BIN, this.args, { stdio: ['ignore', 'pipe', 'pipe'], env: CHILD_ENV })
    this.child = child
    this.exitPromise = track(child).then((info) => { this.exitInfo = info; return info })
    child.stderr!.setEncoding('utf8')
    let partial = ''
    child.stderr!.on('data', (chunk: string) => {
      this.stderr.push(chunk)
      const lines = (partial + chunk).split('\n')
      partial = lines.pop()!
      for (const line of lines) this.recordEvent(line)
    })
    child.stdout!.setEncoding('utf8')

    const info = await new Promise<StartupInfo>((resolve, reject) => {
      let buffered = ''
      let settled = false
      const settle = (err: Error | undefined, value?: StartupInfo): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (err !== undefined) reject(err); else resolve(value!)
      }
      const timer = setTimeout(() => {
        settle(new Error(`node ${this.name} printed no startup line within ${START_TIMEOUT_MS} ms\nstderr:\n${this.stderr.toString()}`))
      }, START_TIMEOUT_MS)
      child.stdout!.on('data', (chunk: string) => {
        this.stdout.push(chunk)
        if (settled) return
        buffered += chunk
        const nl = buffered.indexOf('\n')
        if (nl < 0) return
        const line = buffered.slice(0, nl)
        try {
          settle(undefined, JSON.parse(line) as StartupInfo)
        } catch (err) {
          settle(new Error(`node ${this.name}: startup line is not JSON: ${line} (${(err as Error).message})`))
        }
      })
      void this.exitPromise!.then((exit) => {
        settle(new Error(`node ${this.name} exited (${describe(exit)}) before its startup line\nstderr:\n${this.stderr.toString()}`))
      })
    }).catch((err: unknown) => { killHard(child); throw err })
    this.info = info
    return info
  }

  private recordEvent (line: string): void {
    if (!line.startsWith('{') || !line.includes('"event"')) return
    try {
      const entry = JSON.parse(line) as Partial<LogEvent>
      if (typeof entry.event !== 'string') return
      this.logEvents.push(entry as LogEvent)
      if (this.logEvents.length > MAX_LOG_EVENTS) this.logEvents.shift()
    } catch {}
  }

  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT, SIGTERM, …) to the process. */
  kill (signal: NodeJS.Signals): void {
    const pid = this.child?.pid
    if (pid === undefined || !this.running) throw new Error(`node ${this.name} is not running`)
    process.kill(pid, signal)
    if (signal === 'SIGSTOP') this.stoppedBySignal = true
    if (signal === 'SIGCONT') this.stoppedBySignal = false
  }

  /** Resolves when the process has exited; rejects after the deadline. */
  async waitExit (timeoutMs = 15_000): Promise<ExitInfo> {
    if (this.exitPromise === undefined) throw new Error(`node ${this.name} was never started`)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`node ${this.name} did not exit within ${timeoutMs} ms\nstderr:\n${this.stderr.toString()}`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([this.exitPromise, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * SIGTERM (a graceful leave) and wait for the exit; SIGKILL if it has not exited by the
   * deadline. Resolves to how it exited and whether it had to be killed.
   */
  async stop (timeoutMs = 15_000): Promise<ExitInfo & { forced: boolean }> {
    if (!this.running) return { ...(this.exitInfo ?? { code: null, signal: null }), forced: false }
    if (this.stoppedBySignal) this.kill('SIGCONT')
    this.kill('SIGTERM')
    try {
      return { ...await this.waitExit(timeoutMs), forced: false }
    } catch {
      if (this.child !== undefined) killHard(this.child)
      return { ...await this.waitExit(10_000), forced: true }
    }
  }

  /** SIGKILL now (SIGCONT first if stopped) and wait for the exit. */
  async killNow (): Promise<ExitInfo> {
    if (this.child !== undefined) killHard(this.child)
    return await this.waitExit(10_000)
  }

  /** Starts again with the same arguments: same data directory and ports. */
  async restart (): Promise<StartupInfo> {
    if (this.running) throw new Error(`node ${this.name} is still running; stop or kill it first`)
    return await this.start()
  }

  /** One HTTP request to the node's API; never hangs longer than the request deadline. */
  async api<T = unknown> (path: string, init: RequestInit = {}): Promise<ApiResponse<T>> {
    const res = await fetch(`http://${this.apiHostPort}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const text = await res.text()
    let body: unknown = text
    if ((res.headers.get('content-type') ?? '').includes('application/json')) body = JSON.parse(text)
    return { status: res.status, body: body as T }
  }

  /** GET /v1/peers, asserting 200. */
  async peers (): Promise<PeersResponse> {
    const res = await this.api<PeersResponse>('/v1/peers')
    if (res.status !== 200) throw new Error(`${this.name}: GET /v1/peers answered ${res.status}: ${describe(res.body)}`)
    return res.body
  }

  /** GET /v1/coordinator, asserting 200. */
  async coordinator (): Promise<CoordinatorView> {
    const res = await this.api<CoordinatorView>('/v1/coordinator')
    if (res.status !== 200) throw new Error(`${this.name}: GET /v1/coordinator answered ${res.status}: ${describe(res.body)}`)
    return res.body
  }

  /** The state of one peer in this node's view, or undefined if unknown. */
  async stateOf (peerId: string): Promise<PeerView['state'] | undefined> {
    return (await this.peers()).peers.find((p) => p.peerId === peerId)?.state
  }

  /** GET /metrics as text. */
  async metrics (): Promise<string> {
    const res = await this.api<string>('/metrics')
    if (res.status !== 200) throw new Error(`${this.name}: GET /metrics answered ${res.status}`)
    return res.body
  }

  /** Sum of the samples of one metric whose labels include all of `labels`. */
  async metric (name: string, labels: Record<string, string> = {}): Promise<number> {
    return metricValue(await this.metrics(), name, labels)
  }
}

// ---- a cluster -----------------------------------------------------------------------------

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
   * with its own data directory; resolves once it printed its startup line.
   */
  async startNode (opts: StartOptions = {}): Promise<KosProcess> {
    await this.init()
    const n = ++this.count
    const name = opts.name ?? `n${n}`
    const host = opts.host ?? '127.0.0.1'
    const listenPort = opts.listenPort ?? await freePort(host)
    const apiPort = opts.apiPort ?? await freePort()
    const dataDir = opts.dataDir ?? join(this.tmp, `${name}-${n}`)
    const extraArgs = await this.withTestResources(opts.extraArgs ?? [], join(this.tmp, `${name}-${n}.config.json`))
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
   * Test nodes share two cores with the test runner and each other, so machine CPU and their
   * event-loop delay run high for reasons no test is about; unless a test's own config sets
   * `resources`, CPU and event-loop delay do not drive the mode (memory and disk keep their
   * defaults) and a calm second relaxes it, so load shedding happens only where a test induces it.
   */
  private async withTestResources (extraArgs: string[], path: string): Promise<string[]> {
    const i = extraArgs.indexOf('--config')
    let config: Record<string, unknown> = {}
    if (i >= 0) {
      try { config = JSON.parse(await readFile(extraArgs[i + 1]!, 'utf8')) as Record<string, unknown> } catch { return extraArgs }
      if (config === null || typeof config !== 'object' || Array.isArray(config) || 'resources' in config) return extraArgs
    }
    await writeFile(path, JSON.stringify({ ...config, resources: TEST_RESOURCES }))
    return i >= 0 ? extraArgs.map((a, j) => j === i + 1 ? path : a) : [...extraArgs, '--config', path]
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
    const child = spawn(KOS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: CHILD_ENV })
    const exit = track(child)
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
    for (const child of live.values()) killHard(child)
    // A SIGKILLed node leaves its agents running; their pid files say which to kill.
    for (const n of this.nodes) {
      const dirs = await readdir(join(n.dataDir, 'agents')).catch(() => [] as string[])
      for (const d of dirs) await reapStaleAgent(join(n.dataDir, 'agents', d)).catch(() => {})
    }
    if (this.dir !== undefined) {
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 })
      this.dir = undefined
    }
  }
}
