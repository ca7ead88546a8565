/**
 * What every command that talks to a node shares: the `--api` and `--json` flags, building the
 * client, printing JSON, and turning a caught error into a message and an exit code.
 */

import { Option } from 'commander'
import type { Command } from 'commander'
import { API_ENV, DEFAULT_API, ApiClient, ApiError } from '@kos/client'
import { exitCodeForError } from '../exit-codes.js'
import { DEFAULT_DATA_DIR, TOKEN_ENV } from '../token.js'
import type { Io } from '../io.js'

/** The flags of every API command, as commander parses them. */
export interface ApiOptions {
  /** `host:port` or `http://` URL of the node API; validated by the ApiClient constructor. */
  api: string
  /** Print the API's JSON (pretty) instead of a table. */
  json: boolean
}

/** Adds `--api` (default 127.0.0.1:7070, overridden by $KOS_API, overridden by the flag) and `--json`. */
export function addApiOptions (command: Command): Command {
  return command
    .addOption(new Option('--api <host:port>', 'address of the node API: host:port, or an http:// or https:// URL')
      .default(DEFAULT_API)
      .env(API_ENV))
    .option('--json', 'print the API JSON instead of a table', false)
}

/** The flags of every command that changes something, as commander parses them. */
export interface TokenOptions {
  tokenFile?: string
  data?: string
}

/** Adds `--token-file` and `--data`, where the API token is read from (token.ts has the order). */
export function addTokenOptions (command: Command): Command {
  return command
    .option('--token-file <path>', `file holding the node's API token (default: $${TOKEN_ENV}, else <data>/api-token)`)
    .option('--data <dir>', `the node's data directory, where api-token is (default: ${DEFAULT_DATA_DIR})`)
}

/**
 * Builds the client from the flags and runs `work` with it. Any error, from the flags or from the
 * node, becomes a one-line message on stderr and its exit code (exit-codes.ts); `work` itself
 * returns the code for the outcomes it understands.
 */
export async function withClient (
  options: ApiOptions,
  io: Io,
  work: (client: ApiClient) => Promise<number>
): Promise<number> {
  try {
    return await work(new ApiClient({ api: options.api }))
  } catch (err) {
    io.err(`error: ${describeError(err)}`)
    return exitCodeForError(err)
  }
}

/** Pretty JSON on stdout: one value, so `kos peers --json | jq` works. */
export function printJson (io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2))
}

/** The message for a caught error. An ApiError adds its code and status, which scripts and bug reports need. */
function describeError (err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code}, HTTP ${err.status})`
  if (err instanceof Error) return err.message
  return String(err)
}
