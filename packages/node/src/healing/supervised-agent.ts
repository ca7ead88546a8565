/**
 * One supervised agent (issue 6): the I/O shell around its pure cores. It owns the process
 * (AgentProcess), the timers and the probe runs; RestartPolicy decides restarts and backoff,
 * ProbeState what probe results mean, ErrorSpikeDetector when errors spike, AgentLimits how its
 * resource limits are enforced (a cgroup, or RSS polling). What it detects (an unexpected exit,
 * a failed probe, the memory limit, an error spike) goes to the supervisor, whose policy
 * chooses the actions; the supervisor then calls the action methods here.
 *
 * Every action is idempotent: stopping a stopped agent, pausing a paused one or restarting one
 * that is already in backoff does nothing more, so a routine that runs twice does no harm.
 */
import type { Clock } from '@kos/detect'
import type { Logger } from 'pino'
import { AgentLimits, type LimitEnforcement } from './agent-limits.js'
import { agentEnvironment } from './agent-environment.js'
import { AgentProcess, reapStaleAgent } from './agent-process.js'
import type { AgentSpec } from '../config/agent-spec.js'
import { ownWorkDir, type AgentUser } from './agent-user.js'
import { ErrorSpikeDetector } from '@kos/core'
import type { AgentEvent } from '@kos/core'
import { ProbeLoop, type OwnStall, type ProbeReport } from './probe-loop.js'
import { ProbeState, type ProbeKind, type ProbeTransition } from '@kos/core'
import { RestartPolicy, type ExitRecord, type RestartDecision } from '@kos/core'
import type { RotatingLogOptions } from './rotating-log.js'

export type AgentState = 'starting' | 'running' | 'backoff' | 'paused' | 'stopped' | 'failed' | 'quarantined'

/** What the agent noticed; the supervisor classifies it and asks the policy what to do. */
export interface AgentDetection {
  condition: 'exit' | 'liveness-failed' | 'startup-failed' | 'readiness-failed' | 'memory-limit' | 'error-spike' | 'intensity-exceeded'
  severity: 'info' | 'warning' | 'critical'
  detail: string
}

export interface SupervisedAgentDeps {
  clock: Clock
  random: () => number
  /** `<data>/agents/<name>`: logs and the pid file. */
  dir: string
  /** Tells this node's cgroups from another node's on the same machine. */
  cgroupScope: string
  /** This node's own stalls: a probe that failed during one is not counted against the agent. */
  ownStall: OwnStall
  /** Added to the agent's environment: KOS_API, KOS_AGENT_ID, KOS_TOKEN. */
  env: Record<string, string>
  /** The user agents run as (`agentUser`); the node's own when it returns undefined. */
  user: () => AgentUser | undefined
  log?: RotatingLogOptions
  logger: Logger
  emit: (e: AgentEvent) => void
  detect: (agent: SupervisedAgent, d: AgentDetection) => void
}

export class SupervisedAgent {
  private proc: AgentProcess | undefined
  private _state: AgentState = 'stopped'
  private readonly restarts: RestartPolicy
  private readonly probes: ProbeState
  readonly errors: ErrorSpikeDetector
  private readonly errorPattern: RegExp
  /** Why the current process is being ended by us (null: an exit would be unexpected). */
  private intent: 'restart' | 'stop' | null = null
  private restartTimer: NodeJS.Timeout | undefined
  /** Clock time of the detection that started the current recovery (MTTR), null when healthy. */
  private recoveringSince: number | null = null
  /** Paused or stopped by the node's service mode, or by an ethics safe mode. */
  private hold: { kind: 'pause' | 'stop', reason: string } | null = null
  private _safeMode = false
  /** Stopped by the operator: the end of a mode hold does not start it again. */
  private stoppedByOperator = false
  private memoryKill = false
  /** An unexpected exit waiting for the policy's verdict (restart it or not). */
  private exitPending: { code: number | null, signal: string | null } | null = null
  private _stateReason = 'not started'
  /** The kernel-enforced limits, when the machine gives us a cgroup (else RSS polling, no CPU quota). */
  private readonly limits: AgentLimits
  private readonly probeLoop: ProbeLoop
  private closed = false

  constructor (readonly spec: AgentSpec, private readonly d: SupervisedAgentDeps) {
    this.restarts = new RestartPolicy({ clock: d.clock, random: d.random }, spec.restart)
    const probeSet: Partial<Record<ProbeKind, AgentSpec['liveness']>> = { startup: spec.startup, liveness: spec.liveness, readiness: spec.readiness }
    this.probes = new ProbeState(d.clock, Object.fromEntries(Object.entries(probeSet).filter(([, p]) => p !== undefined)))
    this.probeLoop = new ProbeLoop(this.probes, probeSet, d.env, d.clock, (t) => { this.onTransitions(t) }, d.ownStall)
    this.errors = new ErrorSpikeDetector(d.clock)
    this.errorPattern = new RegExp(spec.errorPattern)
    this.limits = new AgentLimits(spec, d.cgroupScope, d.logger)
  }

