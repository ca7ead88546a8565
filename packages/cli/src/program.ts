/**
 * The `kos` command line: commander wired to an Io, with no process.exit anywhere below the bin.
 * `runCli(argv, io)` is the whole CLI as a function, which is what the tests call.
 */

import { Command, CommanderError } from 'commander'
import { registerAgents } from './commands/agents/index.js'
import { registerAudit } from './commands/audit/index.js'
import { registerCoordinator } from './commands/coordinator.js'
import { registerDrain } from './commands/drain.js'
import { registerEscalate } from './commands/escalate.js'
import { registerEscalations } from './commands/escalations.js'
import { registerJoin } from './commands/join.js'
import { registerKeygen } from './commands/keygen.js'
import { registerLeave } from './commands/leave.js'
import { registerMonitor } from './commands/monitor.js'
import { registerPeers } from './commands/peers.js'
import { registerPolicy } from './commands/policy.js'
import { registerServices } from './commands/services.js'
import { registerStart } from './commands/start.js'
import { registerStatus } from './commands/status.js'
import { ExitCode, exitCodeForCommanderError } from './exit-codes.js'
import { addHelpSections } from './help.js'
import type { Io } from './io.js'
import { VERSION } from './version.js'

/** Extras for embedding and tests. */
export interface RunOptions {
  /** Ends long-running commands (`kos audit tail -f`, `kos monitor`) instead of SIGINT/SIGTERM. */
  signal?: AbortSignal
  /** The wall clock, in ms since the epoch, for ages such as `kos agents`' "3m ago"; tests pin it. */
  now?: () => number
}

/** Commander writes whole chunks ending in a newline; Io takes lines without one. */
function chomp (text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text
}

/**
 * The program with every command registered. Commands report their exit code through `setExit`
 * (their actions cannot return one to commander). Commander's own exits (help, version, parse
 * errors) throw a CommanderError instead of exiting, thanks to `exitOverride()`; runCli maps them.
 */
export function buildProgram (io: Io, setExit: (code: number) => void, options: RunOptions = {}): Command {
  const program = new Command('kos')
    .description('kOS mesh: start a node, or inspect and steer a running one through its local API')
    .version(VERSION, '-V, --version', 'print the kos version')
    // Set before the commands are added: subcommands copy these settings when created.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => { io.out(chomp(text)) },
      writeErr: (text) => { io.err(chomp(text)) }
    })

  registerStart(program, io, setExit)
  registerStatus(program, io, setExit)
  registerPeers(program, io, setExit)
  registerCoordinator(program, io, setExit)
  registerJoin(program, io, setExit)
  registerLeave(program, io, setExit)
  registerAudit(program, io, setExit, options.signal)
  registerMonitor(program, io, setExit, options.signal)
  registerEscalate(program, io, setExit)
  registerEscalations(program, io, setExit)
  registerPolicy(program, io, setExit)
  registerAgents(program, io, setExit, options.now)
  registerServices(program, io, setExit)
  registerDrain(program, io, setExit)
  registerKeygen(program, io, setExit)
  addHelpSections(program)
  return program
}

/**
 * Runs one `kos` invocation and resolves to its exit code (exit-codes.ts). `argv` is the user's
 * arguments only, like `process.argv.slice(2)`. Never exits the process and never rejects.
 * Note that `kos start` resolves only once its node has stopped.
 */
export async function runCli (argv: string[], io: Io, options: RunOptions = {}): Promise<number> {
  let exitCode: number = ExitCode.ok
  const program = buildProgram(io, (code) => { exitCode = code }, options)
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    // Commander has already printed its message (or the help) through io.
    if (err instanceof CommanderError) return exitCodeForCommanderError(err)
    // Commands catch their own errors, so this is a bug: show everything.
    io.err(`error: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    return ExitCode.failure
  }
  return exitCode
}
