/**
 * The `kos agents` verbs that change something: start, stop, restart, release, add, remove. Each
 * sends the node's API token (token.ts) and prints one line, or the API's JSON with `--json`.
 */

import { readFile } from 'node:fs/promises'
import { ApiError, UsageError, type ApiClient } from '@kos/client'
import { ExitCode } from '../../exit-codes.js'
import type { Io } from '../../io.js'
import { resolveToken, TOKEN_ENV } from '../../token.js'
import { printJson } from '../api-options.js'

export const AGENT_VERBS = ['start', 'stop', 'restart', 'release', 'add', 'remove'] as const
export type AgentVerb = typeof AGENT_VERBS[number]

export interface AgentActionOptions {
  json: boolean
  tokenFile?: string
  data?: string
}

/** Runs `verb` on `arg` (an agent name, or for `add` the definition file). */
export async function runAgentVerb (client: ApiClient, verb: AgentVerb, arg: string, options: AgentActionOptions, io: Io): Promise<number> {
  // Read the file before the token, so a typo in the path is reported as such.
  const definition = verb === 'add' ? await readDefinition(arg) : undefined
  const token = await resolveToken({ tokenFile: options.tokenFile, data: options.data })
  let result: unknown
  let line: string
  try {
    switch (verb) {
      case 'start':
      case 'stop':
      case 'restart': {
        const info = await client.controlAgent(arg, verb, token)
        result = info
        line = `${info.name}: ${info.state}${info.pid === null ? '' : ` (pid ${info.pid})`}`
        break
      }
      case 'release':
        result = await client.releaseAgent(arg, token)
        line = `released ${arg}`
        break
      case 'remove':
        result = await client.removeAgent(arg, token)
        line = `removed ${arg}`
        break
      case 'add': {
        const info = await client.defineAgent(definition, token)
        result = info
        line = `added ${info.name}: ${info.state}`
        break
      }
    }
  } catch (err) {
    throw explainRefusedToken(err)
  }
  if (options.json) printJson(io, result)
  else io.out(line)
  return ExitCode.ok
}

/**
 * The definition as JSON from a file. The node validates its fields (one schema for the config
 * and the API, and the node's version is the one that counts), so only "is it a JSON object"
 * is checked here.
 */
async function readDefinition (path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const reason = (err as { code?: unknown }).code === 'ENOENT' ? 'it does not exist' : (err instanceof Error ? err.message : String(err))
    throw new UsageError(`cannot read the agent definition ${path}: ${reason}`, { cause: err })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`the agent definition ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`the agent definition ${path} must be one JSON object ({ "name": …, "command": … })`)
  }
  return value
}

/** A 401 most often means the token of another node (another --data): say where tokens come from. */
function explainRefusedToken (err: unknown): unknown {
  if (!(err instanceof ApiError) || err.status !== 401) return err
  return new ApiError(err.status, err.code, `${err.message}; the token was refused (is it this node's api-token? ` +
    `see --token-file, --data and ${TOKEN_ENV})`, { cause: err })
}
