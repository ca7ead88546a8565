/**
 * `npm run sim:sweep`: every scenario × every seed at small N; prints one line per run that broke
 * an invariant (with its replay command) and a total. Exit 1 if any did, 2 on a bad flag.
 */
import { parseSweepArgs, SWEEP_USAGE, UsageError } from '../cli-args.js'
import { runScenarioAsync, type RunResult } from '../run.js'

async function main (argv: string[]): Promise<number> {
  let args
  try {
    args = parseSweepArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`sim:sweep: ${err.message}\n${SWEEP_USAGE}\n`)
    return 2
  }
  if (args.help) { process.stdout.write(`${SWEEP_USAGE}\n`); return 0 }
  const started = performance.now()
  const failed: RunResult[] = []
  let runs = 0
  for (const scenario of args.scenarios) {
    let bad = 0
    for (let seed = args.firstSeed; seed < args.firstSeed + args.seeds; seed++) {
      const r = await runScenarioAsync({ scenario, seed, nodes: args.nodes, seconds: args.seconds, profile: args.profile, maxSkewMs: args.maxSkewMs, audit: args.audit })
      runs++
      if (r.summary.violations > 0) {
        bad++
        failed.push(r)
        const v = r.violations[0]!
        process.stdout.write(`FAIL ${scenario} seed ${seed}: ${v.invariant} at ${(v.atMs / 1000).toFixed(3)} s: ${v.detail.slice(0, 200)}\n  replay: ${r.replay}\n`)
      }
    }
    process.stdout.write(`${scenario}: ${args.seeds - bad}/${args.seeds} seeds held every invariant\n`)
  }
  const wall = ((performance.now() - started) / 1000).toFixed(1)
  if (args.json) process.stdout.write(`${JSON.stringify({ runs, failed: failed.map((r) => ({ summary: r.summary, violations: r.violations, replay: r.replay })) }, null, 2)}\n`)
  process.stdout.write(`${runs} runs (${args.scenarios.length} scenarios × ${args.seeds} seeds, ${args.nodes} nodes, ${args.seconds} s${args.audit ? ', audit' : ''}) in ${wall} s: ${failed.length} with violations\n`)
  return failed.length === 0 ? 0 : 1
}

process.exitCode = await main(process.argv.slice(2))
