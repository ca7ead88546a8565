/**
 * CPU-burst benchmark with real processes (issue 15): `kos start` nodes on 127.0.0.1 at the
 * defaults, observed over their HTTP APIs. For `--trials` trials on one cluster: wait until all
 * nodes agree on a coordinator and answer 200, then run `--hogs` CPU-bound processes that are not
 * nodes for `--burst-seconds`, kill them by pid, and measure (the scenario is
 * @kos/testkit's runCpuBurst, which the cluster test test/cpu-burst.test.ts runs once):
 * - the time from the end of the burst until every node answers GET /v1/health with 200;
 * - the term moves, from every node's /v1/coordinator polled throughout;
 * - the deaths, from every node's /v1/peers polled throughout and kos_member_deaths_total.
 * Prints every trial and the targets met or missed (bench-burst-report.ts), as markdown, with the
 * machine's facts and the command, and writes the raw numbers as JSON.
 *
 * Usage: npm run bench:burst -- [--trials 5] [--nodes 5] [--hogs 2] [--burst-seconds 30] [--json docs/bench/burst.json]
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { agreedCoordinator, Cluster, machineFacts, runCpuBurst, type CpuBurstResult, type HealthView, type KosProcess } from '@kos/testkit'
import { burstReport } from './bench-burst-report.js'

const POLL_MS = 250
const SETTLE_DEADLINE_MS = 120_000
/** How long to wait for every node's 200 after a burst: long enough to measure a miss, not only to see it. */
const RECOVER_DEADLINE_MS = 60_000

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '5' },
    nodes: { type: 'string', default: '5' },
    hogs: { type: 'string', default: '2' },
    'burst-seconds': { type: 'string', default: '30' },
    json: { type: 'string' }
  }
})

const int = (name: string, value: string, min: number): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: must be an integer >= ${min}, got ${value}`)
  return n
}
const trials = int('trials', args.trials, 1)
const n = int('nodes', args.nodes, 3)
const hogs = int('hogs', args.hogs, 1)
const burstSeconds = int('burst-seconds', args['burst-seconds'], 1)

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** Until every node sees the others alive, all agree on a coordinator with N voters, and all answer 200. */
async function settled (nodes: KosProcess[]): Promise<void> {
  const start = performance.now()
  let last = ''
  for (;;) {
    try {
      await agreedCoordinator(nodes, (v) => v.voters.length === nodes.length ? undefined : `${v.voters.length} voters`)
      const views = await Promise.all(nodes.map(async (x) => ({ x, alive: (await x.peers()).peers.filter((p) => p.state === 'alive').length, h: await x.api<HealthView>('/v1/health') })))
      const off = views.filter((v) => v.alive !== nodes.length - 1 || v.h.status !== 200)
      if (off.length === 0) return
      last = off.map((v) => `${v.x.name}: ${v.alive} alive, ${v.h.status} ${v.h.body.checks.filter((c) => c.status !== 'passing').map((c) => c.name).join(',')}`).join('; ')
    } catch (err) {
      last = (err as Error).message
    }
    if (performance.now() - start > SETTLE_DEADLINE_MS) throw new Error(`bench: the cluster did not settle within ${SETTLE_DEADLINE_MS} ms: ${last}`)
    await sleep(POLL_MS)
  }
}

const facts = machineFacts()
const started = performance.now()
const results: CpuBurstResult[] = []
const cluster = await new Cluster().init()
try {
  const first = await cluster.startNode({ name: 'n1' })
  const nodes = [first, ...await cluster.startNodes(Array.from({ length: n - 1 }, (_, i) => ({ name: `n${i + 2}`, bootstrap: [first.addr] })))]
  for (let t = 0; t < trials; t++) {
    await settled(nodes)
    const r = await runCpuBurst(nodes, { hogs, burstMs: burstSeconds * 1000, pollMs: POLL_MS, recoverDeadlineMs: RECOVER_DEADLINE_MS })
    results.push(r)
    process.stderr.write(`bench: burst ${t + 1}/${trials}: back to 200 after ${String(r.backTo200Ms)} ms, term t${r.termBefore} → t${r.termMax}, deaths ${r.deaths.length} seen / ${r.deathsCounted} counted\n`)
  }
} finally {
  await cluster.cleanup()
}
const wallS = (performance.now() - started) / 1000

const command = `npm run bench:burst -- --trials ${trials} --nodes ${n} --hogs ${hogs} --burst-seconds ${burstSeconds}`
console.log(burstReport({ facts, command, wallS, nodes: n, trials: results }))
if (args.json !== undefined) {
  await mkdir(dirname(args.json), { recursive: true })
  await writeFile(args.json, JSON.stringify({ facts, command, results }, null, 2) + '\n')
}
