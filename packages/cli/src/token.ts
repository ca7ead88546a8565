/**
 * The node's API token, which mutating calls send as `Authorization: Bearer <token>`. The node
 * writes it at first start to `<data>/api-token` (hex, mode 0600). Looked up in this order:
 * `--token-file <path>`, then `$KOS_TOKEN` (the token itself), then `<--data, default .kos>/api-token`.
 */

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from '@kos/client'

export const TOKEN_ENV = 'KOS_TOKEN'
export const DEFAULT_DATA_DIR = '.kos'
export const TOKEN_FILE_NAME = 'api-token'

export interface TokenSource {
  tokenFile?: string
  data?: string
  env?: NodeJS.ProcessEnv
}

const HINT = `pass --token-file <path>, set ${TOKEN_ENV}, or point --data at the node's data directory`

/** The token, trimmed. Throws a UsageError (exit 2) naming the flags when there is none. */
export async function resolveToken (source: TokenSource): Promise<string> {
  const env = source.env ?? process.env
  if (source.tokenFile === undefined) {
    const fromEnv = env[TOKEN_ENV]?.trim()
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  }
  const path = source.tokenFile ?? join(source.data ?? DEFAULT_DATA_DIR, TOKEN_FILE_NAME)
  const from = source.tokenFile === undefined ? `the node's token file ${path}` : `--token-file ${path}`
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const reason = (err as { code?: unknown }).code === 'ENOENT' ? 'it does not exist' : (err instanceof Error ? err.message : String(err))
    throw new UsageError(`cannot read the API token from ${from}: ${reason}; ${HINT}`, { cause: err })
  }
  const token = text.trim()
  if (token === '') throw new UsageError(`the API token file ${path} is empty; ${HINT}`)
  return token
}
