/**
 * A bandwidth limit on the traffic of some loopback hosts (127.0.0.21, …) with a token bucket
 * filter (tc-tbf(8)), for the chaos runs, without shaping anyone else's loopback traffic.
 *
 * Shaping `lo` itself would need a root qdisc on it, and every process on the machine talks
 * over `lo`. Instead the tbf sits on a device of our own, an ifb (`kosifb<pid>`), and `lo` only
 * gets classifiers: a `clsact` qdisc (created if absent) whose egress u32 filters match a
 * host's address as source or destination and redirect those packets with `mirred` to the ifb;
 * the ifb's tbf lets them through at the rate and hands them back to `lo`. Every other packet
 * is classified and passes untouched: `lo` keeps its `noqueue` root.
 *
 * Everything is removed by name: our filters by their preference (a number unique to this
 * process, checked free before use), the `clsact` qdisc only if we created it and nothing else
 * is left in it, the ifb by its name. `remove()` runs from a process `exit` handler too.
 * Needs Linux, root, `tc` and `ip` (iproute2), and a kernel with ifb, tbf, u32 and mirred;
 * `TbfThrottle.unavailable()` and `install()` say which is missing.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

async function cmd (bin: 'tc' | 'ip', ...args: string[]): Promise<string> {
  return (await run(bin, args, { timeout: 15_000 })).stdout
}

function cmdSync (bin: 'tc' | 'ip', ...args: string[]): string | undefined {
  try {
    return execFileSync(bin, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).toString()
  } catch {
    return undefined
  }
}

function errorText (err: unknown, bin: string): string {
  const e = err as { code?: string, stderr?: string, message?: string }
  if (e.code === 'ENOENT') return `the ${bin} binary is not installed (apt-get install iproute2)`
  return (e.stderr ?? '').trim() || (e.message ?? String(err))
}

/**
 * The tbf's bucket, bytes. It must hold the largest packet `lo` carries (its MTU is 65536, plus
 * the 14-byte link header): tbf drops a bigger packet outright, every retransmission too, which
 * would stall a TCP connection for good rather than slow it.
 */
export const TBF_BURST_BYTES = 68 * 1024
/** How long a packet may wait in the tbf's queue before it is dropped (the queue's length). */
export const TBF_LATENCY_MS = 500

/** What the tbf passed and dropped while a throttle held (from `tc -s`). */
export interface ThrottleStats { sentBytes: number, droppedPackets: number, overlimits: number }

export class TbfThrottle {
  /** Our ifb device. */
  readonly ifb: string
  /** The preference of our filters on `lo` egress: deleting it deletes exactly ours. */
  readonly pref: number
  private installed = false
  private createdClsact = false
  private filtering = false
  private readonly onExit = (): void => { this.removeSync() }

  constructor (tag = process.pid) {
    this.ifb = `kosifb${tag % 1_000_000}`
    this.pref = 20_000 + (tag % 40_000)
  }

  /** Why a bandwidth limit cannot be made here, or undefined if it can (install may still fail). */
  static async unavailable (): Promise<string | undefined> {
    if (process.platform !== 'linux') return `tc needs Linux (this is ${process.platform})`
    if (process.getuid?.() !== 0) return 'tc and ifb devices need root'
    for (const bin of ['tc', 'ip'] as const) {
      try {
        await cmd(bin, '-V')
      } catch (err) {
        return errorText(err, bin)
      }
    }
    return undefined
  }

  /** Creates our ifb device with its tbf (no traffic reaches it yet). Throws with the tool's message. */
  async install (): Promise<void> {
    if (this.installed) return
    this.installed = true // from here on, remove() has something to clean up
    process.once('exit', this.onExit)
    try {
      await cmd('ip', 'link', 'add', this.ifb, 'type', 'ifb')
      // At lo's MTU, so a redirected 64 KiB loopback packet is not refused by the ifb.
      await cmd('ip', 'link', 'set', this.ifb, 'mtu', '65536', 'up')
      await this.setRate(1024)
    } catch (err) {
      this.removeSync()
      throw new Error(`cannot set up a tbf on an ifb device ${this.ifb}: ${errorText(err, 'tc')}`, { cause: err })
    }
  }

