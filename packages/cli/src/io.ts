/**
 * Where the CLI writes. Commands never touch process.stdout or process.stderr directly, so tests
 * capture output with a two-method object instead of spawning a process.
 */

/** A line-oriented output sink. A `line` has no trailing newline; it may span several lines. */
export interface Io {
  /** Results: tables, JSON, confirmations. What a script pipes. */
  out: (line: string) => void
  /** Diagnostics: errors and hints. Never mixed into `out`, so `--json` output stays parseable. */
  err: (line: string) => void
}

/** The real terminal. */
export const processIo: Io = {
  out: (line) => { process.stdout.write(line + '\n') },
  err: (line) => { process.stderr.write(line + '\n') }
}
