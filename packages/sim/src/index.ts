/**
 * @packageDocumentation
 *
 * `@kos/sim`: the deterministic simulator of kOS mesh. The node's pure cores (the phi-accrual
 * detector inside membership, membership, coordinator election) run for N nodes on a virtual
 * clock, over a simulated network with per-link latency, loss, duplication, reordering and the
 * usual partition shapes (isolate, majority/minority, ring, bridge), under crashes, restarts and
 * pauses. One seed is one run.
 *
 * ```ts
 * const { summary, violations } = runScenario({ scenario: 'churn', nodes: 20, seconds: 120, seed: 7 })
 * ```
 *
 * A new core plugs in through a `CoreFactory` (see `core-adapter.ts`), passed as `extraCores`.
 * The audit log's replication core runs with `audit: true`, through `runScenarioAsync` (its
 * store is async; the simulator settles it between events, see `Simulation.runAsync`).
 */
export { runScenario, runScenarioAsync, replayCommand, type RunOptions, type RunResult, type RunSummary } from './run.js'
export { AUDIT_WORKLOAD_DEFAULTS, type AuditStats, type AuditWorkload } from './audit-adapter.js'
export { SCENARIOS, SCENARIO_NAMES, type Scenario, type ScenarioContext } from './scenarios.js'
export type { CoreAdapter, CoreFactory, CoreEvent, NodeHost, ProcessStart } from './core-adapter.js'
export type { Violation, CheckerOptions } from './checkers.js'
export { CHECKER_DEFAULTS } from './checkers.js'
export { Simulation, type Observer, type Fault, type SimulationOptions } from './simulation.js'
export { Network, NETWORK_DEFAULTS, type NetworkOptions } from './network.js'
export { EventQueue } from './event-queue.js'
export { createRng, type Rng } from './random.js'
export { bridge, fullyConnected, isolate, linkedIn, majorityMinority, ring, type Partition } from './partitions.js'
export { formatReport } from './report.js'
