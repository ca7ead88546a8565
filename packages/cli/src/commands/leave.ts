/**
 * `kos leave`: asks the running node to leave the cluster gracefully (POST /v1/leave, with the
 * API token), so that
 * peers mark it `left` at once instead of suspecting it and declaring it dead.
 */

import type { Command } from 'commander'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { resolveToken } from '../token.js'
import { addApiOptions, addTokenOptions, printJson, withClient } from './api-options.js'
import type { ApiOptions, TokenOptions } from './api-options.js'

export type LeaveOptions = ApiOptions & TokenOptions

/** Resolves to the exit code once the node has begun its leave; never rejects. */
export async function runLeave (options: LeaveOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const result = await client.leave(await resolveToken(options))
    if (options.json) printJson(io, result)
    // The node answers as soon as the leave has begun, then tells its peers and stops.
    else io.out('the node is leaving the cluster; it stops once its peers know')
    return ExitCode.ok
  })
}

export function registerLeave (program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('leave')
    .description('ask the running node to leave the cluster gracefully')
  addApiOptions(addTokenOptions(command)).action(async (flags: LeaveOptions) => {
    setExit(await runLeave(flags, io))
  })
}
