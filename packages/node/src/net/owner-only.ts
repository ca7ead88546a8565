/**
 * The data directory holds the node's identity key and its API token: whoever reads either can
 * act as the node. They are created owner-only; a directory or file that has since become
 * readable by group or others (a copy, a restore, a careless chmod) is made owner-only again at
 * start, and the node says so, rather than going on with its secrets exposed.
 */
import { chmod, stat } from 'node:fs/promises'

/** Makes `path` `mode` if group or others have any access; returns what was fixed, or undefined. */
export async function restrictToOwner (path: string, mode: 0o700 | 0o600): Promise<string | undefined> {
  let current: number
  try {
    current = (await stat(path)).mode & 0o777
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if ((current & 0o077) === 0) return undefined
  await chmod(path, mode)
  return `${path} was open to group or others (mode ${current.toString(8)}); made it ${mode.toString(8)}`
}
