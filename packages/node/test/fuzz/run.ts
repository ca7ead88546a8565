/**
 * `npm run fuzz -- --seconds N`: the fuzz targets of `npm test` (targets.ts), for N seconds in
 * all, each round of each target from a new random seed. A failure prints its target, seed,
 * error, counterexample and the command that replays it, and the run exits 1; otherwise it
 * prints the cases run per target and exits 0.
 *
 *   --seconds N     total time (default 60)
 *   --target a,b    only these targets (a name, or a prefix such as `audit.`)
 *   --seed S --cases N   replay: N cases of each target from seed S
 *
 * The targets run in a worker thread. The runner watches a case counter the worker bumps
 * before each case: one that does not move for HANG_MS is a hang, which no code can interrupt
 * from its own thread; the runner ends the worker, replays the round up to the stuck case in a
 * new one to print its input, and reports it like any other failure.
 */
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { CASES_STARTED, type RoundRequest, type RoundResult, type WorkerMessage } from './protocol.js'

const HANG_MS = 15_000
/** A round of one target lasts about this long, so a long run has several seeds per target. */
const ROUND_MS = 5_000

interface Options { seconds: number, only: string[], seed?: number, cases?: number }

const USAGE = 'usage: npm run fuzz -- [--seconds N] [--target name,prefix.] [--seed S --cases N]'

function parseOptions (argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: { seconds: { type: 'string' }, target: { type: 'string' }, seed: { type: 'string' }, cases: { type: 'string' } } })
  const int = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined
    if (!/^\d+$/.test(v)) throw new Error(`--${flag} must be a whole number, got ${v}`)
    return Number(v)
  }
  const seconds = int('seconds', values.seconds) ?? 60
  const seed = int('seed', values.seed)
  const cases = int('cases', values.cases)
  if ((seed === undefined) !== (cases === undefined)) throw new Error('--seed and --cases go together (a replay)')
  const only = values.target === undefined ? [] : values.target.split(',').filter((s) => s !== '')
  return { seconds, only, ...(seed === undefined ? {} : { seed }), ...(cases === undefined ? {} : { cases }) }
}

type RoundOutcome = RoundResult | { kind: 'hung', target: string, seed: number, case: number }

/** The worker thread, its shared case counter, and the watchdog of each round. */
class FuzzWorker {
  private readonly progress = new SharedArrayBuffer(4)
  private readonly counter = new Int32Array(this.progress)
  private readonly worker: Worker
  readonly traces: string[] = []
  private pending: ((m: RoundOutcome) => void) | null = null
  private failure: Error | null = null
  readonly ready: Promise<string[]>

  constructor () {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { progress: this.progress } })
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: WorkerMessage) => {
        if (m.kind === 'ready') resolve(m.targets)
        else if (m.kind === 'trace') this.traces.push(`case ${m.case}: ${m.input}`)
        else this.settle(m)
      })
      this.worker.on('error', (err) => { this.failure = err; reject(err) })
    })
  }

  private settle (m: RoundOutcome): void {
    const p = this.pending
    this.pending = null
    p?.(m)
  }

  /** Runs a round; a hang is an outcome, not an error. Rejects if the worker itself died. */
  async round (r: RoundRequest): Promise<RoundOutcome> {
    if (this.failure !== null) throw this.failure
    let last = -1
    let lastChangeAt = Date.now()
    return await new Promise<RoundOutcome>((resolve, reject) => {
      const watch = setInterval(() => {
        if (this.failure !== null) { clearInterval(watch); reject(this.failure); return }
        const n = Atomics.load(this.counter, CASES_STARTED)
        if (n !== last) { last = n; lastChangeAt = Date.now(); return }
        if (Date.now() - lastChangeAt > HANG_MS) { clearInterval(watch); this.settle({ kind: 'hung', target: r.target, seed: r.seed, case: n }) }
      }, 500)
      this.pending = (m) => { clearInterval(watch); resolve(m) }
      this.worker.postMessage(r)
    })
  }

  async terminate (): Promise<void> {
    await this.worker.terminate()
  }
}

interface Totals { cases: number, accepted: number, refused: number }

function replayCommand (target: string, seed: number, cases: number): string {
  return `npm run fuzz -- --target ${target} --seed ${seed} --cases ${cases}`
}

