/**
 * `kos coordinator`: who coordinates the cluster in this node's view, in which term, since when,
 * with how much lease left, and the voter set (GET /v1/coordinator).
 */

import type { Command } from 'commander'
import type { CoordinatorInfo } from '@kos/client'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { formatDuration, listRows, renderColumns, shortPeerId } from '../table.js'
import { addApiOptions, printJson, withClient } from './api-options.js'
import type { ApiOptions } from './api-options.js'

export type CoordinatorOptions = ApiOptions

/** Prints the coordinator (or `--json`: the API's answer). Resolves to the exit code; never rejects. */
export async function runCoordinator (options: CoordinatorOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const info = await client.coordinator()
    if (options.json) printJson(io, info)
    else for (const line of coordinatorLines(info)) io.out(line)
    return ExitCode.ok
  })
}

export function coordinatorLines (info: CoordinatorInfo): string[] {
  const who = info.peerId === null
    ? 'none (no quorum of voters reachable from here: running degraded)'
    : `${info.name ?? '?'} (${info.peerId})`
  return renderColumns([
    ['Coordinator:', who],
    ['Term:', String(info.term)],
    ['Since:', info.since ?? '-'],
    ['Lease left:', info.peerId === null ? '-' : formatDuration(info.leaseRemainingMs)],
    ['Quorum:', `${info.quorum} of ${info.voters.length} voters (voter set v${info.votersVersion})`],
    ...listRows('Voters:', info.voters.map((id) => shortPeerId(id)))
  ])
}

export function registerCoordinator (program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('coordinator')
    .description('show the coordinator, its term and lease, and the voter set, as this node sees them')
  addApiOptions(command).action(async (flags: CoordinatorOptions) => {
    setExit(await runCoordinator(flags, io))
  })
}
