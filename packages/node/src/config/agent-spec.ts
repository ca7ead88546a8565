/**
 * What an agent is (issue 6): the definition a user writes in the node config (`agents: [...]`)
 * or POSTs to `/v1/agents`. One zod schema for both, so a definition is refused the same way
 * wherever it comes from, with the key named. Defaults are filled here; the supervisor reads only
 * parsed specs.
 */
import safeRegex from 'safe-regex2'
import { z } from 'zod'
import { PROBE_DEFAULTS } from '@kos/core'
import { RESTART_POLICY_DEFAULTS } from '@kos/core'

/** Agent names are ids in URLs, file names (logs, pid files) and audit subjects. */
export const AGENT_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/

const ms = (min: number, max: number): z.ZodNumber => z.number().int().min(min).max(max)
const ENV_NAME = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name')

/** An http probe's URL; a service's may hold `${PORT}` (services/service-spec.ts). */
const httpProbeUrl = z.string().url().refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL')

/**
 * One health probe (semantics in @kos/core healing/probe-state.ts). Exactly one of `http` (a GET
 * that must answer 2xx/3xx), `tcp` (a port on 127.0.0.1 that must accept) or `exec` (a command that
 * must exit 0). `http` is the URL's schema: an agent's must be a URL as it stands, a service
 * instance's is a template with `${PORT}`.
 */
export function probeSchemaWith (http: z.ZodType<string>) {
  return z.object({
    http: http.optional(),
    tcp: z.number().int().min(1).max(65535).optional(),
    exec: z.array(z.string().min(1)).min(1).max(64).optional(),
    /** Startup grace: wait this long after the process starts before the first run. */
    initialDelayMs: ms(0, 3_600_000).default(PROBE_DEFAULTS.initialDelayMs),
    /** The interval between runs: 10 s by default, cheap for the agent and quick enough to notice. */
    periodMs: ms(20, 3_600_000).default(PROBE_DEFAULTS.periodMs),
    timeoutMs: ms(10, 600_000).default(PROBE_DEFAULTS.timeoutMs),
    failureThreshold: z.number().int().min(1).max(1000).default(PROBE_DEFAULTS.failureThreshold),
    successThreshold: z.number().int().min(1).max(1000).default(PROBE_DEFAULTS.successThreshold)
  }).strict().refine((p) => [p.http, p.tcp, p.exec].filter((x) => x !== undefined).length === 1, 'give exactly one of http, tcp or exec')
}

export const probeSpecSchema = probeSchemaWith(httpProbeUrl)

export const restartSpecSchema = z.object({
  policy: z.enum(['always', 'on-failure', 'never']).default(RESTART_POLICY_DEFAULTS.policy),
  initialBackoffMs: ms(0, 3_600_000).default(RESTART_POLICY_DEFAULTS.initialBackoffMs),
  backoffMultiplier: z.number().min(1).max(10).default(RESTART_POLICY_DEFAULTS.backoffMultiplier),
  maxBackoffMs: ms(0, 86_400_000).default(RESTART_POLICY_DEFAULTS.maxBackoffMs),
  jitter: z.number().min(0).max(1).default(RESTART_POLICY_DEFAULTS.jitter),
  resetAfterHealthyMs: ms(0, 86_400_000).default(RESTART_POLICY_DEFAULTS.resetAfterHealthyMs),
  maxRestarts: z.number().int().min(0).max(10_000).default(RESTART_POLICY_DEFAULTS.maxRestarts),
  intensityWindowMs: ms(1, 86_400_000).default(RESTART_POLICY_DEFAULTS.intensityWindowMs)
}).strict()

/**
 * The fields of an agent definition, with `probe` as the schema of its probes: an agent's and a
 * service's (services/service-spec.ts) differ only there.
 */
export function agentShape<P extends z.ZodType> (probe: P) {
  return {
    name: z.string().regex(AGENT_NAME, 'lowercase letters, digits and . _ -, up to 63, starting with a letter or digit'),
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(65_536)).max(256).default([]),
    /** The agent's environment besides its KOS_API, KOS_AGENT_ID and KOS_TOKEN (agent-environment.ts). */
    env: z.record(ENV_NAME, z.string().max(65_536)).default({}),
    /** Names of the node's environment variables the agent also gets; nothing else of it is passed on. */
    inheritEnv: z.array(ENV_NAME).max(64).default(['PATH']),
    /** Working directory; absent, a directory of its own, `<data>/agents/<name>/work`. */
    cwd: z.string().min(1).max(4096).optional(),
    /** Critical agents keep running in `minimal` mode (with membership); everything else stops there. */
    critical: z.boolean().default(false),
    /**
     * Essential agents keep running in `degraded` mode; non-essential ones are paused there. Off by
     * default: an agent is sheddable unless marked otherwise, because shedding is the point.
     */
    essential: z.boolean().default(false),
    liveness: probe.optional(),
    readiness: probe.optional(),
    startup: probe.optional(),
    restart: restartSpecSchema.default(() => restartSpecSchema.parse({})),
    limits: z.object({
      /** Enforced by a memory cgroup where the machine allows one, else by RSS polling and a kill. */
      memoryMb: z.number().int().min(1).max(1_048_576).optional(),
      /** Enforced only through a CPU cgroup; where there is none it is reported as not enforced. */
      cpuPercent: z.number().int().min(1).max(100_000).optional()
    }).strict().default({}),
    /**
     * A stderr line matching this (case-sensitive JavaScript regex) counts as an error for the
     * error-rate spike detector. The default catches the usual log levels and Node's crash banners.
     */
    errorPattern: z.string().max(512)
      .refine((s) => { try { void new RegExp(s); return true } catch { return false } }, 'not a valid regular expression')
      // Every stderr line is matched on the node's event loop: a pattern that can backtrack
      // exponentially (nested quantifiers such as (a+)+) would let one log line stall the node.
      .refine((s) => safeRegex(s), 'may backtrack catastrophically (nested or overlapping quantifiers); simplify it')
      .default('\\b(ERROR|FATAL|CRITICAL|panic)\\b|Uncaught'),
    /** On an ethics `filter_error` the agent fails closed: paused or stopped; absent, the policy's `safeMode` (pause). */
    safeMode: z.enum(['pause', 'stop']).optional(),
    /** SIGTERM, then SIGKILL to the process group after this long: 5 s, since agents here are small and quick to stop. */
    stopGraceMs: ms(0, 600_000).default(5000)
  }
}

export const agentSpecSchema = z.object(agentShape(probeSpecSchema)).strict()

export type AgentSpecInput = z.input<typeof agentSpecSchema>
export type AgentSpec = z.output<typeof agentSpecSchema>
export type ProbeSpec = z.output<typeof probeSpecSchema>
