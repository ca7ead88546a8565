/**
 * One run: a scenario, N nodes, a seed, a length. Builds the world with the membership and
 * election cores, the observers (trace, metrics, checkers), lets the scenario schedule its
 * faults, runs, and returns the summary (everything in it is a function of the options: two runs
 * of one seed give equal summaries) and the violations. Wall time is measured apart.
 *
 * With `audit`, the audit replication core runs too (audit-adapter.ts), which needs
 * `runScenarioAsync` (its store is async). The scenario runs its `seconds` with appends going
 * on; then the appends stop, any partition heals, and `auditQuietMs` more pass before the audit
 * invariants are checked (audit-checkers.ts): a final heal and a quiet period before the final
 * reads, so a check sees what the system converges to, not what was still in flight.
 */
import { AUDIT_WORKLOAD_DEFAULTS, auditFactory, type AuditStats, type AuditWorkload } from './audit-adapter.js'
import { AuditCheckers } from './audit-checkers.js'
import { PlacementCheckers, type PlacementCheckerOptions } from './placement-checkers.js'
import { CHECKER_DEFAULTS, Checkers, TraceRing, type CheckerOptions, type Violation } from './checkers.js'
import type { CoreFactory } from './core-adapter.js'
import { electionFactory } from './sim-election.js'
import { membershipFactory } from './sim-membership.js'
import { Metrics, type MetricsSummary } from './metrics.js'
import { SCENARIOS } from './scenarios.js'
import { Simulation, type Fault } from './simulation.js'
import { profileTimings, type SimTimings } from './timings.js'
import { TraceRecorder } from './trace-recorder.js'
import { WorldView } from './world-view.js'

export interface RunOptions {
  scenario: string
  nodes: number
  seconds: number
  seed: number
  /**
   * Monitors per member: k > 0 the bounded design (issue 17: heartbeats to k monitors on a ring,
   * health gossiped as deltas); 0 the design before it (heartbeats gossiped to every member,
   * each watching all). @default the profile's `monitorsPerMember` (the node's default)
   */
  monitors?: number
  /** The node profile whose timings the cores run with. @default 'lan' */
  profile?: string
  checkers?: Partial<CheckerOptions>
  /** Synced write of term and vote, ms. @default 2 */
  fsyncMs?: number
  /** Each node's wall clock is off by a seeded amount in [-maxSkewMs, maxSkewMs]. @default 0 */
  maxSkewMs?: number
  /** Extra cores: built after membership and election (and the audit core). */
  extraCores?: CoreFactory[]
  /** Runs the audit replication core with this workload (`true`: the defaults); runScenarioAsync only. */
  audit?: boolean | Partial<Omit<AuditWorkload, 'stopAtMs'>>
  /** With `audit`: quiet time after `seconds` (no appends, healed) before the audit check. @default 30000 */
  auditQuietMs?: number
  /**
   * Runs the service placement core for the coordinator, with these services, and checks its
   * invariants (placement-checkers.ts). @default none
   */
  placement?: PlacementCheckerOptions
  /** Called every `progressEveryMs` of virtual time (the CLI prints it); changes nothing in the run. */
  onProgress?: (simMs: number, wallMs: number) => void
  progressEveryMs?: number
}

export interface RunSummary {
  scenario: string
  seed: number
  nodes: number
  seconds: number
  profile: string
  maxSkewMs: number
  faults: { crashes: number, restarts: number, pauses: number, partitions: number }
  metrics: MetricsSummary
  violations: number
  traceLines: number
  /** SHA-256 of every trace line: equal for two runs of one seed. */
  traceHash: string
  /** With `audit`: what the audit core did, and the quiet time the check waited. */
  audit?: AuditStats & { quietMs: number }
}

export interface RunResult {
  summary: RunSummary
  violations: Violation[]
  wallMs: number
  /** The command that replays this run. */
  replay: string
}

export function replayCommand (o: Pick<RunOptions, 'scenario' | 'nodes' | 'seconds' | 'seed' | 'profile' | 'maxSkewMs' | 'monitors' | 'audit'>): string {
  const profile = o.profile !== undefined && o.profile !== 'lan' ? ` --profile ${o.profile}` : ''
  const skew = o.maxSkewMs !== undefined && o.maxSkewMs > 0 ? ` --max-skew-ms ${o.maxSkewMs}` : ''
  // A custom workload (a test's) has no flag; the replay of the CLI's runs is exact.
  const audit = o.audit !== undefined && o.audit !== false ? ' --audit' : ''
  const monitors = o.monitors !== undefined ? ` --monitors ${o.monitors}` : ''
  return `npm run sim -- --scenario ${o.scenario} --nodes ${o.nodes} --seconds ${o.seconds} --seed ${o.seed}${profile}${skew}${monitors}${audit}`
}

