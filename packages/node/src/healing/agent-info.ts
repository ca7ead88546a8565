/** The API's view of one supervised agent (never the internal objects). */
import type { AgentInfo } from '@kos/client'
import type { Quarantine } from '@kos/core'
import type { SupervisedAgent } from './supervised-agent.js'

export function agentInfo (agent: SupervisedAgent, source: 'config' | 'api' | 'service', quarantine: Quarantine | undefined, logDir: string, monotonicToWall: (t: number) => number): AgentInfo {
  const spec = agent.spec
  const exit = agent.lastExit
  return {
    name: spec.name,
    state: agent.state,
    reason: agent.stateReason,
    source,
    pid: agent.pid,
    ready: agent.ready,
    critical: spec.critical,
    essential: spec.essential,
    restarts: agent.totalRestarts,
    lastExit: exit === null ? null : { code: exit.code, signal: exit.signal, at: new Date(monotonicToWall(exit.at)).toISOString() },
    probes: { ...agent.lastProbe },
    quarantine: quarantine === undefined ? null : { by: quarantine.origin, seq: quarantine.seq, reason: quarantine.reason, at: new Date(quarantine.at).toISOString() },
    safeMode: agent.safeMode,
    memory: { rssBytes: agent.lastRssBytes, limitMb: spec.limits.memoryMb ?? null, enforcement: agent.enforcement.memory },
    cpu: { limitPercent: spec.limits.cpuPercent ?? null, enforcement: agent.enforcement.cpu },
    errors: { lastRatePerMin: agent.errors.lastRatePerMin, baselinePerMin: Math.round(agent.errors.baselinePerMin * 100) / 100, spiking: agent.errors.spiking },
    command: spec.command,
    args: spec.args,
    logDir
  }
}