function reportFailure (r: RoundResult): void {
  const f = r.failure
  if (f === undefined) return
  console.log(`\nFAILED ${r.target} (seed ${r.seed}, after ${r.cases} passing cases)`)
  console.log(`  error: ${f.error}`)
  console.log(`  counterexample: ${f.counterexample}`)
  console.log(`  replay: ${replayCommand(r.target, r.seed, r.cases + 1)}`)
}

/** Replays a hung round up to its stuck case in a new worker, to print that case's input. */
async function reportHang (h: { target: string, seed: number, case: number }): Promise<void> {
  console.log(`\nHUNG ${h.target} (seed ${h.seed}): case ${h.case} ran for more than ${HANG_MS / 1000} s; replaying it to print its input`)
  const replay = new FuzzWorker()
  await replay.ready
  const again = await replay.round({ kind: 'round', target: h.target, seed: h.seed, ms: 0, cases: h.case, traceCase: h.case })
  console.log(`  counterexample: ${replay.traces.at(-1) ?? '(not reached again)'}`)
  if (again.kind === 'result') console.log(`  (the replay did not hang: ${again.failure?.error ?? 'it passed'})`)
  console.log(`  replay: ${replayCommand(h.target, h.seed, h.case)}`)
  await replay.terminate()
}

function printTotals (totals: Map<string, Totals>, failed: Set<string>, elapsedMs: number): void {
  const width = Math.max(...[...totals.keys()].map((k) => k.length)) + 2
  const n = (x: number): string => x.toLocaleString('en-US')
  console.log('\ncases per target:')
  let sum = 0
  for (const [name, t] of totals) {
    sum += t.cases
    console.log(`  ${name.padEnd(width)}${n(t.cases).padStart(12)}  (${n(t.accepted)} accepted, ${n(t.refused)} refused)${failed.has(name) ? '  FAILED' : ''}`)
  }
  console.log(`  ${'total'.padEnd(width)}${n(sum).padStart(12)}`)
  console.log(`${failed.size} failing target(s) in ${(elapsedMs / 1000).toFixed(0)} s`)
}

async function main (): Promise<number> {
  let opts: Options
  try {
    opts = parseOptions(process.argv.slice(2))
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`)
    return 2
  }
  let worker = new FuzzWorker()
  const all = await worker.ready
  const names = opts.only.length === 0 ? all : all.filter((n) => opts.only.some((o) => n === o || (o.endsWith('.') && n.startsWith(o))))
  if (names.length === 0) {
    console.error(`no target matches ${opts.only.join(', ')}; targets: ${all.join(', ')}`)
    await worker.terminate()
    return 2
  }
  const totalMs = opts.seconds * 1000
  const rounds = opts.cases !== undefined ? 1 : Math.max(1, Math.round(totalMs / (names.length * ROUND_MS)))
  const sliceMs = totalMs / (names.length * rounds)
  console.log(opts.cases !== undefined
    ? `fuzz: replaying ${names.length} target(s), ${opts.cases} cases from seed ${opts.seed}`
    : `fuzz: ${names.length} targets for ${opts.seconds} s: ${rounds} round(s) of ${(sliceMs / 1000).toFixed(1)} s each, a new seed per round`)

  const totals = new Map<string, Totals>(names.map((n) => [n, { cases: 0, accepted: 0, refused: 0 }]))
  const failed = new Set<string>()
  const started = Date.now()
  const deadline = started + totalMs
  for (let round = 0; round < rounds; round++) {
    for (const target of names) {
      if (failed.has(target)) continue
      const ms = Math.min(sliceMs, deadline - Date.now())
      if (opts.cases === undefined && ms < 50) break
      const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31)
      const r = await worker.round({ kind: 'round', target, seed, ms, ...(opts.cases === undefined ? {} : { cases: opts.cases }) })
      if (r.kind === 'hung') {
        failed.add(target)
        await worker.terminate()
        await reportHang(r)
        worker = new FuzzWorker()
        await worker.ready
        continue
      }
      const t = totals.get(target) as Totals
      t.cases += r.cases + (r.failure === undefined ? 0 : 1)
      t.accepted += r.accepted
      t.refused += r.refused
      if (r.failure !== undefined) { failed.add(target); reportFailure(r) }
    }
  }
  await worker.terminate()
  printTotals(totals, failed, Date.now() - started)
  return failed.size === 0 ? 0 : 1
}

process.exitCode = await main()
