/**
 * One run: a scenario, N nodes, a seed, a length. Builds the world with the membership and
 * election cores, the observers (trace, metrics, checkers), lets the scenario schedule its
 * faults, runs, and returns the summary (everything in it is a function of the options: two runs
 * of one seed give equal summaries) and the violations. Wall time is measured apart.
 */
import { CHECKER_DEFAULTS, Checkers, TraceRing, type CheckerOptions, type Violation } from './checkers.js'
import type { CoreFactory } from './core-adapter.js'
import { electionFactory } from './election-adapter.js'
import { membershipFactory } from './membership-adapter.js'
import { Metrics, type MetricsSummary } from './metrics.js'
import { SCENARIOS } from './scenarios.js'
import { Simulation, type Fault } from './simulation.js'
import { profileTimings } from './timings.js'
import { TraceRecorder } from './trace-recorder.js'
import { WorldView } from './world-view.js'

export interface RunOptions {
  scenario: string
  nodes: number
  seconds: number
  seed: number
  /** The node profile whose timings the cores run with. @default 'lan' */
  profile?: string
  checkers?: Partial<CheckerOptions>
  /** Synced write of term and vote, ms. @default 2 */
  fsyncMs?: number
  /** Each node's wall clock is off by a seeded amount in [-maxSkewMs, maxSkewMs]. @default 0 */
  maxSkewMs?: number
  /** Extra cores (the audit replication core, later): built after membership and election. */
  extraCores?: CoreFactory[]
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
}

export interface RunResult {
  summary: RunSummary
  violations: Violation[]
  wallMs: number
  /** The command that replays this run. */
  replay: string
}

export function replayCommand (o: Pick<RunOptions, 'scenario' | 'nodes' | 'seconds' | 'seed' | 'profile' | 'maxSkewMs'>): string {
  const profile = o.profile !== undefined && o.profile !== 'lan' ? ` --profile ${o.profile}` : ''
  const skew = o.maxSkewMs !== undefined && o.maxSkewMs > 0 ? ` --max-skew-ms ${o.maxSkewMs}` : ''
  return `npm run sim -- --scenario ${o.scenario} --nodes ${o.nodes} --seconds ${o.seconds} --seed ${o.seed}${profile}${skew}`
}

export function runScenario (o: RunOptions): RunResult {
  const started = performance.now()
  const scenario = SCENARIOS[o.scenario]
  if (scenario === undefined) throw new RangeError(`unknown scenario ${o.scenario}`)
  const profile = o.profile ?? 'lan'
  const timings = profileTimings(profile)
  if (timings === undefined) throw new RangeError(`unknown profile ${profile}`)
  const checkerOptions = { ...CHECKER_DEFAULTS, ...o.checkers }
  const sim = new Simulation({
    nodes: o.nodes,
    seed: o.seed,
    factories: [membershipFactory(timings), electionFactory(timings, o.fsyncMs ?? 2), ...(o.extraCores ?? [])],
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
  sim.startWarm()
  const durationMs = o.seconds * 1000
  scenario.schedule({ sim, rng: sim.rng.fork('faults'), durationMs, deadWithinMs: checkerOptions.deadWithinMs })
  if (o.onProgress !== undefined) {
    const every = o.progressEveryMs ?? 10_000
    const report = (): void => { o.onProgress!(sim.now, performance.now() - started); sim.at(sim.now + every, report) }
    sim.at(every, report)
  }
  sim.run(durationMs)
  const summary: RunSummary = {
    scenario: o.scenario,
    seed: o.seed,
    nodes: o.nodes,
    seconds: o.seconds,
    profile,
    maxSkewMs: o.maxSkewMs ?? 0,
    faults,
    metrics: metrics.summary(o.seconds),
    violations: checkers.total,
    traceLines: sim.trace.lines,
    traceHash: sim.trace.digest()
  }
  return { summary, violations: checkers.violations, wallMs: Math.round(performance.now() - started), replay: replayCommand({ ...o, profile }) }
}
