/**
 * Resource limits of one agent through a cgroup, where the machine allows it (issue 6): a memory
 * limit the kernel enforces (its OOM killer ends the group at the limit, however fast it
 * leaks) and a CPU quota (CFS). Both cgroup versions:
 * - v2 (unified): a child of this node's own cgroup with `+memory +cpu` in its
 *   `subtree_control`; refused (EBUSY) when our cgroup holds processes and has no free
 *   controllers, which is common in containers;
 * - v1: a child of our cgroup in the `memory` and `cpu` hierarchies.
 * Anything that fails (no permission, read-only /sys/fs/cgroup, no such controller) returns null
 * and the supervisor falls back to polling RSS and killing at the limit, with no CPU quota: the
 * API reports which enforcement each agent got.
 */
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const ROOT = '/sys/fs/cgroup'
/** CFS period: the kernel's default, 100 ms. */
const CPU_PERIOD_US = 100_000

export interface CgroupLimits { memoryMb?: number, cpuPercent?: number }

export interface AgentCgroup {
  version: 'v1' | 'v2'
  memory: boolean
  cpu: boolean
  /** Moves a process (the agent's leader; its children inherit) into the group. */
  add: (pid: number) => Promise<void>
  /** Memory the group is charged now (RSS and page cache), or null without a memory controller. */
  memoryBytes: () => Promise<number | null>
  /** OOM kills inside the group so far (the kernel's count). */
  oomKills: () => Promise<number>
  /** Removes the group once its processes have gone. */
  remove: () => Promise<void>
}

/** Our own cgroup path in a hierarchy: `0::/x` for v2, `N:memory:/x` (or with several controllers) for v1. */
async function ownPath (controller: string | null): Promise<string | null> {
  const text = await readFile('/proc/self/cgroup', 'utf8').catch(() => '')
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':')
    if (path === undefined) continue
    if (controller === null ? line.startsWith('0::') : controllers!.split(',').includes(controller)) return path
  }
  return null
}

async function swapInUse (): Promise<boolean> {
  const lines = (await readFile('/proc/swaps', 'utf8').catch(() => '')).trim().split('\n')
  return lines.length > 1
}

async function readNumber (path: string): Promise<number | null> {
  const n = Number((await readFile(path, 'utf8').catch(() => '')).trim())
  return Number.isFinite(n) && n > 0 ? n : null
}

function counter (text: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text)
  return m === null ? 0 : Number(m[1])
}

/**
 * The agent's group, or null where none can be made. `scope` tells nodes on one machine apart
 * (a hash of the data directory): the same node reuses its group after a restart, and two nodes
 * running agents of one name do not share one.
 */
export async function createAgentCgroup (scope: string, name: string, limits: CgroupLimits): Promise<AgentCgroup | null> {
  if (limits.memoryMb === undefined && limits.cpuPercent === undefined) return null
  const leaf = `kos-${scope}-${name}`
  try {
    const controllers = await readFile(join(ROOT, 'cgroup.controllers'), 'utf8').catch(() => null)
    return controllers !== null ? await v2(leaf, limits) : await v1(leaf, limits)
  } catch {
    return null
  }
}

async function v2 (leaf: string, limits: CgroupLimits): Promise<AgentCgroup | null> {
  const own = await ownPath(null)
  if (own === null) return null
  const parent = join(ROOT, own)
  const wanted = [limits.memoryMb !== undefined ? '+memory' : '', limits.cpuPercent !== undefined ? '+cpu' : ''].filter((x) => x !== '').join(' ')
  await writeFile(join(parent, 'cgroup.subtree_control'), wanted)
  const dir = join(parent, leaf)
  await mkdir(dir, { recursive: true })
  if (limits.memoryMb !== undefined) {
    await writeFile(join(dir, 'memory.max'), String(limits.memoryMb * 1024 * 1024))
    await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => {})
  }
  if (limits.cpuPercent !== undefined) await writeFile(join(dir, 'cpu.max'), `${Math.round(limits.cpuPercent / 100 * CPU_PERIOD_US)} ${CPU_PERIOD_US}`)
  return {
    version: 'v2',
    memory: limits.memoryMb !== undefined,
    cpu: limits.cpuPercent !== undefined,
    add: async (pid) => { await writeFile(join(dir, 'cgroup.procs'), String(pid)) },
    memoryBytes: async () => limits.memoryMb === undefined ? null : await readNumber(join(dir, 'memory.current')),
    oomKills: async () => counter(await readFile(join(dir, 'memory.events'), 'utf8').catch(() => ''), 'oom_kill'),
    remove: async () => { await rmdir(dir).catch(() => {}) }
  }
}

async function v1 (leaf: string, limits: CgroupLimits): Promise<AgentCgroup | null> {
  const dirs: string[] = []
  let memDir: string | null = null
  let kernelEnforces = true
  if (limits.memoryMb !== undefined) {
    const own = await ownPath('memory')
    if (own === null) return null
    memDir = join(ROOT, 'memory', own, leaf)
    await mkdir(memDir, { recursive: true })
    dirs.push(memDir)
    await writeFile(join(memDir, 'memory.limit_in_bytes'), String(limits.memoryMb * 1024 * 1024))
    // With swap the limit would only push the leak to disk; where memsw exists, cap it too.
    // Without it, on a host with swap, the kernel alone does not stop a leak: say so, and the
    // supervisor keeps polling RSS.
    const memsw = await writeFile(join(memDir, 'memory.memsw.limit_in_bytes'), String(limits.memoryMb * 1024 * 1024)).then(() => true, () => false)
    if (!memsw && await swapInUse()) kernelEnforces = false
  }
  let cpu = false
  if (limits.cpuPercent !== undefined) {
    const own = await ownPath('cpu')
    if (own !== null) {
      const cpuDir = join(ROOT, 'cpu', own, leaf)
      try {
        await mkdir(cpuDir, { recursive: true })
        await writeFile(join(cpuDir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US))
        await writeFile(join(cpuDir, 'cpu.cfs_quota_us'), String(Math.round(limits.cpuPercent / 100 * CPU_PERIOD_US)))
        dirs.push(cpuDir)
        cpu = true
      } catch {}
    }
  }
  if (dirs.length === 0) return null
  return {
    version: 'v1',
    memory: memDir !== null && kernelEnforces,
    cpu,
    add: async (pid) => { for (const d of dirs) await writeFile(join(d, 'cgroup.procs'), String(pid)) },
    memoryBytes: async () => memDir === null ? null : await readNumber(join(memDir, 'memory.usage_in_bytes')),
    oomKills: async () => memDir === null ? 0 : counter(await readFile(join(memDir, 'memory.oom_control'), 'utf8').catch(() => ''), 'oom_kill'),
    remove: async () => { for (const d of dirs) await rmdir(d).catch(() => {}) }
  }
}
