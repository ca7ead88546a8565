/**
 * `npm run sim`: one run, its report, exit 0 (invariants held), 1 (violations) or 2 (bad flags).
 * The only place, with the sweep's bin, that calls process.exit.
 */
import { parseSimArgs, SIM_USAGE, UsageError } from '../cli-args.js'
import { formatReport } from '../report.js'
import { runScenarioAsync } from '../run.js'

async function main (argv: string[]): Promise<number> {
  let args
  try {
    args = parseSimArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`sim: ${err.message}\n${SIM_USAGE}\n`)
    return 2
  }
  if (args.help) { process.stdout.write(`${SIM_USAGE}\n`); return 0 }
  const progress = args.progress
    ? (simMs: number, wallMs: number) => {
        const heap = process.memoryUsage().heapUsed / 2 ** 20
        process.stderr.write(`sim: ${(simMs / 1000).toFixed(0)} s simulated in ${(wallMs / 1000).toFixed(1)} s wall (${(simMs / Math.max(1, wallMs)).toFixed(2)}× real time), heap ${heap.toFixed(0)} MiB\n`)
      }
    : undefined
  const result = await runScenarioAsync({ ...args, onProgress: progress })
  process.stdout.write(args.json ? `${JSON.stringify({ ...result }, null, 2)}\n` : `${formatReport(result)}\n`)
  return result.summary.violations === 0 ? 0 : 1
}

process.exitCode = await main(process.argv.slice(2))
