/**
 * @packageDocumentation
 *
 * `@kos/cli`: the `kos` command as a function. `runCli(argv, io)` runs one invocation and resolves
 * to its exit code; the bin is a thin launcher around it. The typed API client the commands use
 * is `@kos/client`.
 */

export { ExitCode } from './exit-codes.js'
export type { Io } from './io.js'
export { runCli } from './program.js'
export type { RunOptions } from './program.js'
