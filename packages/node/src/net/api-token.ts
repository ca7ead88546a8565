/**
 * The node's API token (issue #4: "mutating calls need the node's API token ... created at first
 * start as `<data>/api-token` with mode 0600, and the CLI reads it automatically"): 32 random
 * bytes in hex, written then renamed so a crash never leaves a half-written token.
 */
import { randomBytes } from 'node:crypto'
import { chmod, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from '../base/errors.js'

export const API_TOKEN_FILE = 'api-token'

/** Reads `<dataDir>/api-token`, creating it on first use. */
export async function readOrCreateApiToken (dataDir: string): Promise<string> {
  const file = join(dataDir, API_TOKEN_FILE)
  try {
    const token = (await readFile(file, 'utf8')).trim()
    if (/^[0-9a-f]{64}$/.test(token)) return token
    throw new ConfigError('--data', `API token ${file} is corrupt; delete it to create a new one`)
  } catch (err) {
    if (err instanceof ConfigError) throw err
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError('--data', `cannot read the API token ${file}: ${(err as Error).message}`, { cause: err })
    }
  }
  const token = randomBytes(32).toString('hex')
  const tmp = `${file}.tmp`
  await writeFile(tmp, token + '\n', { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, file)
  return token
}
