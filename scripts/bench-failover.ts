/**
 * Coordinator failover benchmark with real processes (issues 3 and 15): `kos start` nodes on
 * 127.0.0.1, observed over their HTTP APIs. For each cluster size, `--trials` rounds of:
 * - SIGKILL the coordinator;
 * - poll every survivor's /v1/coordinator in parallel every ~20 ms, and time (from the kill)
 *   the first answer naming a new coordinator ("elected") and the moment every survivor names
 *   the same new one in the same term ("all agree");
 * - count a second election round when the new term is more than one above the old;
 * - restart the killed node on its data directory at once, with its start-up CPU burst beside
 *   the new coordinator, and poll every node's term until the cluster settles (all N agree on
 *   one coordinator, N voters, every node sees N − 1 peers alive) and for `--hold-ms` more: the
 *   return moved the term if any node reported a term above the failover's. The nodes log at
 *   `info` (the node's default), so a round that moved the term shows their election events.
 * Prints every round and a summary with the targets met or missed (bench-failover-report.ts),
 * as markdown, with the machine's facts and the command, and writes the raw numbers as JSON.
 *
 * Usage: npm run bench:failover -- [--nodes 5] [--trials 20] [--hold-ms 2000] [--profile lan] [--cluster-key] [--json docs/bench/failover.json]
 * --cluster-key: every node admits by a cluster key (docs/design/admission.md), to compare with none.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { Cluster, machineFacts, type CoordinatorView, type KosProcess } from '@kos/testkit'
import { failoverReport, type Round, type SizeResult } from './bench-failover-report.js'

const POLL_MS = 20
const DEADLINE_MS = 30_000

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5' },
    trials: { type: 'string', default: '20' },
    'hold-ms': { type: 'string', default: '2000' },
    profile: { type: 'string' },
    'cluster-key': { type: 'boolean', default: false },
    json: { type: 'string' }
  }
})

const sizes = args.nodes.split(',').filter((x) => x !== '').map(Number)
const trials = Number(args.trials)
const holdMs = Number(args['hold-ms'])
if (!sizes.every((n) => Number.isInteger(n) && n >= 3)) throw new Error(`--nodes: sizes must be integers >= 3, got ${args.nodes}`)
if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials: must be an integer >= 1, got ${args.trials}`)
if (!Number.isInteger(holdMs) || holdMs < 0) throw new Error(`--hold-ms: must be an integer >= 0, got ${args['hold-ms']}`)

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function until<T> (what: string, fn: () => Promise<T | false>, deadlineMs = DEADLINE_MS): Promise<T> {
  const start = performance.now()
  for (;;) {
    const value = await fn().catch(() => false as const)
    if (value !== false) return value
    if (performance.now() - start > deadlineMs) throw new Error(`bench: timed out after ${deadlineMs} ms waiting for ${what}`)
    await sleep(POLL_MS)
  }
}

/** The coordinator all `nodes` name, in one term, or false. */
function agreed (views: CoordinatorView[]): { peerId: string, term: number } | false {
  const first = views[0]!
  if (first.peerId === null || !views.every((v) => v.peerId === first.peerId && v.term === first.term)) return false
  return { peerId: first.peerId, term: first.term }
}

/** All N agree on a coordinator, hold all N as voters, and see each other alive. */
async function settled (nodes: KosProcess[], views?: CoordinatorView[]): Promise<{ peerId: string, term: number } | false> {
  const vs = views ?? await Promise.all(nodes.map(async (n) => await n.coordinator()))
  const a = agreed(vs)
  if (a === false || !vs.every((v) => v.voters.length === nodes.length)) return false
  const alive = await Promise.all(nodes.map(async (n) => (await n.peers()).peers.filter((p) => p.state === 'alive').length))
  return alive.every((c) => c === nodes.length - 1) ? a : false
}

/** Kill → every survivor names one new coordinator in one term. */
async function failover (before: { peerId: string }, victim: KosProcess, survivors: KosProcess[]): Promise<{ term: number, peerId: string, electedMs: number, allAgreeMs: number }> {
  let electedAt: number | undefined
  const killedAt = performance.now()
  victim.kill('SIGKILL')
  const after = await until('every survivor to name a new coordinator', async () => {
    const views = await Promise.all(survivors.map(async (s) => await s.coordinator().catch(() => undefined)))
    const now = performance.now()
    if (electedAt === undefined && views.some((v) => v !== undefined && v.peerId !== null && v.peerId !== before.peerId)) electedAt = now
    const first = views[0]
    if (first?.peerId == null || first.peerId === before.peerId) return false
    return views.every((v) => v?.peerId === first.peerId && v.term === first.term) ? { term: first.term, peerId: first.peerId, at: now } : false
  })
  return { term: after.term, peerId: after.peerId, electedMs: (electedAt ?? after.at) - killedAt, allAgreeMs: after.at - killedAt }
}

/**
 * Restart → settled and held for `holdMs`, noting the highest term any node reported (the
 * restarted one included, once it answers). A move of the term after settling restarts the hold.
 */
