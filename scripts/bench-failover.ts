/**
 * Coordinator failover benchmark with real processes (issue 3, "Targets"): `kos start` nodes on
 * 127.0.0.1, observed over their HTTP APIs. For each cluster size, in every trial:
 * - SIGKILL the coordinator;
 * - poll every survivor's /v1/coordinator in parallel every ~20 ms, and time (from the kill)
 *   the first answer naming a new coordinator ("elected") and the moment every survivor names
 *   the same new one in the same term ("all agree");
 * - count the trial as split when the new term is more than one above the old (a round failed);
 * - restart the killed node with its data directory and wait until the cluster settles (all N
 *   agree on one coordinator, N voters, every node sees N − 1 peers alive) before the next.
 * Prints min, median and max with the machine's facts and the command, as markdown, and writes
 * the raw numbers as JSON.
 *
 * Usage: npm run bench:failover -- [--nodes 3,5] [--trials 10] [--profile lan] [--json docs/bench/failover.json]
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { Cluster, describeMachine, machineFacts, stats, type CoordinatorView, type KosProcess, type Stats } from '@kos/testkit'

const POLL_MS = 20
const DEADLINE_MS = 30_000

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3,5' },
    trials: { type: 'string', default: '10' },
    profile: { type: 'string' },
    json: { type: 'string' }
  }
})

const sizes = args.nodes.split(',').filter((x) => x !== '').map(Number)
const trials = Number(args.trials)
if (!sizes.every((n) => Number.isInteger(n) && n >= 3)) throw new Error(`--nodes: sizes must be integers >= 3, got ${args.nodes}`)
if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials: must be an integer >= 1, got ${args.trials}`)


async function until<T> (what: string, fn: () => Promise<T | false>, deadlineMs = DEADLINE_MS): Promise<T> {
  const start = performance.now()
  for (;;) {
    const value = await fn().catch(() => false as const)
    if (value !== false) return value
    if (performance.now() - start > deadlineMs) throw new Error(`bench: timed out after ${deadlineMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

/** The coordinator all `nodes` name, in one term, or false. */
async function agreed (nodes: KosProcess[]): Promise<{ peerId: string, term: number, views: CoordinatorView[] } | false> {
  const views = await Promise.all(nodes.map(async (n) => await n.coordinator()))
  const first = views[0]!
  if (first.peerId === null || !views.every((v) => v.peerId === first.peerId && v.term === first.term)) return false
  return { peerId: first.peerId, term: first.term, views }
}

/** All N agree on a coordinator, hold all N as voters, and see each other alive. */
async function settled (nodes: KosProcess[]): Promise<{ peerId: string, term: number } | false> {
  const a = await agreed(nodes)
  if (a === false || !a.views.every((v) => v.voters.length === nodes.length)) return false
  const alive = await Promise.all(nodes.map(async (n) => (await n.peers()).peers.filter((p) => p.state === 'alive').length))
  return alive.every((c) => c === nodes.length - 1) ? a : false
}

interface Trial {
  victim: string
  oldTerm: number
  newTerm: number
  /** SIGKILL → first survivor answer naming a new coordinator. */
  electedMs: number
  /** SIGKILL → every survivor names the same new coordinator in the same term. */
  allAgreeMs: number
  /** The new term is more than one above the old: at least one round failed. */
  split: boolean
  /** Restart of the killed node → settled again. */
  resettleMs: number
}

async function benchCluster (n: number): Promise<{ n: number, trials: Trial[] }> {
  const cluster = await new Cluster().init()
  const profile = args.profile
  try {
    const seed = await cluster.startNode({ profile })
    const nodes = [seed, ...await cluster.startNodes(Array.from({ length: n - 1 }, () => ({ profile, bootstrap: [seed.addr] })))]
    await until('the cluster to settle', async () => await settled(nodes), 60_000)

    const results: Trial[] = []
    for (let t = 0; t < trials; t++) {
      const before = await until('agreement before the kill', async () => await settled(nodes))
      const victim = nodes.find((x) => x.peerId === before.peerId)!
      const survivors = nodes.filter((x) => x !== victim)
      let electedAt: number | undefined
      const killedAt = performance.now()
      victim.kill('SIGKILL')
      const after = await until('every survivor to name a new coordinator', async () => {
        const views = await Promise.all(survivors.map(async (s) => await s.coordinator().catch(() => undefined)))
        const now = performance.now()
        if (electedAt === undefined && views.some((v) => v !== undefined && v.peerId !== null && v.peerId !== before.peerId)) electedAt = now
        const first = views[0]
        if (first?.peerId == null || first.peerId === before.peerId) return false
        return views.every((v) => v?.peerId === first.peerId && v.term === first.term) ? { term: first.term, at: now } : false
      })
      await victim.waitExit()
      const restartAt = performance.now()
      await victim.restart()
      await until('the cluster to settle after the restart', async () => await settled(nodes))
      const trial: Trial = {
        victim: victim.name,
        oldTerm: before.term,
        newTerm: after.term,
        electedMs: (electedAt ?? after.at) - killedAt,
        allAgreeMs: after.at - killedAt,
        split: after.term - before.term > 1,
        resettleMs: performance.now() - restartAt
      }
      results.push(trial)
      process.stderr.write(`bench: N=${n} trial ${t + 1}/${trials}: ${trial.victim} t${trial.oldTerm}→t${trial.newTerm} elected ${trial.electedMs.toFixed(0)} ms, all agree ${trial.allAgreeMs.toFixed(0)} ms${trial.split ? ' (split)' : ''}\n`)
    }
    return { n, trials: results }
  } finally {
    await cluster.cleanup()
  }
}

const machine = machineFacts()

const started = performance.now()
const results: Array<{ n: number, trials: Trial[] }> = []
for (const n of sizes) {
  process.stderr.write(`bench: N=${n} trials=${trials} profile=${args.profile ?? 'default'} ...\n`)
  results.push(await benchCluster(n))
}
const wallS = (performance.now() - started) / 1000

const command = `npm run bench:failover -- --nodes ${args.nodes} --trials ${trials}${args.profile === undefined ? '' : ` --profile ${args.profile}`}`
console.log(describeMachine(machine))
console.log(`Command: ${command} (${wallS.toFixed(0)} s)\n`)
console.log('| N | trials | SIGKILL → all survivors agree ms (min / median / max) | SIGKILL → first survivor names it ms (min / median / max) | trials with more than one round | restart → settled ms (median) |')
console.log('|---|---|---|---|---|---|')
const f = (s: Stats): string => `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)}`
for (const r of results) {
  const all = stats(r.trials.map((x) => x.allAgreeMs))
  const first = stats(r.trials.map((x) => x.electedMs))
  const splits = r.trials.filter((x) => x.split).length
  console.log(`| ${r.n} | ${r.trials.length} | ${f(all)} | ${f(first)} | ${splits} of ${r.trials.length} | ${stats(r.trials.map((x) => x.resettleMs)).median.toFixed(0)} |`)
}
if (args.json !== undefined) {
  await mkdir(dirname(args.json), { recursive: true })
  await writeFile(args.json, JSON.stringify({ machine, command, results }, null, 2) + '\n')
}
