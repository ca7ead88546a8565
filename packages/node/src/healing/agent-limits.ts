/**
 * How one agent's resource limits are enforced (issue 6): by a cgroup where the machine gives
 * us one (cgroup.ts: the kernel's OOM killer at the memory limit, a CFS CPU quota), else by
 * polling the process group's RSS, for the supervised agent to kill it at the limit. It keeps
 * the cgroup, its OOM count at the agent's start and the last memory reading, so that
 * SupervisedAgent only asks what happened and acts on it.
 */
import type { Logger } from 'pino'
import type { AgentProcess } from './agent-process.js'
import type { AgentSpec } from '../config/agent-spec.js'
import { createAgentCgroup, type AgentCgroup } from './cgroup.js'

/** How each limit is enforced, as the API reports it. */
export interface LimitEnforcement {
  memory: 'cgroup-v1' | 'cgroup-v2' | 'rss-poll' | 'none'
  cpu: 'cgroup-v1' | 'cgroup-v2' | 'not-enforced' | 'none'
}

export class AgentLimits {
  /** The kernel-enforced limits: undefined until the first start, null where the machine gives none. */
  private cgroup: AgentCgroup | null | undefined
  private oomKillsAtStart = 0
  private _lastRssBytes: number | null = null

  constructor (
    private readonly spec: Pick<AgentSpec, 'name' | 'limits'>,
    /** Tells this node's cgroups from another node's on the same machine. */
    private readonly cgroupScope: string,
    private readonly logger: Logger
  ) {}

  get enforcement (): LimitEnforcement {
    const cg = this.cgroup ?? null
    const limits = this.spec.limits
    return {
      memory: limits.memoryMb === undefined ? 'none' : cg?.memory === true ? `cgroup-${cg.version}` : 'rss-poll',
      cpu: limits.cpuPercent === undefined ? 'none' : cg?.cpu === true ? `cgroup-${cg.version}` : 'not-enforced'
    }
  }

  /** The agent's memory at the last poll (its cgroup's charge, or its RSS); null while it has no process. */
  get lastRssBytes (): number | null { return this._lastRssBytes }

  /** Before each start: creates the cgroup the first time, and notes its OOM kills so far. */
  async beforeStart (): Promise<void> {
    if (this.cgroup === undefined) this.cgroup = await createAgentCgroup(this.cgroupScope, this.spec.name, this.spec.limits)
    this.oomKillsAtStart = await this.cgroup?.oomKills() ?? 0
  }

  /** Moves the started process into the cgroup; where that fails, RSS polling enforces the limit. */
  async adopt (pid: number): Promise<void> {
    await this.cgroup?.add(pid).catch((err: unknown) => {
      this.logger.warn({ agent: this.spec.name, err }, 'cannot move the agent into its cgroup; polling its RSS instead')
      this.cgroup = null
    })
  }

  /** The process has gone: there is no memory use to show. */
  exited (): void { this._lastRssBytes = null }

  /** Only a SIGKILL inside a cgroup can have been the kernel's OOM killer. */
  mayBeOomKill (signal: string | null): boolean { return this.cgroup != null && signal === 'SIGKILL' }

  /** Whether the kernel's OOM killer has killed in the agent's cgroup since it started. */
  async oomKilledSinceStart (): Promise<boolean> {
    return (await this.cgroup?.oomKills() ?? 0) > this.oomKillsAtStart
  }

  /**
   * The poll's memory reading, against a limit of `limitMb`. Returns the RSS when RSS polling
   * enforces the limit and the process is over it (the caller kills it), else null.
   */
  async readMemory (proc: Pick<AgentProcess, 'rssBytes'>, limitMb: number): Promise<number | null> {
    if (this.cgroup?.memory === true) {
      // The kernel enforces the limit (an OOM kill is classified on exit); one file read shows
      // the use, where polling would scan every process in /proc.
      this._lastRssBytes = await this.cgroup.memoryBytes()
      return null
    }
    const rss = await proc.rssBytes()
    this._lastRssBytes = rss
    return rss > limitMb * 1024 * 1024 ? rss : null
  }

  /** Removes the cgroup once the agent's processes have gone. */
  async remove (): Promise<void> { await this.cgroup?.remove() }
}