  /** Sends every packet from or to `hosts` through our tbf at `rateKbit` kbit/s until `release`. */
  async throttle (hosts: readonly string[], rateKbit: number): Promise<void> {
    if (!this.installed) throw new Error(`the ifb device ${this.ifb} is not installed`)
    if (this.filtering) throw new Error('a throttle is already in place: release it first')
    try {
      await this.setRate(rateKbit)
      const qdiscs = await cmd('tc', 'qdisc', 'show', 'dev', 'lo')
      if (!/qdisc clsact /.test(qdiscs)) {
        await cmd('tc', 'qdisc', 'add', 'dev', 'lo', 'clsact')
        this.createdClsact = true
      }
      if ((await cmd('tc', 'filter', 'show', 'dev', 'lo', 'egress', 'pref', String(this.pref))).trim() !== '') {
        throw new Error(`filter preference ${this.pref} on lo egress is already taken by someone else`)
      }
      this.filtering = true
      for (const host of hosts) {
        for (const dir of ['src', 'dst']) {
          await cmd('tc', 'filter', 'add', 'dev', 'lo', 'egress', 'protocol', 'ip', 'pref', String(this.pref), 'u32',
            'match', 'ip', dir, `${host}/32`, 'action', 'mirred', 'egress', 'redirect', 'dev', this.ifb)
        }
      }
    } catch (err) {
      await this.release().catch(() => {})
      throw new Error(`cannot throttle ${hosts.join(', ')}: ${errorText(err, 'tc')}`, { cause: err })
    }
  }

  /** Removes our filters (and the clsact qdisc if we made it); returns what the tbf did meanwhile. */
  async release (): Promise<ThrottleStats> {
    this.releaseSync()
    const stats = await this.stats().catch(() => ({ sentBytes: 0, droppedPackets: 0, overlimits: 0 }))
    // A fresh tbf for the next throttle, so its counters and queue start empty.
    await cmd('tc', 'qdisc', 'del', 'dev', this.ifb, 'root').catch(() => {})
    return stats
  }

  /** Removes our filters, our clsact qdisc and our ifb device. Idempotent; never throws. */
  async remove (): Promise<void> {
    this.removeSync()
  }

  private async setRate (rateKbit: number): Promise<void> {
    if (!(rateKbit >= 8)) throw new RangeError(`rate must be at least 8 kbit/s, got ${rateKbit}`)
    await cmd('tc', 'qdisc', 'replace', 'dev', this.ifb, 'root', 'handle', '1:', 'tbf', 'rate', `${Math.round(rateKbit)}kbit`,
      'burst', String(TBF_BURST_BYTES), 'latency', `${TBF_LATENCY_MS}ms`)
  }

  private async stats (): Promise<ThrottleStats> {
    const out = await cmd('tc', '-s', 'qdisc', 'show', 'dev', this.ifb)
    const m = /Sent (\d+) bytes \d+ pkt \(dropped (\d+), overlimits (\d+)/.exec(out)
    return { sentBytes: Number(m?.[1] ?? 0), droppedPackets: Number(m?.[2] ?? 0), overlimits: Number(m?.[3] ?? 0) }
  }

  private releaseSync (): void {
    if (this.filtering) {
      cmdSync('tc', 'filter', 'del', 'dev', 'lo', 'egress', 'pref', String(this.pref))
      this.filtering = false
    }
    if (this.createdClsact) {
      // Only ours to delete while nobody else has put a filter in it meanwhile.
      const others = (cmdSync('tc', 'filter', 'show', 'dev', 'lo', 'egress') ?? 'unknown').trim() +
        (cmdSync('tc', 'filter', 'show', 'dev', 'lo', 'ingress') ?? 'unknown').trim()
      if (others === '') cmdSync('tc', 'qdisc', 'del', 'dev', 'lo', 'clsact')
      this.createdClsact = false
    }
  }

  private removeSync (): void {
    if (!this.installed) return
    this.releaseSync()
    cmdSync('ip', 'link', 'del', this.ifb)
    this.installed = false
    process.removeListener('exit', this.onExit)
  }
}