async function watchReturn (nodes: KosProcess[], victim: KosProcess): Promise<{ peerId: string, term: number, maxTerm: number, resettleMs: number }> {
  const restartAt = performance.now()
  await victim.restart()
  let maxTerm = 0
  let settledAt: number | undefined
  let last: { peerId: string, term: number } | false = false
  const deadline = restartAt + DEADLINE_MS + holdMs
  for (;;) {
    const views = await Promise.all(nodes.map(async (n) => await n.coordinator().catch(() => undefined)))
    for (const v of views) if (v !== undefined) maxTerm = Math.max(maxTerm, v.term)
    const now = await (views.every((v) => v !== undefined) ? settled(nodes, views as CoordinatorView[]).catch(() => false as const) : false)
    if (now === false || (last !== false && (now.term !== last.term || now.peerId !== last.peerId))) settledAt = undefined
    else settledAt ??= performance.now()
    last = now
    if (last !== false && settledAt !== undefined && performance.now() - settledAt >= holdMs) {
      return { ...last, maxTerm, resettleMs: settledAt - restartAt }
    }
    if (performance.now() > deadline) throw new Error(`bench: the cluster did not settle within ${DEADLINE_MS} ms of restarting ${victim.name}`)
    await sleep(POLL_MS)
  }
}

/** Every node's election events logged since `sinceWallMs`, oldest first, as `name event tN reason`. */
function electionEvents (nodes: KosProcess[], sinceWallMs: number): string[] {
  return nodes.flatMap((n) => n.logEvents.filter((e) => e.time >= sinceWallMs && (e.event.startsWith('coordinator:') || e.event === 'node:stalled')).map((e) => ({ e, n })))
    .sort((a, b) => a.e.time - b.e.time)
    .map(({ e, n }) => e.event === 'node:stalled'
      ? `+${e.time - sinceWallMs} ms ${n.name} stalled ${String(e.stallMs)} ms`
      : `+${e.time - sinceWallMs} ms ${n.name} ${e.event.slice('coordinator:'.length)} t${String(e.term)}${e.reason === undefined ? '' : ` (${String(e.reason)})`}`)
}

async function benchCluster (n: number): Promise<SizeResult> {
  const cluster = await new Cluster().init()
  const profile = args.profile
  const name = (nodes: KosProcess[], id: string): string => nodes.find((x) => x.peerId === id)?.name ?? id.slice(-6)
  try {
    const extraArgs = args['cluster-key'] ? ['--cluster-key-file', await cluster.clusterKeyFile()] : []
    const seed = await cluster.startNode({ profile, logLevel: 'info', extraArgs })
    const nodes = [seed, ...await cluster.startNodes(Array.from({ length: n - 1 }, () => ({ profile, bootstrap: [seed.addr], logLevel: 'info', extraArgs })))]
    await until('the cluster to settle', async () => await settled(nodes), 60_000)

    const rounds: Round[] = []
    for (let t = 0; t < trials; t++) {
      const before = await until('agreement before the kill', async () => await settled(nodes))
      const victim = nodes.find((x) => x.peerId === before.peerId)!
      const survivors = nodes.filter((x) => x !== victim)
      const killWallMs = Date.now()
      const after = await failover(before, victim, survivors)
      await victim.waitExit()
      const restartWallMs = Date.now()
      const back = await watchReturn(nodes, victim)
      const moved = back.maxTerm > after.term
      const round: Round = {
        victim: victim.name,
        oldTerm: before.term,
        failoverTerm: after.term,
        returnTerm: back.term,
        failoverCoordinator: name(nodes, after.peerId),
        returnCoordinator: name(nodes, back.peerId),
        electedMs: Math.round(after.electedMs),
        allAgreeMs: Math.round(after.allAgreeMs),
        secondRound: after.term - before.term > 1,
        returnMovedTerm: moved,
        returnMaxTerm: back.maxTerm,
        resettleMs: Math.round(back.resettleMs),
        returnEvents: moved ? electionEvents(nodes, restartWallMs) : [],
        failoverEvents: after.term - before.term > 1 ? electionEvents(survivors, killWallMs) : []
      }
      rounds.push(round)
      process.stderr.write(`bench: N=${n} round ${t + 1}/${trials}: ${round.victim} t${round.oldTerm}→t${round.failoverTerm} (${round.failoverCoordinator}) all agree ${round.allAgreeMs} ms` +
        `${round.secondRound ? ', second round' : ''}; back, settled in ${round.resettleMs} ms at t${round.returnTerm} (${round.returnCoordinator})` +
        `${round.secondRound ? `; failover events: ${round.failoverEvents.join('; ')}` : ''}` +
        `${moved ? `; THE RETURN MOVED THE TERM: ${round.returnEvents.join('; ')}` : ''}\n`)
    }
    return { n, rounds }
  } finally {
    await cluster.cleanup()
  }
}

const facts = machineFacts()
const started = performance.now()
const results: SizeResult[] = []
for (const n of sizes) {
  process.stderr.write(`bench: N=${n} rounds=${trials} profile=${args.profile ?? 'default'} cluster key ${args['cluster-key'] ? 'on' : 'off'} ...\n`)
  results.push(await benchCluster(n))
}
const wallS = (performance.now() - started) / 1000

const command = `npm run bench:failover -- --nodes ${args.nodes} --trials ${trials} --hold-ms ${holdMs}${args.profile === undefined ? '' : ` --profile ${args.profile}`}${args['cluster-key'] ? ' --cluster-key' : ''}`
console.log(`Cluster key: ${args['cluster-key'] ? 'on (every node admits by --cluster-key-file)' : 'off'}\n`)
console.log(failoverReport({ facts, command, wallS, holdMs, results }))
if (args.json !== undefined) {
  await mkdir(dirname(args.json), { recursive: true })
  await writeFile(args.json, JSON.stringify({ facts, command, clusterKey: args['cluster-key'], holdMs, results }, null, 2) + '\n')
}
