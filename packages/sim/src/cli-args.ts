/**
 * Flags of `npm run sim` and `npm run sim:sweep`, validated at the edge: a bad flag or value is
 * a `UsageError` naming the flag (the bin prints it and exits 2).
 */
import { parseArgs } from 'node:util'
import { PROFILE_NAMES } from './timings.js'
import { SCENARIO_NAMES } from './scenarios.js'

/** A day: wider skews say nothing more, and the skews fit an Int32Array. */
const MAX_SKEW_MS = 86_400_000

export class UsageError extends Error {
  override name = 'UsageError'
}

function int (flag: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`--${flag}: expected an integer, got "${raw}"`)
  const v = Number(raw)
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`--${flag}: must be between ${min} and ${max}, got ${raw}`)
  return v
}

function scenario (flag: string, name: string): string {
  if (!SCENARIO_NAMES.includes(name)) throw new UsageError(`--${flag}: unknown scenario "${name}" (one of ${SCENARIO_NAMES.join(', ')})`)
  return name
}

function profile (raw: string | undefined): string {
  const p = raw ?? 'lan'
  if (!PROFILE_NAMES.includes(p)) throw new UsageError(`--profile: unknown profile "${p}" (one of ${PROFILE_NAMES.join(', ')})`)
  return p
}

function parse (argv: string[], options: Record<string, { type: 'string' | 'boolean' }>): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/**
 * The audit core signs and verifies real Ed25519 entries and every node stores every entry: the
 * cost grows with N², so beyond this a run takes minutes for nothing the small runs do not show.
 */
export const MAX_AUDIT_NODES = 50

function auditNodes (audit: boolean, nodes: number): void {
  if (audit && nodes > MAX_AUDIT_NODES) throw new UsageError(`--audit: at most ${MAX_AUDIT_NODES} nodes (every node verifies every entry), got ${nodes}`)
}

export interface SimArgs { scenario: string, nodes: number, seconds: number, seed: number, profile: string, maxSkewMs: number, monitors: number | undefined, audit: boolean, json: boolean, progress: boolean, help: boolean }

export function parseSimArgs (argv: string[]): SimArgs {
  const v = parse(argv, {
    scenario: { type: 'string' }, nodes: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' },
    profile: { type: 'string' }, 'max-skew-ms': { type: 'string' }, monitors: { type: 'string' }, audit: { type: 'boolean' }, json: { type: 'boolean' }, progress: { type: 'boolean' }, help: { type: 'boolean' }
  })
  const nodes = int('nodes', v.nodes as string | undefined, 20, 1, 10_000)
  const sc = scenario('scenario', (v.scenario as string | undefined) ?? 'steady')
  if (nodes < 5 && (sc === 'ring')) throw new UsageError('--nodes: the ring scenario needs at least 5 nodes')
  if (nodes < 3 && (sc === 'bridge' || sc === 'partition')) throw new UsageError(`--nodes: the ${sc} scenario needs at least 3 nodes`)
  auditNodes(v.audit === true, nodes)
  return {
    scenario: sc,
    nodes,
    seconds: int('seconds', v.seconds as string | undefined, 120, 30, 86_400),
    seed: int('seed', v.seed as string | undefined, 1, 0, 2 ** 32 - 1),
    profile: profile(v.profile as string | undefined),
    maxSkewMs: int('max-skew-ms', v['max-skew-ms'] as string | undefined, 0, 0, MAX_SKEW_MS),
    monitors: v.monitors === undefined ? undefined : int('monitors', v.monitors as string, 0, 0, 64),
    audit: v.audit === true,
    json: v.json === true,
    progress: v.progress === true,
    help: v.help === true
  }
}

export interface SweepArgs { scenarios: string[], seeds: number, firstSeed: number, nodes: number, seconds: number, profile: string, maxSkewMs: number, audit: boolean, json: boolean, help: boolean }

export function parseSweepArgs (argv: string[]): SweepArgs {
  const v = parse(argv, {
    scenarios: { type: 'string' }, seeds: { type: 'string' }, 'first-seed': { type: 'string' }, nodes: { type: 'string' },
    seconds: { type: 'string' }, profile: { type: 'string' }, 'max-skew-ms': { type: 'string' }, audit: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' }
  })
  const scenarios = ((v.scenarios as string | undefined) ?? SCENARIO_NAMES.join(',')).split(',').filter((s) => s !== '').map((s) => scenario('scenarios', s))
  if (scenarios.length === 0) throw new UsageError('--scenarios: name at least one scenario')
  const nodes = int('nodes', v.nodes as string | undefined, 7, 5, 1000)
  auditNodes(v.audit === true, nodes)
  return {
    scenarios,
    seeds: int('seeds', v.seeds as string | undefined, 100, 1, 1_000_000),
    firstSeed: int('first-seed', v['first-seed'] as string | undefined, 1, 0, 2 ** 32 - 1),
    nodes,
    seconds: int('seconds', v.seconds as string | undefined, 60, 30, 86_400),
    profile: profile(v.profile as string | undefined),
    maxSkewMs: int('max-skew-ms', v['max-skew-ms'] as string | undefined, 0, 0, MAX_SKEW_MS),
    audit: v.audit === true,
    json: v.json === true,
    help: v.help === true
  }
}

export const SIM_USAGE = `usage: npm run sim -- [--scenario ${SCENARIO_NAMES.join('|')}] [--nodes N] [--seconds S] [--seed K] [--profile lan|tolerant] [--max-skew-ms MS] [--monitors K] [--audit] [--json] [--progress]
  Runs one deterministic simulation and prints the report (--json: the summary and violations as JSON;
  --progress: simulated vs wall time on stderr every 10 simulated seconds; --max-skew-ms: each node's
  wall clock is off by a seeded amount up to ±MS, default 0; --monitors K: the bounded heartbeat design,
  each member watched by K monitors on a ring (default: the profile's monitorsPerMember, 5; 0: every member watches every member); --audit: the audit log's replication
  runs too, with appends on every node, then 30 s of quiet and the audit invariants, at most ${MAX_AUDIT_NODES} nodes).
  Exit codes: 0 all invariants held, 1 a violation (printed with its replay command), 2 a bad flag.`

export const SWEEP_USAGE = `usage: npm run sim:sweep -- [--scenarios a,b,…] [--seeds 100] [--first-seed 1] [--nodes 7] [--seconds 60] [--profile lan] [--max-skew-ms 0] [--audit] [--json]
  Runs every scenario for every seed and lists the runs that broke an invariant, with their replay commands.`
