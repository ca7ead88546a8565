/**
 * The node's libp2p identity: an Ed25519 key created on first start in the data directory
 * (mode 0600) and reused after, so a restarted node keeps its peer id.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { ConfigError } from '../base/errors.js'
import { API_TOKEN_FILE } from './api-token.js'
import { restrictToOwner } from './owner-only.js'

export const IDENTITY_FILE = 'identity.key'
/** The node's LevelDB stores: the audit log, the escalation boxes, its own state. */
const STORE_DIRS = ['audit', 'escalations', 'state']

/**
 * Creates the data directory if needed, checks it is writable, and makes it and its secrets
 * owner-only (owner-only.ts). Returns what it had to fix, for the log. Throws ConfigError('--data').
 */
export async function prepareDataDir (dataDir: string): Promise<string[]> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    const probe = join(dataDir, '.write-test')
    await writeFile(probe, String(process.pid))
    await rename(probe, join(dataDir, '.write-test-ok'))
    const fixed = [
      await restrictToOwner(dataDir, 0o700),
      await restrictToOwner(join(dataDir, IDENTITY_FILE), 0o600),
      await restrictToOwner(join(dataDir, API_TOKEN_FILE), 0o600),
      ...await Promise.all(STORE_DIRS.map(async (d) => await restrictToOwner(join(dataDir, d), 0o700)))
    ]
    return fixed.filter((f) => f !== undefined)
  } catch (err) {
    throw new ConfigError('--data', `data directory ${dataDir} cannot be written: ${(err as Error).message}`, { cause: err })
  }
}

export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  const file = join(dataDir, IDENTITY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError('--data', `cannot read identity ${file}: ${(err as Error).message}`, { cause: err })
    }
  }
  if (bytes !== undefined) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new ConfigError('--data', `identity ${file} is corrupt (${(err as Error).message}); move it away to create a new peer id`, { cause: err })
    }
  }
  const key = await generateKeyPair('Ed25519')
  // Write then rename, so a crash never leaves a half-written key that would change our peer id.
  const tmp = `${file}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, file)
  return key
}
