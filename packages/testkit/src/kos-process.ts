/**
 * One node of a test cluster: a real `kos start` process, started by `Cluster.startNode` and
 * observed over its HTTP API. It keeps the tails of its stdout and stderr for failure messages,
 * and the JSON log lines that carry an `event` (`coordinator:elected`, `member:dead`, …) in
 * `logEvents`, beyond the stderr tail, for tests that assert on events. It survives restarts:
 * `restart()` starts it again with the same arguments, data directory and ports.
 */
import type { ChildProcess } from 'node:child_process'
import { killHard, spawnKos, TailBuffer, type ExitInfo } from './child-processes.js'
import { describe } from './poll.js'
import { metricValue, type ApiResponse, type CoordinatorView, type PeersResponse, type PeerView, type StartupInfo } from './views.js'

/** Deadline for a node to print its startup JSON line. */
const START_TIMEOUT_MS = 30_000
/** Deadline for one API request: a stopped (SIGSTOP) node must not hang a poll. */
const REQUEST_TIMEOUT_MS = 3_000

/** One JSON log line of a node that names an event (pino's `time` is wall-clock ms). */
export interface LogEvent {
  event: string
  time: number
  [field: string]: unknown
}

/** Log events kept per node (the oldest are dropped past this). */
const MAX_LOG_EVENTS = 2000

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
    const { child, exit } = spawnKos(this.args)
    this.child = child
    this.exitPromise = exit.then((info) => { this.exitInfo = info; return info })
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
    const res = await fetch(`http://${this.apiHostPort}${path}`, { ...asJson(init), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
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
    // One entry, not the whole table: benchmarks poll every node this way every few ms, and at
    // 40 members whole tables made the polling a load of its own.
    const res = await this.api<PeerView>(`/v1/peers/${encodeURIComponent(peerId)}`)
    if (res.status === 404) return undefined
    if (res.status !== 200) throw new Error(`${this.name}: GET /v1/peers/${peerId} answered ${res.status}: ${describe(res.body)}`)
    return res.body.state
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

/**
 * A request as the API client sends it: anything but a read says it is JSON, with `{}` when it
 * has no body, since the node refuses any other type. A test of that refusal uses fetch itself.
 */
function asJson (init: RequestInit): RequestInit {
  const method = (init.method ?? 'GET').toUpperCase()
  if (method === 'GET' || method === 'HEAD') return init
  const headers = new Headers(init.headers)
  if (headers.has('content-type')) return init
  headers.set('content-type', 'application/json')
  return { ...init, headers, body: init.body ?? '{}' }
}
