/**
 * Self-healing (issue 6): pure state machines and functions, each with an injected clock, that
 * the agent supervisor and the resource monitor drive; and the resource monitor, the I/O shell
 * that samples the host and feeds the service mode and the saturation alerts.
 */
export { RestartPolicy, RESTART_POLICY_DEFAULTS, backoffDelay, withJitter, type RestartPolicyKind, type RestartPolicyInit, type RestartPolicyComponents, type RestartDecision, type SupervisedState, type ExitRecord } from './restart-policy.js'
export { ProbeState, PROBE_DEFAULTS, type ProbeKind, type ProbeOutcome, type ProbeTiming, type ProbeSet, type ProbeTransition, type ProbeRun } from './probe-state.js'
export { ErrorSpikeDetector, ERROR_SPIKE_DEFAULTS, spikeThreshold, isSpikeRate, alphaForHalfLife, ewma, type SpikeRule, type ErrorSpikeInit, type ErrorSpikeChange } from './error-spike.js'
export { ServiceModeMachine, SERVICE_MODE_THRESHOLDS, DEFAULT_RECOVER_AFTER_MS, resourceLevel, worseMode, type ServiceMode, type ResourceName, type ResourceSample, type Band, type ResourceThresholds, type ServiceModeInit, type ModeChange } from './service-mode.js'
export { SaturationAlerts, isSaturated, type SaturationAlert, type SaturationState } from './saturation-alerts.js'
export { machineBusy, ownCpuPercent } from './machine-cpu.js'
export { ResourceMonitor, realIntervalTimer, resourceThresholds, tickLatenessMs, type IntervalTimer, type ResourceDetail, type ResourceMonitorCallbacks, type ResourceMonitorComponents, type ResourceSnapshot, type ResourcesConfig } from './resource-monitor.js'
export { systemSamplers, sumNetDev, type CpuReading, type ResourceSamplers, type SystemSamplersInit } from './resource-samplers.js'
export { induceEventLoopPressure, type EventLoopPressure } from './pressure.js'
export { FAILURE_CLASSES, CONDITIONS, SEVERITIES, ACTIONS, ESCALATION_TARGETS, ETHICS_DEFAULTS, DEFAULT_POLICY, BUILTIN_RULE_COUNT, builtinRules, selectActions, ruleMatches, globMatches, defaultEscalationTarget, type FailureClass, type Severity, type Action, type EscalationTarget, type Detection, type RuleWhen, type PolicyRule, type NamedRule, type EthicsPolicy, type Policy, type Selection } from './policy.js'
export { parsePolicy, loadPolicyFile, policySchema, PolicyError, formatProblem, formatPath, type PolicyProblem } from './policy-file.js'
