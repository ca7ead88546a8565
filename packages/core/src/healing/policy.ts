/**
 * The healing policy (issue 6): what the node does about each failure it detects. A detection
 * (an agent crashed, an ethics filter reported a violation, memory is saturated…) goes through
 * the user's rules in file order, first match wins, then through the built-in rules, which
 * reproduce the default behaviour; a detection nothing matches is recorded. Pure: the
 * supervisor builds the detection, calls `selectActions`, and carries the actions out.
 *
 * The file format (YAML or JSON) and its validation are in policy-file.ts.
 */

export const FAILURE_CLASSES = ['agent', 'node', 'network', 'ethics', 'resource'] as const
export type FailureClass = typeof FAILURE_CLASSES[number]

/**
 * The conditions each class can report. Rules name them, so a typo in a policy file is refused
 * at load time instead of silently never matching. `*` in a rule matches any of its class.
 */
export const CONDITIONS = {
  agent: ['exit', 'liveness-failed', 'readiness-failed', 'startup-failed', 'intensity-exceeded', 'memory-limit', 'error-spike', 'unresponsive'],
  node: ['mode-degraded', 'mode-minimal'],
  network: ['quorum-lost', 'peer-dead'],
  ethics: ['violation', 'filter-error'],
  resource: ['saturation']
} as const satisfies Record<FailureClass, readonly string[]>

export const SEVERITIES = ['info', 'warning', 'critical'] as const
export type Severity = typeof SEVERITIES[number]

/**
 * What the supervisor can do, in the order a rule lists them:
 * - `restart` the agent (through its RestartPolicy, so backoff and intensity still apply);
 * - `stop` it for good, `pause` it (SIGSTOP: state kept, no work done);
 * - `safe-mode`: pause or stop it as the policy's `safeMode` says, failing closed;
 * - `quarantine`: stop it and refuse to restart it until an operator releases it;
 * - `take-out-of-service`: keep it running but route no work to it (a failed readiness probe);
 * - `fail`: mark it failed, as restart intensity does; `degrade`, `shed`: lower the node's
 *   service mode and shed optional work; `escalate` to `escalateTo`; `record` in the audit log.
 */
export const ACTIONS = ['restart', 'stop', 'pause', 'safe-mode', 'quarantine', 'take-out-of-service', 'fail', 'degrade', 'shed', 'escalate', 'record'] as const
export type Action = typeof ACTIONS[number]

export const ESCALATION_TARGETS = ['junzi', 'archon', 'operators'] as const
export type EscalationTarget = typeof ESCALATION_TARGETS[number]

/** What a detection is; the supervisor builds these. */
export interface Detection {
  class: FailureClass
  /** The condition, one of CONDITIONS[class], e.g. `exit` for an agent, `violation` for ethics. */
  condition: string
  severity: Severity
  /** The agent concerned, for the agent and ethics classes. */
  agent?: { name: string, critical: boolean, essential: boolean }
  /** How many of these in the current window: ethics violations, or restarts. */
  count?: number
}

/** When a rule applies. Every field given must match; an omitted field matches anything. */
export interface RuleWhen {
  /** A condition, a list of them, or `*` for any condition of the rule's class. */
  condition: string | string[]
  severity?: Severity | Severity[]
  /** The detection's `count` (0 if absent) is at least this. */
  minCount?: number
  /** The agent's name, exactly or as a glob (`*` any run of characters, `?` one). A detection without an agent never matches. */
  agent?: string
  critical?: boolean
  essential?: boolean
}

export interface PolicyRule {
  class: FailureClass
  when: RuleWhen
  /** Carried out in this order; never empty. */
  actions: Action[]
  /** Who `escalate` goes to; only with the `escalate` action. @default 'junzi' for ethics, else 'archon' */
  escalateTo?: EscalationTarget
}

export interface EthicsPolicy {
  /** This many violations by one agent within `windowMs` and it is quarantined, whatever their severity. @default 3 */
  violationsToQuarantine: number
  /** The window the supervisor counts violations in (Detection.count). @default 600000 (10 min) */
  windowMs: number
}

/** A validated policy, defaults filled in (parsePolicy's result). */
export interface Policy {
  version: 1
  /** The user's rules, tried in order before the built-in ones. */
  rules: PolicyRule[]
  ethics: EthicsPolicy
  /**
   * What `safe-mode` does to the agent. `pause` keeps its state for the investigation and is
   * the default: when the ethics filter itself has failed we cannot tell what the agent is
   * doing, so it must stop acting (fail closed). `stop` also frees its resources.
   */
  safeMode: 'pause' | 'stop'
}

export const ETHICS_DEFAULTS: Readonly<EthicsPolicy> = Object.freeze({ violationsToQuarantine: 3, windowMs: 600_000 })

/** The policy without a file: no user rules, so the built-in rules decide everything. */
export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  version: 1,
  rules: Object.freeze([]) as unknown as PolicyRule[],
  ethics: ETHICS_DEFAULTS,
  safeMode: 'pause'
})

/** A built-in rule and its name in `Selection.rule` (`default:<name>`). */
export interface NamedRule extends PolicyRule { name: string }

/**
 * The built-in rules, tried after the user's, in this order. They depend on the policy only
 * through `ethics.violationsToQuarantine`.
 */
