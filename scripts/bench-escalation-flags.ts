/**
 * The flags of the escalation benchmark (bench-escalation.ts): parsed and checked once, with a
 * usage line on error (exit code 2), and written back as the command that reproduces a run,
 * which the report prints beside its numbers.
 */
import { parseArgs } from 'node:util'

export const PHASES = ['latency', 'failover', 'frozen', 'lost'] as const
export type Phase = typeof PHASES[number]

export interface EscalationBenchFlags {
  /** Latency: escalations POSTed one at a time. */
  escalations: number
  /** Latency: ms between two of them. */
  interval: number
  /** Failover: SIGKILLs of j1 (phase failover), and SIGSTOPs of j1 (phase frozen). */
  trials: number
  /** Nothing lost: acknowledged escalations to POST while the sender is killed. */
  runEscalations: number
  /** Nothing lost: SIGKILLs of the sender, spread over the run. */
  kills: number
  phases: Phase[]
  /** Where to write the raw numbers as JSON. */
  json: string | undefined
}

function usageError (message: string): never {
  process.stderr.write(`bench-escalation: ${message}\n`)
  process.stderr.write('usage: npm run bench:escalation -- [--escalations 50] [--interval 100] [--trials 5] [--run-escalations 120] [--kills 5] [--phases latency,failover,frozen,lost] [--json path]\n')
  process.exit(2)
}

export function parseFlags (): EscalationBenchFlags {
  let values
  try {
    values = parseArgs({
      options: {
        escalations: { type: 'string', default: '50' },
        interval: { type: 'string', default: '100' },
        trials: { type: 'string', default: '5' },
        'run-escalations': { type: 'string', default: '120' },
        kills: { type: 'string', default: '5' },
        phases: { type: 'string', default: PHASES.join(',') },
        json: { type: 'string' }
      },
      strict: true,
      allowPositionals: false
    }).values
  } catch (err) {
    usageError((err as Error).message)
  }
  const int = (flag: string, value: string, min: number, max: number): number => {
    const n = Number(value)
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) usageError(`--${flag}: an integer from ${min} to ${max}, got '${value}'`)
    return n
  }
  const escalations = int('escalations', values.escalations, 1, 100_000)
  const interval = int('interval', values.interval, 0, 60_000)
  const trials = int('trials', values.trials, 1, 1000)
  const runEscalations = int('run-escalations', values['run-escalations'], 1, 100_000)
  const kills = int('kills', values.kills, 0, 1000)
  if (kills >= runEscalations) usageError(`--kills: must be fewer than --run-escalations (${runEscalations}), got ${kills}`)
  const phases = values.phases.split(',').filter((x) => x !== '')
  const unknown = phases.filter((p) => !(PHASES as readonly string[]).includes(p))
  if (phases.length === 0 || unknown.length > 0) usageError(`--phases: a comma-separated subset of ${PHASES.join(',')}, got '${values.phases}'`)
  if (values.json === '') usageError('--json: a file path, got an empty string')
  return { escalations, interval, trials, runEscalations, kills, phases: [...new Set(phases)] as Phase[], json: values.json }
}

/** The command that runs the benchmark with these flags (the phases' own flags only). */
export function benchCommand (flags: EscalationBenchFlags): string {
  const defaultPhases = flags.phases.length === PHASES.length
  return 'npm run bench:escalation --' +
    (flags.phases.includes('latency') ? ` --escalations ${flags.escalations} --interval ${flags.interval}` : '') +
    (flags.phases.includes('failover') || flags.phases.includes('frozen') ? ` --trials ${flags.trials}` : '') +
    (flags.phases.includes('lost') ? ` --run-escalations ${flags.runEscalations} --kills ${flags.kills}` : '') +
    (defaultPhases ? '' : ` --phases ${flags.phases.join(',')}`)
}
