/**
 * The data directory holds the node's identity key and its API token: whoever reads either can
 * act as the node. They are created owner-only; a directory or file that has since become
 * readable by group or others (a copy, a restore, a careless chmod) is made owner-only again at
 * start, and the node says so, rather than going on with its secrets exposed.
 */
import { chmod, stat } from 'node:fs/promises'

/**
 * Makes `path` `mode` if group or others may read or write it; returns what was fixed, or
 * undefined. Leave to pass through (x) is kept: agents run as another user reach their own
 * directory that way (healing/agent-user.ts), and it lets nobody list or read anything.
 */
export async function restrictToOwner (path: string, mode: 0o700 | 0o600): Promise<string | undefined> {
  let current: number
  try {
    current = (await stat(path)).mode & 0o777
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if ((current & 0o066) === 0) return undefined
  await chmod(path, mode)
  return `${path} was open to group or others (mode ${current.toString(8)}); made it ${mode.toString(8)}`
}