export function builtinRules (ethics: EthicsPolicy = ETHICS_DEFAULTS): NamedRule[] {
  return [
    { name: 'agent-exit', class: 'agent', when: { condition: 'exit' }, actions: ['restart', 'record'] },
    { name: 'agent-probe-failed', class: 'agent', when: { condition: ['liveness-failed', 'startup-failed', 'unresponsive'] }, actions: ['restart', 'record'] },
    // Not ready is not dead: a restart would lose a warm-up in progress.
    { name: 'agent-readiness-failed', class: 'agent', when: { condition: 'readiness-failed' }, actions: ['take-out-of-service', 'record'] },
    { name: 'agent-intensity-exceeded', class: 'agent', when: { condition: 'intensity-exceeded' }, actions: ['fail', 'escalate'], escalateTo: 'archon' },
    { name: 'agent-memory-limit', class: 'agent', when: { condition: 'memory-limit' }, actions: ['restart', 'record'] },
    { name: 'agent-error-spike', class: 'agent', when: { condition: 'error-spike' }, actions: ['record', 'escalate'], escalateTo: 'archon' },
    // Before the count rule, so that a critical violation names the reason it was quarantined.
    { name: 'ethics-critical', class: 'ethics', when: { condition: 'violation', severity: 'critical' }, actions: ['quarantine', 'escalate'], escalateTo: 'junzi' },
    { name: 'ethics-repeated', class: 'ethics', when: { condition: 'violation', minCount: ethics.violationsToQuarantine }, actions: ['quarantine', 'escalate'], escalateTo: 'junzi' },
    { name: 'ethics-violation', class: 'ethics', when: { condition: 'violation' }, actions: ['record'] },
    { name: 'ethics-filter-error', class: 'ethics', when: { condition: 'filter-error' }, actions: ['safe-mode', 'escalate'], escalateTo: 'junzi' },
    { name: 'resource-saturation', class: 'resource', when: { condition: 'saturation' }, actions: ['degrade', 'shed', 'record'] },
    { name: 'node-mode-minimal', class: 'node', when: { condition: 'mode-minimal' }, actions: ['record', 'escalate'], escalateTo: 'archon' }
  ]
}

/** The number of built-in rules (for `kos policy check`), the fallback not counted. */
export const BUILTIN_RULE_COUNT = builtinRules().length

/** The choice for one detection. */
export interface Selection {
  /** Non-empty, in order. */
  actions: Action[]
  /** Set exactly when `actions` includes `escalate`. */
  escalateTo?: EscalationTarget
  /** Which rule matched: `rules[2]` (the user's, 0-based) or `default:<name>`, or `default:fallback`. */
  rule: string
}

/** Where `escalate` goes when a rule does not say: ethics to the Junzi, operations to the Archon. */
export function defaultEscalationTarget (failureClass: FailureClass): EscalationTarget {
  return failureClass === 'ethics' ? 'junzi' : 'archon'
}

const FALLBACK: Selection = Object.freeze({ actions: ['record'] as Action[], rule: 'default:fallback' })

/**
 * The actions for a detection: the first of the policy's rules that matches, else the first
 * built-in rule that matches, else `record`. Pure.
 */
export function selectActions (policy: Policy, detection: Detection): Selection {
  const userIndex = policy.rules.findIndex((rule) => ruleMatches(rule, detection))
  if (userIndex >= 0) return selection(policy.rules[userIndex] as PolicyRule, `rules[${userIndex}]`, detection)
  const builtin = builtinRules(policy.ethics).find((rule) => ruleMatches(rule, detection))
  if (builtin !== undefined) return selection(builtin, `default:${builtin.name}`, detection)
  return { actions: [...FALLBACK.actions], rule: FALLBACK.rule }
}

function selection (rule: PolicyRule, name: string, detection: Detection): Selection {
  const actions = [...rule.actions]
  if (!actions.includes('escalate')) return { actions, rule: name }
  return { actions, escalateTo: rule.escalateTo ?? defaultEscalationTarget(detection.class), rule: name }
}

/** Whether `rule` applies to `detection`: the class and every field of `when` given. */
export function ruleMatches (rule: PolicyRule, detection: Detection): boolean {
  if (rule.class !== detection.class) return false
  const when = rule.when
  const conditions = typeof when.condition === 'string' ? [when.condition] : when.condition
  if (!conditions.includes('*') && !conditions.includes(detection.condition)) return false
  if (when.severity !== undefined) {
    const severities = typeof when.severity === 'string' ? [when.severity] : when.severity
    if (!severities.includes(detection.severity)) return false
  }
  if (when.minCount !== undefined && (detection.count ?? 0) < when.minCount) return false
  const agentFields = when.agent !== undefined || when.critical !== undefined || when.essential !== undefined
  if (agentFields) {
    const agent = detection.agent
    if (agent === undefined) return false
    if (when.agent !== undefined && !globMatches(when.agent, agent.name)) return false
    if (when.critical !== undefined && agent.critical !== when.critical) return false
    if (when.essential !== undefined && agent.essential !== when.essential) return false
  }
  return true
}

/** Shell-style glob on a whole name: `*` any run of characters (none included), `?` exactly one; no classes. */
export function globMatches (pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${source}$`, 's').test(name)
}
