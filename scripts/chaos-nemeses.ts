/**
 * The nemeses of a chaos run (scripts/chaos.ts), one at a time: each applies one fault to real
 * `kos start` processes, holds it for a seeded time, then undoes exactly what it applied (in a
 * `finally`, so a failure or Ctrl-C mid-hold undoes it too). Every choice (kind, nodes, shape,
 * hold, loss rate, bandwidth) is drawn from the run's seeded random, so a seed replays the
 * same schedule; the timing of the processes themselves does not replay.
 *
 * - `kill`: SIGKILL one node, restart it on its data directory.
 * - `pause`: SIGSTOP one node, SIGCONT it (its timers fire late, its peers see silence).
 * - `isolate`, `split`, `bridge`, `ring`: a partition shape from `grudges` on shuffled hosts,
 *   cut with iptables and healed by deleting those rules.
 * - `loss`: one node's packets dropped with a probability of 10–50 % (iptables `statistic`).
 * - `throttle`: one node's packets through a tbf at 16–256 kbit/s (`TbfThrottle`).
 * The iptables kinds need `IptablesPartition`, `throttle` needs `TbfThrottle`; without them the
 * kind is left out and `leftOut` says why.
 */
import { grudges, type IptablesPartition, type KosProcess, type Link, type TbfThrottle } from '@kos/testkit'

export const NEMESIS_KINDS = ['kill', 'pause', 'isolate', 'split', 'bridge', 'ring', 'loss', 'throttle'] as const
export type NemesisKind = typeof NEMESIS_KINDS[number]

/** Parses `--nemeses kill,ring,…`; throws naming the unknown kind. */
export function parseKinds (list: string): NemesisKind[] {
  return list.split(',').map((k) => k.trim()).filter((k) => k !== '').map((k) => {
    if (!(NEMESIS_KINDS as readonly string[]).includes(k)) throw new Error(`--nemeses: unknown kind ${k} (one of ${NEMESIS_KINDS.join(', ')})`)
    return k as NemesisKind
  })
}

const PARTITION_SHAPES: Record<'isolate' | 'split' | 'bridge' | 'ring', (hosts: readonly string[]) => Link[]> = {
  isolate: grudges.isolate,
  split: grudges.split,
  bridge: grudges.bridge,
  ring: grudges.ring
}

/**
 * Hold times, ms: process and partition faults act at once; loss and a low rate act by
 * attrition, and a tbf first lets its full bucket through (TBF_BURST_BYTES, 68 KiB, about 4 s of
 * a node's traffic in a 5-node run), so those are held longer.
 */
const HOLD_MS = { sharp: [2000, 5000], slow: [4000, 10000] } as const
/** Loss probabilities, percent: from noticeable to about half of all packets, retransmissions included. */
const LOSS_PERCENT = [10, 50] as const
/** Bandwidth limits, kbit/s: a node's gossip and audit sync fit in the top one, not in the bottom. */
const RATES_KBIT = [16, 32, 64, 128, 256] as const

export interface NemesisTools {
  /** Seeded random in [0, 1). */
  random: () => number
  /** Installed; undefined leaves out the partition shapes and `loss`. */
  partition?: IptablesPartition
  /** Installed; undefined leaves out `throttle`. */
  throttle?: TbfThrottle
  /** Only these kinds (`--nemeses`); all when absent. */
  only?: readonly NemesisKind[]
  /** Why the missing tools are missing, for `leftOut`. */
  partitionMissing?: string
  throttleMissing?: string
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

export class Nemeses {
  /** Kinds that are not drawn, and why. */
  readonly leftOut = new Map<NemesisKind, string>()
  /** How many times each kind was applied. */
  readonly counts = new Map<NemesisKind, number>()

  constructor (private readonly tools: NemesisTools) {}

