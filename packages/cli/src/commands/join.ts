/**
 * `kos join <multiaddr...>`: asks the running node to contact these peers and join their
 * cluster (POST /v1/join, with the API token). It succeeds if at least one
 * address worked.
 */

import type { Command } from 'commander'
import { UsageError } from '@kos/client'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { resolveToken } from '../token.js'
import { addApiOptions, addTokenOptions, printJson, withClient } from './api-options.js'
import type { ApiOptions, TokenOptions } from './api-options.js'

export interface JoinOptions extends ApiOptions, TokenOptions {
  /** Multiaddrs of peers already in the cluster, e.g. `/ip4/10.0.0.2/tcp/4001/p2p/12D3Koo…`. */
  addrs: string[]
}

/** Resolves to 0 if at least one address joined, 1 if none did (exit-codes.ts); never rejects. */
export async function runJoin (options: JoinOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    if (options.addrs.length === 0) throw new UsageError('kos join needs at least one multiaddr')
    // Catch the usual slip (host:port instead of a multiaddr) here, with a hint, rather than as
    // an opaque per-address error from the node. The node validates the rest.
    const bad = options.addrs.find(addr => !addr.startsWith('/'))
    if (bad !== undefined) {
      throw new UsageError(`"${bad}" is not a multiaddr; give one like /ip4/10.0.0.2/tcp/4001/p2p/<peerId>`)
    }

    const result = await client.join(options.addrs, await resolveToken(options))
    if (options.json) {
      printJson(io, result)
    } else {
      io.out(`joined ${result.joined} of ${options.addrs.length} address${options.addrs.length === 1 ? '' : 'es'}`)
      for (const error of result.errors) io.err(`error: ${error.addr}: ${error.message}`)
    }
    return result.joined > 0 ? ExitCode.ok : ExitCode.failure
  })
}

export function registerJoin (program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('join')
    .description('ask the running node to join the cluster of these peers')
    .argument('<multiaddr...>', 'multiaddrs of peers already in the cluster')
  addApiOptions(addTokenOptions(command)).action(async (addrs: string[], flags: ApiOptions & TokenOptions) => {
    setExit(await runJoin({ ...flags, addrs }, io))
  })
}
