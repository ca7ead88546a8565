/**
 * `kos drain [--node peerId] [--undo]`: moves a node's service instances to other nodes (issue
 * 18), each successor ready before the old instance stops, so no service drops below its
 * replicas; `--undo` ends the drain. This node by default. POST /v1/drain (needs the API token).
 */

import type { Command } from 'commander'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { resolveToken } from '../token.js'
import { addApiOptions, addTokenOptions, printJson, withClient } from './api-options.js'
import type { ApiOptions, TokenOptions } from './api-options.js'

export interface DrainOptions extends ApiOptions, TokenOptions {
  node?: string
  undo?: boolean
}

export async function runDrain (options: DrainOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const res = await client.drain({ ...(options.node === undefined ? {} : { node: options.node }), undo: options.undo === true }, await resolveToken(options))
    if (options.json) printJson(io, res)
    else io.out(res.draining ? `draining ${res.node}: its instances move to other nodes, each new one ready before the old one stops` : `${res.node} is not draining any more`)
    return ExitCode.ok
  })
}

export function registerDrain (program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('drain')
    .description('move a node\'s service instances elsewhere (make-before-break), or end the drain with --undo')
    .option('--node <peerId>', 'the node to drain (default: the node the CLI talks to)')
    .option('--undo', 'end the drain: the node takes instances again')
  addApiOptions(addTokenOptions(command)).action(async (flags: DrainOptions) => {
    setExit(await runDrain(flags, io))
  })
}