  /** The kinds drawn from for `nodes` nodes. */
  kinds (nodes: number): NemesisKind[] {
    return NEMESIS_KINDS.filter((k) => {
      if (this.tools.only !== undefined && !this.tools.only.includes(k)) return false
      if (k === 'ring' && nodes <= 3) this.leftOut.set(k, 'with 3 nodes every node neighbours both others')
      if (['isolate', 'split', 'bridge', 'ring', 'loss'].includes(k) && this.tools.partition === undefined) {
        this.leftOut.set(k, this.tools.partitionMissing ?? 'no iptables')
      }
      if (k === 'throttle' && this.tools.throttle === undefined) this.leftOut.set(k, this.tools.throttleMissing ?? 'no tc')
      return !this.leftOut.has(k)
    })
  }

  /** Applies, holds and undoes one seeded nemesis on `nodes`; returns what it did, for the log. */
  async next (nodes: readonly KosProcess[]): Promise<string> {
    const kinds = this.kinds(nodes.length)
    if (kinds.length === 0) throw new Error(`no nemesis can be applied here: ${[...this.leftOut].map(([k, why]) => `${k}: ${why}`).join('; ')}`)
    const kind = this.pick(kinds)
    const what = await this.apply(kind, nodes)
    if (!what.startsWith('skipped')) this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1)
    return what
  }

  private async apply (kind: NemesisKind, nodes: readonly KosProcess[]): Promise<string> {
    const { partition, throttle } = this.tools
    const hold = kind === 'loss' || kind === 'throttle' ? this.between(...HOLD_MS.slow) : this.between(...HOLD_MS.sharp)
    if (kind === 'kill') {
      const n = this.pick(nodes)
      await n.killNow()
      try { await sleep(hold) } finally { await n.restart() }
      return `kill ${n.name} for ${hold} ms`
    }
    if (kind === 'pause') {
      const n = this.pick(nodes)
      n.kill('SIGSTOP')
      try { await sleep(hold) } finally { n.kill('SIGCONT') }
      return `pause ${n.name} for ${hold} ms`
    }
    if (kind === 'loss') {
      const n = this.pick(nodes)
      const percent = this.between(...LOSS_PERCENT)
      const rules = await partition!.lose(n.host, percent / 100)
      try { await sleep(hold) } finally { await partition!.delete(rules) }
      return `loss ${n.name} ${percent}% for ${hold} ms`
    }
    if (kind === 'throttle') {
      const n = this.pick(nodes)
      const rate = this.pick(RATES_KBIT)
      try {
        await throttle!.throttle([n.host], rate)
      } catch (err) {
        // The kernel lacks a piece (clsact, u32, mirred): say so once and draw it no more.
        this.leftOut.set('throttle', (err as Error).message)
        return `skipped throttle: ${(err as Error).message}`
      }
      let stats
      try { await sleep(hold) } finally { stats = await throttle!.release() }
      return `throttle ${n.name} to ${rate} kbit/s for ${hold} ms (tbf passed ${stats.sentBytes} B, dropped ${stats.droppedPackets} packets, ${stats.overlimits} overlimits)`
    }
    const order = this.shuffle(nodes)
    const links = PARTITION_SHAPES[kind](order.map((n) => n.host))
    const rules = await partition!.cutLinks(links)
    try { await sleep(hold) } finally { await partition!.delete(rules) }
    const name = (host: string): string => nodes.find((n) => n.host === host)?.name ?? host
    return `${kind} ${this.describeShape(kind, order.map((n) => n.name))} (${links.length} links cut: ${links.map(([a, b]) => `${name(a)}-${name(b)}`).join(' ')}) for ${hold} ms`
  }

  private describeShape (kind: NemesisKind, names: string[]): string {
    const m = Math.floor((names.length - 1) / 2)
    if (kind === 'isolate') return `${names[0]!} | ${names.slice(1).join(',')}`
    if (kind === 'split') return `${names.slice(0, m).join(',')} | ${names.slice(m).join(',')}`
    if (kind === 'bridge') return `${names.slice(0, m).join(',')} | ${names[m]!} | ${names.slice(m + 1).join(',')}`
    return `${names.join('-')}-${names[0]!}`
  }

  private pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.tools.random() * xs.length)] as T }
  private between (lo: number, hi: number): number { return lo + Math.floor(this.tools.random() * (hi - lo + 1)) }
  /** Fisher–Yates with the seeded random (sorting by a random comparator is biased). */
  private shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.tools.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!]
    }
    return out
  }
}