/** A run without the audit core: synchronous. */
export function runScenario (o: RunOptions): RunResult {
  if (o.audit !== undefined && o.audit !== false) throw new RangeError('the audit core runs on an async store: use runScenarioAsync')
  const run = prepare(o, [])
  run.sim.run(run.endMs)
  return finish(o, run)
}

/** Any run, the audit core's included. */
export async function runScenarioAsync (o: RunOptions): Promise<RunResult> {
  const withAudit = o.audit !== undefined && o.audit !== false
  if (!withAudit) return runScenario(o)
  const timings = timingsOf(o)
  const durationMs = o.seconds * 1000
  const ids = Simulation.idsFor(o.nodes)
  const workload = { ...AUDIT_WORKLOAD_DEFAULTS, ...(o.audit === true ? {} : o.audit), stopAtMs: durationMs }
  const audit = await auditFactory(ids, timings, workload)
  const quietMs = o.auditQuietMs ?? 30_000
  const run = prepare(o, [audit], quietMs)
  const checkers = new AuditCheckers(run.sim, run.checkers, audit.identities.simOf)
  run.sim.observe(checkers)
  run.sim.at(durationMs, () => { if (run.sim.net.isPartitioned) run.sim.heal() })
  run.sim.at(run.endMs, () => { checkers.check() })
  await run.sim.runAsync(run.endMs)
  const result = finish(o, run)
  result.summary.audit = { ...audit.stats, quietMs }
  return result
}

function timingsOf (o: RunOptions): SimTimings {
  const timings = profileTimings(o.profile ?? 'lan')
  if (timings === undefined) throw new RangeError(`unknown profile ${o.profile ?? 'lan'}`)
  return timings
}

interface Prepared {
  sim: Simulation
  metrics: Metrics
  checkers: Checkers
  faults: RunSummary['faults']
  started: number
  endMs: number
}

/** The world, its observers and the scenario's faults, ready to run until `endMs`. */
function prepare (o: RunOptions, cores: CoreFactory[], extraMs = 0): Prepared {
  const started = performance.now()
  const scenario = SCENARIOS[o.scenario]
  if (scenario === undefined) throw new RangeError(`unknown scenario ${o.scenario}`)
  const timings = timingsOf(o)
  const checkerOptions = { ...CHECKER_DEFAULTS, ...o.checkers }
  const sim = new Simulation({
    nodes: o.nodes,
    seed: o.seed,
    factories: [membershipFactory(timings, o.monitors ?? timings.monitorsPerMember), electionFactory(timings, o.fsyncMs ?? 2), ...cores, ...(o.extraCores ?? [])],
    network: scenario.network,
    maxSkewMs: o.maxSkewMs ?? 0
  })
  const ring = new TraceRing()
  sim.trace.tap = (line) => { ring.add(line) }
  const world = new WorldView(sim)
  const metrics = new Metrics(sim, world)
  const checkers = new Checkers(sim, world, metrics, ring, checkerOptions)
  const faults = { crashes: 0, restarts: 0, pauses: 0, partitions: 0 }
  sim.observe({
    onFault: (_at: number, f: Fault) => {
      if (f.type === 'crash') faults.crashes++
      else if (f.type === 'restart') faults.restarts++
      else if (f.type === 'pause') faults.pauses++
      else if (f.type === 'partition') faults.partitions++
    }
  })
  for (const obs of [world, new TraceRecorder(sim), metrics, checkers]) sim.observe(obs)
  if (o.placement !== undefined) sim.observe(new PlacementCheckers(sim, checkers, o.placement))
  sim.startWarm()
  const durationMs = o.seconds * 1000
  scenario.schedule({ sim, rng: sim.rng.fork('faults'), durationMs, deadWithinMs: checkerOptions.deadWithinMs })
  if (o.onProgress !== undefined) {
    const every = o.progressEveryMs ?? 10_000
    const report = (): void => { o.onProgress!(sim.now, performance.now() - started); sim.at(sim.now + every, report) }
    sim.at(every, report)
  }
  return { sim, metrics, checkers, faults, started, endMs: durationMs + extraMs }
}

function finish (o: RunOptions, run: Prepared): RunResult {
  const { sim, metrics, checkers } = run
  const profile = o.profile ?? 'lan'
  const summary: RunSummary = {
    scenario: o.scenario,
    seed: o.seed,
    nodes: o.nodes,
    seconds: o.seconds,
    profile,
    maxSkewMs: o.maxSkewMs ?? 0,
    faults: run.faults,
    metrics: metrics.summary(run.endMs / 1000),
    violations: checkers.total,
    traceLines: sim.trace.lines,
    traceHash: sim.trace.digest()
  }
  return { summary, violations: checkers.violations, wallMs: Math.round(performance.now() - run.started), replay: replayCommand({ ...o, profile }) }
}
