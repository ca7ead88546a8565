/**
 * The fuzz runner's worker thread: builds the targets once, then runs the rounds it is sent,
 * counting each case in shared memory before running it, and answers each with its result.
 */
import { parentPort, workerData } from 'node:worker_threads'
import fc from 'fast-check'
import { describeError } from './outcome.js'
import { CASES_STARTED, type RoundRequest, type RoundResult, type WorkerMessage } from './protocol.js'
import { fuzzProperty, newTally } from './target.js'
import { fuzzTargets } from './targets.js'

const port = parentPort
if (port === null) throw new Error('worker.ts runs as a worker thread of run.ts')
const progress = new Int32Array((workerData as { progress: SharedArrayBuffer }).progress)
const post = (m: WorkerMessage): void => { port.postMessage(m) }

const targets = new Map((await fuzzTargets()).map((t) => [t.name, t]))

/** Long enough that a time-limited round ends by its time limit. */
const UNBOUNDED_RUNS = 2 ** 31 - 1
/** Longest printed counterexample: a 4 MiB input is printed by its start. */
const MAX_PRINTED = 20_000

async function runRound (r: RoundRequest): Promise<RoundResult> {
  const target = targets.get(r.target)
  if (target === undefined) throw new Error(`no target ${r.target}`)
  const tally = newTally()
  Atomics.store(progress, CASES_STARTED, 0)
  const beforeCase = (input: unknown): void => {
    const n = Atomics.add(progress, CASES_STARTED, 1) + 1
    if (n === r.traceCase) post({ kind: 'trace', case: n, input: fc.stringify(input).slice(0, MAX_PRINTED) })
  }
  const details = await fc.check(fuzzProperty(target, tally, beforeCase), {
    seed: r.seed,
    numRuns: r.cases ?? UNBOUNDED_RUNS,
    ...(r.cases === undefined ? { interruptAfterTimeLimit: r.ms, markInterruptAsFailure: false } : {})
  })
  const result: RoundResult = { kind: 'result', target: r.target, seed: r.seed, cases: details.numRuns, accepted: tally.accepted, refused: tally.refused }
  if (details.failed) {
    const err = details.errorInstance
    result.failure = {
      counterexample: fc.stringify(details.counterexample).slice(0, MAX_PRINTED),
      error: err instanceof Error && err.cause !== undefined ? `${describeError(err)}\n  cause: ${describeError(err.cause)}` : describeError(err),
      path: details.counterexamplePath ?? ''
    }
  }
  return result
}

port.on('message', (r: RoundRequest) => {
  runRound(r).then(post, (err: unknown) => { throw err })
})
post({ kind: 'ready', targets: [...targets.keys()] })
