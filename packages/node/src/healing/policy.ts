// Placeholder until the policy branch lands (same exported names).
export const FAILURE_CLASSES = ['agent', 'node', 'network', 'ethics', 'resource'] as const
export type FailureClass = typeof FAILURE_CLASSES[number]
export const ACTIONS = ['restart', 'stop', 'pause', 'safe-mode', 'quarantine', 'take-out-of-service', 'fail', 'degrade', 'shed', 'escalate', 'record'] as const
export type Action = typeof ACTIONS[number]
export interface Detection {
  class: FailureClass
  condition: string
  severity: 'info' | 'warning' | 'critical'
  agent?: { name: string, critical: boolean, essential: boolean }
  count?: number
}
export interface Policy { version: 1, rules: unknown[], ethics?: { violationsToQuarantine: number, windowMs: number }, safeMode?: 'pause' | 'stop' }
export const DEFAULT_POLICY: Policy = { version: 1, rules: [] }
export function selectActions (_p: Policy, d: Detection): { actions: Action[], escalateTo?: 'junzi' | 'archon' | 'operators', rule: string } {
  switch (d.condition) {
    case 'exit': case 'liveness-failed': case 'startup-failed': case 'unresponsive': case 'memory-limit': return { actions: ['restart', 'record'], rule: 'default' }
    case 'readiness-failed': return { actions: ['take-out-of-service', 'record'], rule: 'default' }
    case 'intensity-exceeded': return { actions: ['fail', 'escalate'], rule: 'default' }
    case 'error-spike': return { actions: ['record', 'escalate'], rule: 'default' }
    case 'violation': return d.severity === 'critical' || (d.count ?? 0) >= 3 ? { actions: ['quarantine', 'escalate'], rule: 'default' } : { actions: ['record'], rule: 'default' }
    case 'filter-error': return { actions: ['safe-mode', 'escalate'], rule: 'default' }
    case 'saturation': return { actions: ['degrade', 'shed', 'record'], rule: 'default' }
  }
  return { actions: ['record'], rule: 'default' }
}