  get name (): string { return this.spec.name }
  /** Its logs (stdout.log, stderr.log) and pid file. */
  get dir (): string { return this.d.dir }
  get state (): AgentState { return this._state }
  get pid (): number | null { return this.proc?.pid ?? null }
  get ready (): boolean { return this.probes.ready && this._state === 'running' }
  get safeMode (): boolean { return this._safeMode }
  get totalRestarts (): number { return this.restarts.totalRestarts }
  get lastExit (): ExitRecord | null { return this.restarts.lastExit }
  get lastRssBytes (): number | null { return this.limits.lastRssBytes }
  get stateReason (): string { return this._stateReason }
  /** How the limits are enforced: by a cgroup, by RSS polling, or not at all. */
  get enforcement (): LimitEnforcement { return this.limits.enforcement }

  /** The last result of each probe kind. */
  get lastProbe (): Partial<Record<ProbeKind, ProbeReport>> { return this.probeLoop.last }

  /** First start: kills what a killed node left behind, then starts (unless held or quarantined). */
  async boot (): Promise<void> {
    await this.reapStale()
    await this.spawn()
  }

  /** Kills the process a previous run of this node left (it was SIGKILLed with its agents running). */
  async reapStale (): Promise<void> {
    const stale = await reapStaleAgent(this.d.dir)
    if (stale !== null) this.d.logger.warn({ agent: this.name, pid: stale }, 'killed an agent process left by a previous run of this node')
  }

  /** The policy gives up on the agent: stopped, not restarted until an operator starts it. */
  async fail (reason: string): Promise<void> {
    if (this._state === 'failed' || this._state === 'quarantined') return
    await this.stop(reason)
    this.setState('failed', reason)
    this.d.emit({ type: 'agent:failed', agent: this.name, reason })
  }

  /** Operator start (also after `failed` or `stopped`): the restart intensity and backoff start over. */
  async start (): Promise<void> {
    if (this._state === 'quarantined' || this.closed) return
    this.stoppedByOperator = false
    this._safeMode = false
    if (this.hold?.kind !== undefined && this.hold.reason.startsWith('safe mode')) this.hold = null
    this.restarts.reset()
    if (this.proc !== undefined) { this.resumeProcess('started by the operator'); return }
    clearTimeout(this.restartTimer)
    await this.spawn()
  }

  /**
   * Restart for a detection: kill the process (SIGKILL: it is presumed hung or over its limit,
   * and would not handle SIGTERM in time) and let the restart policy choose the backoff; or, if
   * it has already exited, apply the policy to that exit.
   */
  restart (reason: string): void {
    if (this.closed || this._state === 'quarantined' || this._state === 'failed') return
    if (this.proc !== undefined) {
      if (this.intent !== null) return
      this.intent = 'restart'
      this.d.logger.warn({ agent: this.name, reason }, 'killing the agent to restart it')
      void this.proc.kill()
      return
    }
    const pending = this.exitPending
    if (pending === null) return // already in backoff, starting, or stopped on purpose
    this.exitPending = null
    this.applyDecision(this.restarts.onExit(pending.code, pending.signal, this.memoryKill), reason)
  }

  /** Operator restart: a graceful stop, then an immediate start with fresh restart counters. */
  async operatorRestart (): Promise<void> {
    if (this._state === 'quarantined' || this.closed) return
    await this.stop('restarted by the operator')
    await this.start()
  }

  /** The operator's stop: the agent stays stopped until the operator starts it, whatever the mode does. */
  async operatorStop (): Promise<void> {
    this.stoppedByOperator = true
    await this.stop('stopped by the operator')
  }

  /** Stops the agent and keeps it stopped (operator stop, minimal mode, safe mode `stop`). */
  async stop (reason: string): Promise<void> {
    this.restarts.requestStop()
    clearTimeout(this.restartTimer)
    this.probeLoop.stop()
    const proc = this.proc
    const was = this._state
    if (was !== 'quarantined') this.setState('stopped', reason)
    if (was !== 'stopped' && was !== 'failed') this.d.emit({ type: 'agent:stopped', agent: this.name, reason })
    if (proc === undefined) return
    this.intent = 'stop'
    await proc.stop(this.spec.stopGraceMs)
  }

  /** Stopped until a release; the supervisor records and gossips the quarantine itself. */
  async quarantine (reason: string): Promise<void> {
    if (this._state === 'quarantined') return
    this.setState('quarantined', reason)
    await this.stop(reason)
  }

  async release (): Promise<void> {
    if (this._state !== 'quarantined') return
    this._state = 'stopped'
    await this.start()
  }

