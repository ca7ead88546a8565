/**
 * Self-healing cores (issue 6): pure state machines and functions, each with an injected clock,
 * that the agent supervisor and the resource monitor will drive. Not wired into the node yet.
 */
export { RestartPolicy, RESTART_POLICY_DEFAULTS, backoffDelay, withJitter, type RestartPolicyKind, type RestartPolicyInit, type RestartPolicyComponents, type RestartDecision, type SupervisedState, type ExitRecord } from './restart-policy.js'
export { ProbeState, PROBE_DEFAULTS, type ProbeKind, type ProbeOutcome, type ProbeTiming, type ProbeSet, type ProbeTransition, type ProbeRun } from './probe-state.js'
export { ErrorSpikeDetector, ERROR_SPIKE_DEFAULTS, spikeThreshold, isSpikeRate, alphaForHalfLife, ewma, type SpikeRule, type ErrorSpikeInit, type ErrorSpikeChange } from './error-spike.js'
export { ServiceModeMachine, SERVICE_MODE_THRESHOLDS, resourceLevel, type ServiceMode, type ResourceName, type ResourceSample, type Band, type ResourceThresholds, type ServiceModeInit, type ModeChange } from './service-mode.js'
export { FAILURE_CLASSES, CONDITIONS, SEVERITIES, ACTIONS, ESCALATION_TARGETS, ETHICS_DEFAULTS, DEFAULT_POLICY, BUILTIN_RULE_COUNT, builtinRules, selectActions, ruleMatches, globMatches, defaultEscalationTarget, type FailureClass, type Severity, type Action, type EscalationTarget, type Detection, type RuleWhen, type PolicyRule, type NamedRule, type EthicsPolicy, type Policy, type Selection } from './policy.js'
export { parsePolicy, loadPolicyFile, policySchema, PolicyError, formatProblem, formatPath, type PolicyProblem } from './policy-file.js'
