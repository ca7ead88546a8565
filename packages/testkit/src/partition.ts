/**
 * Network partitions and packet loss between nodes on distinct loopback hosts (127.0.0.11,
 * 127.0.0.12, …) with iptables, for the chaos tests.
 *
 * Everything lives in one chain of our own (`KOS_TEST_<pid>` by default) that a single rule
 * jumps to from INPUT: loopback packets traverse OUTPUT then INPUT, so a DROP in INPUT matching
 * `-s` and `-d` stops a link in one direction; `cutLinks` drops both directions of each link
 * given, `cut` of every pair across a cut. `lose` drops a random fraction of a host's packets
 * (the `statistic` match, which draws per packet). Both return the rules they added, and
 * `delete` removes exactly those, so one nemesis can be undone while the chain stays. `heal`
 * flushes only our chain; `remove` deletes our jump rules and our chain, by name.
 * No other chain or rule is ever touched. Nodes must dial from their own listen host (the node
 * does so when all its listen addresses share one IPv4 host), or their packets would come from
 * 127.0.0.1 and pass.
 * Needs Linux, root and the iptables binary; `IptablesPartition.unavailable()` says why not.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** iptables, waiting for the xtables lock rather than failing when another user holds it. */
async function iptables (...args: string[]): Promise<void> {
  await run('iptables', ['-w', '5', ...args], { timeout: 15_000 })
}

function iptablesSync (...args: string[]): boolean {
  try {
    execFileSync('iptables', ['-w', '5', ...args], { stdio: 'ignore', timeout: 15_000 })
    return true
  } catch {
    return false
  }
}

function errorText (err: unknown): string {
  const e = err as { code?: string, stderr?: string, message?: string }
  if (e.code === 'ENOENT') return 'the iptables binary is not installed (apt-get install iptables)'
  return (e.stderr ?? '').trim() || (e.message ?? String(err))
}

/** One rule of our chain: the arguments after `-A <chain>`, the same ones `-D <chain>` takes. */
export type IptablesRule = readonly string[]

/** Two hosts whose link is cut in both directions. */
export type Link = readonly [string, string]

export class IptablesPartition {
  readonly chain: string
  private installed = false
  private readonly onExit = (): void => { this.removeSync() }

  /** `chain` must be unique to this test process; iptables allows up to 28 characters. */
  constructor (chain = `KOS_TEST_${process.pid}`) {
    if (!/^[A-Za-z0-9_]{1,28}$/.test(chain)) throw new RangeError(`chain name ${chain} must be 1–28 letters, digits or _`)
    this.chain = chain
  }

  /**
   * Why partitions cannot be made here, or undefined if they can: checks the platform, root and
   * the binary (by listing INPUT). Installing the chain can still fail: see `install`.
   */
  static async unavailable (): Promise<string | undefined> {
    if (process.platform !== 'linux') return `iptables partitions need Linux (this is ${process.platform})`
    if (process.getuid?.() !== 0) return 'iptables partitions need root (run the cluster tests as root, as CI does)'
    try {
      await iptables('-S', 'INPUT')
    } catch (err) {
      return `iptables cannot be used: ${errorText(err)}`
    }
    return undefined
  }

  /** Creates our chain and jumps to it first thing in INPUT. Throws with iptables' message. */
  async install (): Promise<void> {
    if (this.installed) return
    this.installed = true // from here on, remove() has something to clean up
    process.once('exit', this.onExit)
    try {
      await iptables('-N', this.chain)
      await iptables('-I', 'INPUT', '1', '-j', this.chain)
    } catch (err) {
      await this.remove()
      throw new Error(`cannot install iptables chain ${this.chain}: ${errorText(err)}`, { cause: err })
    }
  }

  /** Drops every packet between a host of `a` and a host of `b`, in both directions. */
  async cut (a: readonly string[], b: readonly string[]): Promise<IptablesRule[]> {
    return await this.cutLinks(a.flatMap((x) => b.map((y): Link => [x, y])))
  }

  /** Drops every packet of each link, in both directions; returns the rules added. */
  async cutLinks (links: readonly Link[]): Promise<IptablesRule[]> {
    return await this.append(links.flatMap(([x, y]) => [['-s', x, '-d', y, '-j', 'DROP'], ['-s', y, '-d', x, '-j', 'DROP']]))
  }

  /**
   * Drops each packet from or to `host` with probability `probability` (0–1], drawn per packet
   * by the kernel, so TCP sees loss and retransmits rather than a dead link. A packet between
   * two lossy hosts meets two draws. Returns the rules added.
   */
  async lose (host: string, probability: number): Promise<IptablesRule[]> {
    if (!(probability > 0 && probability <= 1)) throw new RangeError(`loss probability must be in (0, 1], got ${probability}`)
    const p = probability.toFixed(4)
    const draw = ['-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP']
    return await this.append([['-s', host, ...draw], ['-d', host, ...draw]])
  }

  /** Deletes these rules of our chain (each once), as `cutLinks` or `lose` returned them. */
  async delete (rules: readonly IptablesRule[]): Promise<void> {
    for (const rule of rules) await iptables('-D', this.chain, ...rule)
  }

  private async append (rules: readonly IptablesRule[]): Promise<IptablesRule[]> {
    if (!this.installed) throw new Error(`iptables chain ${this.chain} is not installed`)
    const added: IptablesRule[] = []
    try {
      for (const rule of rules) {
        await iptables('-A', this.chain, ...rule)
        added.push(rule)
      }
    } catch (err) {
      // Leave nothing half-applied behind: the caller never got the list to undo.
      await this.delete(added).catch(() => {})
      throw new Error(`iptables: ${errorText(err)}`, { cause: err })
    }
    return added
  }

  /** Deletes every rule of our chain (only ours): the links are whole again. */
  async heal (): Promise<void> {
    if (this.installed) await iptables('-F', this.chain)
  }

  /** The rules of our chain, as `iptables -S` prints them. */
  async rules (): Promise<string[]> {
    const { stdout } = await run('iptables', ['-w', '5', '-S', this.chain], { timeout: 15_000 })
    return stdout.split('\n').filter((l) => l.startsWith('-A '))
  }

  /** Removes the jump rules to our chain and the chain itself. Idempotent; never throws. */
  async remove (): Promise<void> {
    this.removeSync()
  }

  private removeSync (): void {
    if (!this.installed) return
    // -D removes one matching rule per call: repeat until there is none left.
    for (let i = 0; i < 16 && iptablesSync('-D', 'INPUT', '-j', this.chain); i++);
    iptablesSync('-F', this.chain)
    iptablesSync('-X', this.chain)
    this.installed = false
    process.removeListener('exit', this.onExit)
  }
}