  /** Ethics filter error: fail closed in the agent's safe mode (paused or stopped) until an operator starts it. */
  async enterSafeMode (reason: string, mode: 'pause' | 'stop'): Promise<void> {
    if (this._safeMode || this._state === 'quarantined') return
    this._safeMode = true
    if (mode === 'stop') await this.stop(`safe mode: ${reason}`)
    else this.holdFor('pause', `safe mode: ${reason}`)
  }

  /**
   * The node's service mode holds this agent (degraded: pause, minimal: stop) or lets it go
   * (null). Stricter holds win until released: an agent stopped in minimal stays stopped in
   * degraded rather than being started just to be paused.
   */
  async setModeHold (kind: 'pause' | 'stop' | null, reason: string): Promise<void> {
    if (this._safeMode) return
    const held = this.hold
    if (kind === null) {
      if (held === null) return
      this.hold = null
      if (this.proc !== undefined) this.resumeProcess(reason)
      // Start what the hold kept down within its restart-intensity window, not through start(),
      // the operator's fresh window: a mode that comes and goes must not let a crash-looping
      // agent escape its intensity limit.
      else if ((this._state === 'stopped' || this._state === 'paused') && !this.stoppedByOperator) { clearTimeout(this.restartTimer); await this.spawn() }
      return
    }
    if (kind === 'stop') {
      this.hold = { kind, reason }
      await this.stop(reason)
      return
    }
    if (held?.kind === 'stop' && this.proc === undefined) { this.hold = { kind: 'stop', reason }; return }
    this.holdFor('pause', reason)
  }

  /** Errors reported through the API (`POST /v1/agents/:id/errors`). */
  reportErrors (count: number): void { this.errors.record(count) }

  /** The supervisor's periodic poll: the memory limit and the error-spike buckets. */
  async poll (): Promise<void> {
    const change = this.errors.poll()
    if (change?.type === 'spike') {
      this.d.detect(this, { condition: 'error-spike', severity: 'warning', detail: `${change.ratePerMin.toFixed(1)} errors/min against a baseline of ${change.baselinePerMin.toFixed(1)}/min` })
    }
    const proc = this.proc
    const limitMb = this.spec.limits.memoryMb
    if (proc === undefined || limitMb === undefined || this.intent !== null) return
    const rss = await this.limits.readMemory(proc, limitMb)
    if (rss !== null && this.proc === proc && this.intent === null) {
      this.memoryKill = true
      this.recoveringSince ??= this.d.clock.now()
      this.d.detect(this, { condition: 'memory-limit', severity: 'critical', detail: `RSS ${Math.round(rss / 1048576)} MiB over the limit of ${limitMb} MiB` })
    }
  }

