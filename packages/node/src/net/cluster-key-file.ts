/**
 * Reads the cluster key file (`--cluster-key-file`), at start and on every reload (SIGHUP).
 * Whoever reads the file can join the cluster, so a file open to group or others is made 0600,
 * and the node says so, as it does for the secrets of its data directory (owner-only.ts); a file
 * it cannot make 0600 (another owner's) is refused. Every error names the flag and, for a bad line, the
 * line: at start it is exit 2, on a reload the node keeps the keys it has.
 */
import { readFile, stat } from 'node:fs/promises'
import { ConfigError } from '../base/errors.js'
import { ClusterKeyFormatError, parseClusterKeys, type ClusterKeyring } from './cluster-key.js'
import { restrictToOwner } from './owner-only.js'

export const CLUSTER_KEY_FLAG = '--cluster-key-file'
/** Far above any keyring of MAX_CLUSTER_KEYS lines and comments: a wrong path to a huge file is refused before it is read. */
const MAX_FILE_BYTES = 64 * 1024

export interface ClusterKeyFile {
  keyring: ClusterKeyring
  /** Set when the file was open to group or others and was made 0600: what to log. */
  madeOwnerOnly?: string
}

export async function readClusterKeyFile (path: string): Promise<ClusterKeyFile> {
  let size: number
  try {
    const s = await stat(path)
    if (!s.isFile()) throw new ConfigError(CLUSTER_KEY_FLAG, `${path} is not a file`)
    size = s.size
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(CLUSTER_KEY_FLAG, `cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
  if (size > MAX_FILE_BYTES) throw new ConfigError(CLUSTER_KEY_FLAG, `${path} is ${size} bytes, too large for a key file`)
  let madeOwnerOnly: string | undefined
  try {
    madeOwnerOnly = await restrictToOwner(path, 0o600)
  } catch (err) {
    throw new ConfigError(CLUSTER_KEY_FLAG, `${path} is open to group or others and cannot be made 0600: ${(err as Error).message}`, { cause: err })
  }
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError(CLUSTER_KEY_FLAG, `cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
  try {
    return { keyring: parseClusterKeys(text), ...(madeOwnerOnly === undefined ? {} : { madeOwnerOnly }) }
  } catch (err) {
    if (!(err instanceof ClusterKeyFormatError)) throw err
    throw new ConfigError(CLUSTER_KEY_FLAG, `${path}: ${err.message}`, { cause: err })
  }
}
