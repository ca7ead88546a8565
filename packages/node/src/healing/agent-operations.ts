import type { AgentInfo } from '@kos/client'
import type { AgentSpec } from '../config/agent-spec.js'
import type { EthicsReport, ReleaseOutcome } from './agent-supervisor.js'

/**
 * What the agent routes may do with this node's agents: the supervisor seen from the API
 * (HealingService.operations(); a stub in tests), so that healing needs nothing of the API.
 */
export interface AgentOperations {
  list: () => AgentInfo[]
  get: (name: string) => AgentInfo | undefined
  /** 'conflict' when an agent of that name already runs on this node. */
  define: (spec: AgentSpec, raw: unknown) => Promise<AgentInfo | 'conflict'>
  remove: (name: string) => Promise<'removed' | 'not-found' | 'config' | 'service'>
  control: (name: string, action: 'start' | 'stop' | 'restart') => Promise<AgentInfo | undefined>
  release: (name: string) => ReleaseOutcome | 'not-found'
  ethics: (name: string, report: EthicsReport) => boolean
  errors: (name: string, count: number) => boolean
  agentTokenMatches: (name: string, token: string) => boolean
}
