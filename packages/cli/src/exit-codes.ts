/**
 * The `kos` exit codes, in one place. Scripts depend on these; a test pins them.
 *
 * | code | meaning                                                                 |
 * |------|-------------------------------------------------------------------------|
 * | 0    | success, including `--help` and `--version`                             |
 * | 1    | runtime failure: node unreachable (NodeUnreachableError), the API       |
 * |      | answered an error (ApiError), or the command's own outcome failed       |
 * |      | (e.g. `kos join` joined no peer)                                        |
 * | 2    | usage error: unknown command or flag, missing or bad argument, a bad    |
 * |      | `--api` value (UsageError and commander's parse errors)                 |
 *
 * (2 is the shell convention for misuse; keeping it apart from 1 lets a script tell "fix the
 * command line" from "retry later".)
 */

import type { CommanderError } from 'commander'
import { UsageError } from '@kos/client'

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2
} as const
export type ExitCode = typeof ExitCode[keyof typeof ExitCode]

/** The exit code for an error a command caught. Unknown errors are failures (1). */
export function exitCodeForError (err: unknown): ExitCode {
  if (err instanceof UsageError) return ExitCode.usage
  // NodeUnreachableError, ApiError, and anything unforeseen: the command line was fine.
  return ExitCode.failure
}

/**
 * The exit code for commander's own exits (it throws instead of exiting, thanks to
 * `exitOverride()`). Commander reports 0 for `--help`/`--version` and 1 for every parse error,
 * including "no command given" (help printed to stderr); parse errors are usage errors here.
 */
export function exitCodeForCommanderError (err: CommanderError): ExitCode {
  return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage
}
