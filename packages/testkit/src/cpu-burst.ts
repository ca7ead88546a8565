/**
 * The CPU-burst scenario of issue 15, shared by the cluster test (test/cpu-burst.test.ts) and the
 * benchmark (scripts/bench-burst.ts): on a formed cluster, `hogs` CPU-bound processes that are
 * not nodes run for `burstMs`, then stop. Throughout, every node's /v1/peers (false deaths) and
 * /v1/coordinator (term moves) are polled, and /v1/health is read round after round; after the
 * burst, the rounds go on until every node answers 200 in one round, or `recoverDeadlineMs`.
 */
import { agreedCoordinator, CoordinatorWatch } from './coordinator.js'
import { startCpuHogs } from './cpu-hogs.js'
import type { KosProcess } from './kos-process.js'
import { PeerStateWatch, type DeathSighting } from './peer-watch.js'
import type { HealthView } from './views.js'

export interface CpuBurstOptions {
  /** CPU-bound processes to run beside the nodes. @default 2 */
  hogs?: number
  /** How long they run. @default 30000 */
  burstMs?: number
  /** Period of every poll. @default 250 */
  pollMs?: number
  /** How long after the burst to wait for every node's 200. @default 60000 */
  recoverDeadlineMs?: number
}

/** One node's last /v1/health answer that was not 200. */
export interface NotHealthy {
  node: string
  /** The HTTP status, or null when the node did not answer within the request deadline. */
  status: number | null
  mode: string | null
  /** The checks that were not passing, each `name (output)`. */
  failing: string[]
}

/** `n3 429 normal: machine-cpu (machine CPU 97 % busy, …)`, or without the outputs when `brief`. */
export function describeNotHealthy (h: NotHealthy, brief = false): string {
  if (h.status === null) return `${h.node}: no answer`
  const checks = brief ? h.failing.map((f) => f.slice(0, f.indexOf(' (') < 0 ? undefined : f.indexOf(' ('))) : h.failing
  return `${h.node} ${h.status} ${h.mode ?? '?'}: ${checks.join('; ')}`
}

/** What one node's /v1/health answered during the burst. */
export interface HealthSeen {
  /** HTTP status → answers (0: no answer within the request deadline). */
  codes: Record<string, number>
  /** `check: status` of every check seen failing, once each. */
  failing: string[]
  /** The modes reported. */
  modes: string[]
}

export interface CpuBurstResult {
  hogs: number
  /** How long the hogs really ran, ms. */
  burstMs: number
  termBefore: number
  /** The highest term any node reported from the start of the burst until every node was back at 200. */
  termMax: number
  /** termMax − termBefore: elections (or election rounds) the burst caused. */
  termMoves: number
  /** Every sighting of a peer in state dead, by polling; times relative to the burst's start. */
  deaths: DeathSighting[]
  /** Deaths the nodes themselves counted over the run (kos_member_deaths_total, summed). */
  deathsCounted: number
  /** From the end of the burst until every node answered 200 in one round; null past the deadline. */
  backTo200Ms: number | null
  /** Per node, what /v1/health answered during the burst and the recovery. */
  health: Record<string, HealthSeen>
  /**
   * The nodes not at 200 in the last round before every node was (or when the deadline passed),
   * with their failing checks: what the wait was for.
   */
  waitingOn: NotHealthy[]
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function deathsCounted (nodes: readonly KosProcess[]): Promise<number> {
  return (await Promise.all(nodes.map(async (n) => await n.metric('kos_member_deaths_total')))).reduce((a, b) => a + b, 0)
}

/** One round of /v1/health over every node, recorded into `seen`; true if all answered 200. */
async function healthRound (nodes: readonly KosProcess[], seen: Record<string, HealthSeen>, last: Map<string, NotHealthy | null>): Promise<boolean> {
  const answers = await Promise.all(nodes.map(async (n) => await n.api<HealthView>('/v1/health').catch(() => undefined)))
  let all = true
  for (const [i, n] of nodes.entries()) {
    const res = answers[i]
    const s = seen[n.name]!
    const code = String(res?.status ?? 0)
    s.codes[code] = (s.codes[code] ?? 0) + 1
    if (res?.status !== 200) all = false
    if (res === undefined) { last.set(n.name, { node: n.name, status: null, mode: null, failing: [] }); continue }
    const body = res.body
    if (!s.modes.includes(body.mode)) s.modes.push(body.mode)
    for (const c of body.checks) {
      const tag = `${c.name}: ${c.status}`
      if (c.status !== 'passing' && !s.failing.includes(tag)) s.failing.push(tag)
    }
    const failing = body.checks.filter((c) => c.status !== 'passing').map((c) => `${c.name} (${c.output})`)
    last.set(n.name, res.status === 200 ? null : { node: n.name, status: res.status, mode: body.mode, failing })
  }
  return all
}

/** Runs the burst on a formed cluster whose nodes agree on one coordinator. */
export async function runCpuBurst (nodes: readonly KosProcess[], opts: CpuBurstOptions = {}): Promise<CpuBurstResult> {
  const hogCount = opts.hogs ?? 2
  const burstMs = opts.burstMs ?? 30_000
  const pollMs = opts.pollMs ?? 250
  const recoverDeadlineMs = opts.recoverDeadlineMs ?? 60_000
  const termBefore = (await agreedCoordinator(nodes)).term
  const deaths0 = await deathsCounted(nodes)
  const seen: Record<string, HealthSeen> = Object.fromEntries(nodes.map((n) => [n.name, { codes: {}, failing: [], modes: [] }]))
  const last = new Map<string, NotHealthy | null>()
  const peers = new PeerStateWatch(nodes, pollMs).start()
  const terms = new CoordinatorWatch(nodes, pollMs).start()
  const startedAt = performance.now()
  // The hogs end themselves 10 s after the burst should have, should this process die first.
  const hogs = startCpuHogs(hogCount, burstMs + 10_000)
  let endedAt: number
  let backAt: number | undefined
  let waitingOn: NotHealthy[] = []
  try {
    // The fault's own duration: health rounds go on while it lasts.
    while (performance.now() - startedAt < burstMs) {
      await healthRound(nodes, seen, last)
      await sleep(pollMs)
    }
  } finally {
    await hogs.stop()
    endedAt = performance.now()
  }
  try {
    while (backAt === undefined && performance.now() - endedAt < recoverDeadlineMs) {
      if (await healthRound(nodes, seen, last)) backAt = performance.now()
      else {
        waitingOn = [...last.values()].filter((h): h is NotHealthy => h !== null)
        await sleep(pollMs)
      }
    }
  } finally {
    await Promise.all([peers.stop(), terms.stop()])
  }
  const termMax = Math.max(termBefore, ...terms.observations.map((o) => o.term))
  return {
    hogs: hogCount,
    burstMs: Math.round(endedAt - startedAt),
    termBefore,
    termMax,
    termMoves: termMax - termBefore,
    deaths: peers.deaths.map((d) => ({ ...d, atMs: Math.round(d.atMs - startedAt) })),
    deathsCounted: (await deathsCounted(nodes)) - deaths0,
    backTo200Ms: backAt === undefined ? null : Math.round(backAt - endedAt),
    health: seen,
    waitingOn
  }
}