  /** Node shutdown: stop the process, cancel every timer. */
  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.restartTimer)
    this.probeLoop.stop()
    const proc = this.proc
    if (proc !== undefined) { this.intent = 'stop'; await proc.stop(this.spec.stopGraceMs) }
    await this.limits.remove()
  }

  private async spawn (): Promise<void> {
    if (this.closed || this._state === 'quarantined') return
    if (this.hold !== null) { this.setState(this.hold.kind === 'pause' ? 'paused' : 'stopped', this.hold.reason); return }
    this.setState('starting', 'starting')
    await this.limits.beforeStart()
    try {
      const user = this.d.user()
      const proc = await AgentProcess.start({
        command: this.spec.command,
        args: this.spec.args,
        env: agentEnvironment(process.env, this.spec.inheritEnv, this.spec.env, this.d.env),
        cwd: this.spec.cwd ?? await ownWorkDir(this.d.dir, user),
        ...(user === undefined ? {} : { user }),
        dir: this.d.dir,
        log: this.d.log,
        onStderrLine: (line) => { if (this.errorPattern.test(line)) this.errors.record() },
        onExit: (code, signal) => { this.onExit(proc, code, signal) }
      })
      this.proc = proc
      this.intent = null
      this.memoryKill = false
      await this.limits.adopt(proc.pid)
      if (this.closed) { void proc.stop(0); return }
      this.restarts.onStarted()
      this.setState('running', 'started')
      this.d.emit({ type: 'agent:started', agent: this.name, pid: proc.pid, restarts: this.restarts.totalRestarts })
      this.onTransitions(this.probes.onProcessStarted())
      this.probeLoop.start()
    } catch (err) {
      this.d.logger.warn({ agent: this.name, err }, 'agent could not be started')
      this.unexpectedExit(`cannot start ${this.spec.command}: ${(err as Error).message}`, null, null)
    }
  }

  private onExit (proc: AgentProcess, code: number | null, signal: string | null): void {
    if (this.proc !== proc) return
    this.proc = undefined
    this.limits.exited()
    this.probeLoop.stop()
    const intent = this.intent
    this.intent = null
    this.d.emit({ type: 'agent:exited', agent: this.name, pid: proc.pid, code, signal, expected: intent !== null })
    if (this.closed) return
    if (intent === 'restart') {
      this.applyDecision(this.restarts.onExit(code, signal, true), this.memoryKill ? 'memory limit' : 'probe failure')
    } else if (intent === null) {
      void this.classifyExit(code, signal)
    }
  }

  /** An exit we did not cause: the kernel's OOM kill in the agent's cgroup is its memory limit, anything else a crash. */
  private async classifyExit (code: number | null, signal: string | null): Promise<void> {
    const oom = this.limits.mayBeOomKill(signal) && await this.limits.oomKilledSinceStart()
    if (this.closed || this.proc !== undefined) return
    if (!oom) { this.unexpectedExit(describeExit(code, signal), code, signal); return }
    this.recoveringSince ??= this.d.clock.now()
    this.exitPending = { code, signal }
    this.memoryKill = true
    this.setState('stopped', 'killed at its memory limit (cgroup OOM)')
    this.d.detect(this, { condition: 'memory-limit', severity: 'critical', detail: `killed by the kernel at the cgroup memory limit of ${this.spec.limits.memoryMb ?? '?'} MiB` })
    if (this.exitPending !== null) {
      this.exitPending = null
      this.setState('stopped', 'killed at its memory limit; the policy does not restart it')
    }
  }

  private unexpectedExit (detail: string, code: number | null, signal: string | null): void {
    this.recoveringSince ??= this.d.clock.now()
    this.errors.record()
    this.exitPending = { code, signal }
    this.setState('stopped', detail)
    this.d.detect(this, { condition: 'exit', severity: signal !== null || code !== 0 ? 'warning' : 'info', detail })
    // The policy chose no restart: the agent stays down.
    if (this.exitPending !== null) {
      this.exitPending = null
      this.setState('stopped', `${detail}; the policy does not restart it`)
    }
  }

  /** Acts on the restart policy's verdict on an exit. */
  private applyDecision (decision: RestartDecision, reason: string): void {
    if (decision.action === 'restart') {
      const delayMs = decision.delayMs
      this.setState('backoff', reason)
      this.d.emit({ type: 'agent:restarting', agent: this.name, delayMs, reason })
      clearTimeout(this.restartTimer)
      this.restartTimer = setTimeout(() => { void this.spawn() }, delayMs)
    } else if (decision.action === 'fail') {
      const why = decision.reason
      this.setState('failed', why)
      this.d.emit({ type: 'agent:failed', agent: this.name, reason: why })
      this.d.detect(this, { condition: 'intensity-exceeded', severity: 'critical', detail: why })
    } else {
      this.setState('stopped', decision.reason)
      this.d.emit({ type: 'agent:stopped', agent: this.name, reason: decision.reason })
    }
  }

  private holdFor (kind: 'pause', reason: string): void {
    this.hold = { kind, reason }
    if (this.proc === undefined) return
    this.probeLoop.stop()
    this.onTransitions(this.probes.onProcessStopped())
    this.proc.pause()
    this.setState('paused', reason)
    this.d.emit({ type: 'agent:paused', agent: this.name, reason })
  }

  private resumeProcess (reason: string): void {
    const proc = this.proc
    if (proc === undefined || this._state !== 'paused') return
    proc.resume()
    this.setState('running', reason)
    this.d.emit({ type: 'agent:resumed', agent: this.name, reason })
    this.onTransitions(this.probes.onProcessStarted())
    this.probeLoop.start()
  }

  private onTransitions (transitions: ProbeTransition[]): void {
    for (const t of transitions) {
      if (t.type === 'ready') {
        this.restarts.onHealthy()
        const since = this.recoveringSince
        this.recoveringSince = null
        this.d.emit({ type: 'agent:ready', agent: this.name, recoveredAfterMs: since === null ? null : Math.round(this.d.clock.now() - since) })
      } else if (t.type === 'not-ready') {
        if (t.reason === 'restarted' || t.reason === 'stopped') continue
        this.d.emit({ type: 'agent:not-ready', agent: this.name, reason: t.reason })
        if (t.reason.startsWith('readiness')) this.d.detect(this, { condition: 'readiness-failed', severity: 'warning', detail: t.reason })
      } else if (t.type === 'restart') {
        this.recoveringSince ??= this.d.clock.now()
        this.d.detect(this, { condition: t.reason.startsWith('startup') ? 'startup-failed' : 'liveness-failed', severity: 'warning', detail: t.reason })
      }
    }
  }

  private setState (state: AgentState, reason: string): void {
    this._state = state
    this._stateReason = reason
  }
}

function describeExit (code: number | null, signal: string | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with code ${code ?? 'unknown'}`
}
