/**
 * `agentUser`: the account agents run as, so that an agent cannot read what the node keeps in its
 * data directory (the API token, the identity key: owner-only, owned by the node's user). Looked
 * up once at start in the system's user database.
 */
import { execFile } from 'node:child_process'
import { chmod, chown, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { ConfigError } from '../base/errors.js'

export interface AgentUser { name: string, uid: number, gid: number }

/** Resolves `name` to its uid and gid; undefined for '' (agents run as the node's user). Throws ConfigError('agentUser'). */
export async function resolveAgentUser (name: string): Promise<AgentUser | undefined> {
  if (name === '') return undefined
  let line: string
  try {
    line = (await promisify(execFile)('getent', ['passwd', name], { timeout: 5000 })).stdout.trim()
  } catch (err) {
    throw new ConfigError('agentUser', `no user ${JSON.stringify(name)} on this machine`, { cause: err })
  }
  const [, , uid, gid] = line.split(':')
  const user = { name, uid: Number(uid), gid: Number(gid) }
  if (!Number.isInteger(user.uid) || !Number.isInteger(user.gid)) throw new ConfigError('agentUser', `cannot read the uid and gid of ${name} from ${JSON.stringify(line)}`)
  if (process.getuid?.() !== 0 && process.getuid?.() !== user.uid) {
    throw new ConfigError('agentUser', `running agents as ${name} needs the node to run as root (it runs as uid ${String(process.getuid?.())})`)
  }
  return user
}

/**
 * The agent's own working directory, `<data>/agents/<name>/work`, made if missing. Run as another
 * user, the agent owns it and may pass through, not list, the node's directories above it
 * (mode 711): what it could reach by name there is owner-only (the secrets 600, the stores 700).
 */
export async function ownWorkDir (dir: string, user: AgentUser | undefined): Promise<string> {
  const work = join(dir, 'work')
  await mkdir(work, { recursive: true, mode: 0o700 })
  if (user !== undefined) {
    await chown(work, user.uid, user.gid)
    for (let d = dir, i = 0; i < 3; i++, d = dirname(d)) await chmod(d, 0o711)
  }
  return work
}
