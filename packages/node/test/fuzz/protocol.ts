/**
 * Messages between the fuzz runner (run.ts) and its worker (worker.ts). The worker runs the
 * targets; the runner keeps time and watches a shared case counter, so a decoder that never
 * returns is caught (a synchronous loop cannot be interrupted from inside its own thread).
 */

/** Run one target from `seed` for `ms` (or exactly `cases` cases, to replay). */
export interface RoundRequest {
  kind: 'round'
  target: string
  seed: number
  ms: number
  cases?: number
  /** Post the input of this case (1-based) before running it: the replay of a hang. */
  traceCase?: number
}

export type WorkerMessage =
  | { kind: 'ready', targets: string[] }
  | { kind: 'trace', case: number, input: string }
  | RoundResult

export interface RoundResult {
  kind: 'result'
  target: string
  seed: number
  /** Cases that passed (fast-check's numRuns). */
  cases: number
  accepted: number
  refused: number
  failure?: { counterexample: string, error: string, path: string }
}

/** Index of the case counter in the shared Int32Array: cases started in the current round. */
export const CASES_STARTED = 0
