/**
 * `npm run sim`: one run, its report, exit 0 (invariants held), 1 (violations) or 2 (bad flags).
 * The only place, with the sweep's bin, that calls process.exit.
 */
import { parseSimArgs, SIM_USAGE, UsageError } from '../cli-args.js'
import { formatReport } from '../report.js'
import { runScenario } from '../run.js'

function main (argv: string[]): number {
  let args
  try {
    args = parseSimArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`sim: ${err.message}\n${SIM_USAGE}\n`)
    return 2
  }
  if (args.help) { process.stdout.write(`${SIM_USAGE}\n`); return 0 }
  const result = runScenario(args)
  process.stdout.write(args.json ? `${JSON.stringify({ ...result }, null, 2)}\n` : `${formatReport(result)}\n`)
  return result.summary.violations === 0 ? 0 : 1
}

process.exitCode = main(process.argv.slice(2))
