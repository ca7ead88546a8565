/**
 * Audit log benchmark with real processes (issues 4 and 21, "Targets"): `kos start` nodes on
 * 127.0.0.1, loaded and observed over their HTTP APIs.
 * - Throughput: a 3-node cluster; for ack=local and ack=quorum and 1, 16 and 64 requests in
 *   flight, POST /v1/audit (200-byte payload) on one node for `--seconds` (after a warm-up) and
 *   report appends/s with the p50, p99 and max request latency. Then ack=local through
 *   POST /v1/audit/batch (`--batch` entries a request) at the largest in-flight count.
 * - With `--compare-etcd`: a 3-member etcd (Debian's etcd-server, every setting at its default)
 *   on 127.0.0.1, loaded with the same client code (etcd-cluster.ts, audit-client.ts: node:http
 *   keep-alive, JSON in and out) through its v3 JSON gateway, puts of a 200-byte value to the
 *   leader; at each in-flight count etcd and kOS ack=quorum run one after the other, and the
 *   report gives kOS/etcd. Without etcd installed it says so and measures kOS alone.
 * - The ceiling: one node alone (nothing to replicate, no peer on the machine), ack=local at
 *   each in-flight count: what a node's own append path reaches with a core to itself, the
 *   bound a replicated append on the same machine stays under.
 * - Propagation: clusters of `--sizes` nodes; every node's /v1/audit/stream (SSE) is open; an
 *   entry is POSTed on one node every 200 ms, and its time to reach all nodes is from the POST
 *   to the last stream that shows it. Median and max. Once with nothing else written, and once
 *   under a steady write load of `--load` appends/s (ack=local, round-robin over every node,
 *   audit-load.ts) that starts a second before the first entry; `--load 0` skips that pass.
 * Prints markdown with the machine's facts and the command, and writes the raw numbers as JSON.
 *
 * Usage: npm run bench:audit -- [--seconds 5] [--inflight 1,16,64] [--sizes 5,10] [--entries 30] [--load 200] [--batch 100] [--compare-etcd] [--propagation-only] [--json docs/bench/audit.json]
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { Cluster, describeMachine, machineFacts, percentile, stats, type KosProcess } from '@kos/testkit'
import { batchPoster, etcdPutter, poster, token } from './audit-client.js'
import { SteadyLoad, type LoadReport } from './audit-load.js'
import { EtcdCluster, etcdVersion } from './etcd-cluster.js'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    sizes: { type: 'string', default: '5,10' },
    entries: { type: 'string', default: '30' },
    inflight: { type: 'string', default: '1,16,64' },
    load: { type: 'string', default: '200' },
    batch: { type: 'string', default: '100' },
    'compare-etcd': { type: 'boolean', default: false },
    'propagation-only': { type: 'boolean', default: false },
    json: { type: 'string' }
  }
})

function intList (flag: string, value: string, min: number): number[] {
  const xs = value.split(',').filter((x) => x !== '').map(Number)
  if (xs.length === 0 || !xs.every((n) => Number.isInteger(n) && n >= min)) throw new Error(`--${flag}: integers >= ${min} separated by commas, got ${value}`)
  return xs
}
const seconds = intList('seconds', args.seconds, 1)[0]!
const sizes = intList('sizes', args.sizes, 2)
const entries = intList('entries', args.entries, 1)[0]!
const inflights = intList('inflight', args.inflight, 1)
const load = intList('load', args.load, 0)[0]!
const batchSize = intList('batch', args.batch, 1)[0]!
if (batchSize > 1000) throw new Error(`--batch: at most 1000 (POST /v1/audit/batch takes 1000 entries), got ${batchSize}`)

interface Throughput { system: string, ack: string, inflight: number, appends: number, perSecond: number, p50: number, p99: number, max: number, errors: number }

/** `inflight` loops of `post` for `--seconds` after a 1 s warm-up; each call writes `perCall` entries. */
async function throughput (system: string, ack: string, inflight: number, post: (i: number) => Promise<unknown>, perCall = 1): Promise<Throughput> {
  const latencies: number[] = []
  let errors = 0
  let i = 0
  const run = async (until: number, record: boolean): Promise<void> => {
    await Promise.all(Array.from({ length: inflight }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now()
        try {
          await post(i++)
          if (record) latencies.push(performance.now() - t0)
        } catch {
          errors++
        }
      }
    }))
  }
  await run(performance.now() + 1000, false) // warm-up: connections, JIT
  const start = performance.now()
  await run(start + seconds * 1000, true)
  const elapsed = (performance.now() - start) / 1000
  return {
    system,
    ack,
    inflight,
    appends: latencies.length * perCall,
    perSecond: Math.round(latencies.length * perCall / elapsed),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(Math.max(...latencies)),
    errors
  }
}

/** Reads a node's SSE tail and calls `onEntry(hash, arrivalMs)` per entry; `onOpen` at its first bytes. */
function tail (n: KosProcess, onEntry: (hash: string, at: number) => void, onOpen: () => void, signal: AbortSignal): Promise<void> {
  return (async () => {
    const res = await fetch(`http://127.0.0.1:${n.apiPort}/v1/audit/stream`, { signal })
    if (res.body === null) throw new Error(`${n.name}: no stream body`)
    const decoder = new TextDecoder()
    let buf = ''
    for await (const chunk of res.body) {
      const at = performance.now()
      onOpen()
      buf += decoder.decode(chunk as Uint8Array, { stream: true })
      let cut = buf.indexOf('\n\n')
      while (cut >= 0) {
        const event = buf.slice(0, cut)
        buf = buf.slice(cut + 2)
        for (const line of event.split('\n')) {
          if (line.startsWith('data: ')) onEntry((JSON.parse(line.slice(6)) as { hash: string }).hash, at)
        }
        cut = buf.indexOf('\n\n')
      }
    }
  })().catch((err: Error) => { if (!signal.aborted) throw err })
}

/** `missed`: entries not on every node within 10 s (their times are left out of `ms`), with how many nodes each reached. */
/** `held`: how many nodes' logs held a missed entry when asked right after its 10 s (a stream behind its log, or replication behind). */
interface Propagation { nodes: number, ms: number[], missed: Array<{ entry: number, reached: number, held: number }>, load: LoadReport | null }

/** Each node's audit message losses so far: its sync channel's drops and its refused entries, from /metrics (a non-200 answer is reported, not read as "none"). */
async function lossCounters (nodes: KosProcess[]): Promise<string[]> {
  return await Promise.all(nodes.map(async (n) => {
    try {
      const res = await fetch(`http://127.0.0.1:${n.apiPort}/metrics`, { signal: AbortSignal.timeout(5000) })
      if (res.status !== 200) return `${n.name}: /metrics answered ${res.status}`
      const text = await res.text()
      const lines = text.split('\n').filter((l) => (l.startsWith('kos_channel_dropped_total{') && l.includes('audit')) || l.startsWith('kos_audit_rejected_total{'))
      return `${n.name}: ${lines.map((l) => l.replace(/^kos_/, '')).join(', ') || 'none'}`
    } catch (err) {
      return `${n.name}: ${(err as Error).message}`
    }
  }))
}

/** How many of `nodes` hold the entry `hash` of `origin`, by GET /v1/audit over the last minute of that origin. */
async function holders (nodes: KosProcess[], origin: string, hash: string): Promise<number> {
  const since = Date.now() - 12_000
  const held = await Promise.all(nodes.map(async (n) => {
    try {
      const res = await fetch(`http://127.0.0.1:${n.apiPort}/v1/audit?origin=${origin}&since=${since}&limit=1000`, { signal: AbortSignal.timeout(5000) })
      return ((await res.json()) as { entries: Array<{ hash: string }> }).entries.some((e) => e.hash === hash)
    } catch {
      return false
    }
  }))
  return held.filter(Boolean).length
}

/** `entries` entries POSTed on the first node, 200 ms apart: ms from each POST until every node's stream showed it. With `perSecond` > 0, under that write load. */
async function propagation (nodes: KosProcess[], perSecond: number): Promise<Propagation> {
  const seen = new Map<string, number[]>()
  const abort = new AbortController()
  const broken: string[] = []
  const open = new Set<string>()
  const tails = nodes.map(async (n) => await tail(n, (hash, at) => {
    const xs = seen.get(hash) ?? []
    xs.push(at)
    seen.set(hash, xs)
  }, () => open.add(n.name), abort.signal).catch((err: Error) => { broken.push(`${n.name}: ${err.message} (${String((err.cause as Error | undefined)?.message ?? '')}); stderr: ${n.stderr.toString().slice(-2000)}`) }))
  for (let waited = 0; open.size < nodes.length; waited += 20) {
    if (waited > 30_000) throw new Error(`audit streams open on ${open.size} of ${nodes.length} nodes after 30 s`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const post = poster(nodes[0]!, await token(nodes[0]!), 'local')
  let writer: SteadyLoad | undefined
  if (perSecond > 0) {
    writer = new SteadyLoad(await Promise.all(nodes.map(async (n) => poster(n, await token(n), 'local', 'bench:load'))), perSecond)
    writer.start()
    await new Promise((resolve) => setTimeout(resolve, 1000)) // the load is steady before the first entry
  }
  const times: number[] = []
  const missed: Propagation['missed'] = []
  for (let i = 0; i < entries; i++) {
    const t0 = performance.now()
    const { hash, origin } = await post(i)
    const deadline = performance.now() + 10_000
    while ((seen.get(hash)?.length ?? 0) < nodes.length && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2))
    const arrivals = seen.get(hash) ?? []
    if (arrivals.length < nodes.length) {
      // A miss is a result, not a crash of the benchmark: the report counts it.
      const held = await holders(nodes, origin, hash)
      missed.push({ entry: i, reached: arrivals.length, held })
      process.stderr.write(`bench: entry ${i} reached ${arrivals.length} of ${nodes.length} nodes' streams in 10 s${perSecond > 0 ? ` under ${perSecond} appends/s` : ''}, held by ${held}; broken streams: ${broken.join(' | ') || 'none'}\n`)
    } else {
      times.push(round(Math.max(...arrivals) - t0))
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const report = writer === undefined ? null : await writer.stop()
  if (missed.length > 0) process.stderr.write(`bench: audit losses per node after the misses: ${(await lossCounters(nodes)).join('; ')}\n`)
  abort.abort()
  await Promise.allSettled(tails)
  return { nodes: nodes.length, ms: times, missed, load: report }
}

function round (x: number): number { return Math.round(x * 10) / 10 }

async function startCluster (cluster: Cluster, size: number): Promise<KosProcess[]> {
  const first = await cluster.startNode({ name: 'n1' })
  const rest = await cluster.startNodes(Array.from({ length: size - 1 }, (_, i) => ({ name: `n${i + 2}`, bootstrap: [first.addr] })))
  const nodes = [first, ...rest]
  await cluster.waitFor(`all ${size} alive in every view`, async () => {
    for (const n of nodes) if ((await n.peers()).peers.filter((p) => p.state === 'alive').length !== size - 1) return false
    return true
  }, { timeoutMs: 60_000 })
  return nodes
}

const facts = machineFacts()
/** Other work on the machine skews every figure here: the report says how busy it was. */
const loadAtStart = loadavg().map((x) => x.toFixed(1)).join(', ')
const results: { throughput: Throughput[], etcd: Throughput[], alone: Throughput[], propagation: Propagation[] } = { throughput: [], etcd: [], alone: [], propagation: [] }
const etcd = args['compare-etcd'] ? etcdVersion() : null
if (etcd !== null && 'missing' in etcd) console.error(`bench: ${etcd.missing}; measuring kOS alone`)

const show = (r: Throughput): void => {
  console.error(`${r.system} ${r.ack} inflight=${r.inflight}: ${r.perSecond}/s p50 ${r.p50} ms p99 ${r.p99} ms max ${r.max} ms (${r.errors} errors)`)
}

const cluster = new Cluster()
const etcdCluster = new EtcdCluster()

/** The 3-node throughput runs, with etcd beside them when asked. */
async function throughputRuns (): Promise<void> {
  await cluster.init()
  const three = await startCluster(cluster, 3)
  const n = three[0]!
  const tok = await token(n)
  let etcdPort: number | undefined
  if (etcd !== null && 'version' in etcd) {
    await etcdCluster.start(3)
    etcdPort = await etcdCluster.leaderPort()
  }
  for (const ack of ['local', 'quorum']) {
    for (const inflight of inflights) {
      if (ack === 'quorum' && etcdPort !== undefined) {
        const e = await throughput(`etcd ${(etcd as { version: string }).version}`, 'majority', inflight, etcdPutter(etcdPort))
        show(e)
        results.etcd.push(e)
      }
      const r = await throughput('kOS', ack, inflight, poster(n, tok, ack))
      show(r)
      results.throughput.push(r)
    }
  }
  const most = Math.max(...inflights)
  const b = await throughput('kOS', `local, batch of ${batchSize}`, most, batchPoster(n, tok, 'local', batchSize), batchSize)
  show(b)
  results.throughput.push(b)
  await etcdCluster.stop()
  await cluster.cleanup()
  const solo = new Cluster()
  try {
    await solo.init()
    const [one] = await startCluster(solo, 1)
    for (const inflight of inflights) {
      const r = await throughput('kOS, one node alone,', 'local', inflight, poster(one!, await token(one!), 'local'))
      show(r)
      results.alone.push(r)
    }
  } finally {
    await solo.cleanup()
  }
}

try {
  if (!args['propagation-only']) await throughputRuns()
  for (const size of sizes) {
    const c = new Cluster()
    try {
      await c.init()
      const nodes = await startCluster(c, size)
      for (const perSecond of load > 0 ? [0, load] : [0]) {
        const p = await propagation(nodes, perSecond)
        const s = stats(p.ms)
        console.error(`N=${size}${p.load === null ? '' : `, ${p.load.achievedPerSecond} of ${perSecond} appends/s`}: on all nodes after median ${s.median} ms, max ${s.max} ms; ${p.missed.length} not on all within 10 s`)
        results.propagation.push(p)
      }
    } finally {
      await c.cleanup()
    }
  }
} finally {
  await etcdCluster.stop()
  await cluster.cleanup()
}

const ratio = (k: Throughput | undefined, e: Throughput): string => k === undefined ? '–' : `${(k.perSecond / e.perSecond).toFixed(2)}×`
const kosQuorum = (inflight: number): Throughput | undefined => results.throughput.find((r) => r.ack === 'quorum' && r.inflight === inflight)
const alone = (inflight: number): Throughput | undefined => results.alone.find((r) => r.inflight === inflight)

const lines = [
  '### Audit log (issues 4 and 21)',
  '',
  describeMachine(facts),
  '',
  `Load average at the start (1, 5, 15 min): ${loadAtStart}; at the end: ${loadavg().map((x) => x.toFixed(1)).join(', ')}.`,
  '',
  `Command: \`npm run bench:audit -- --seconds ${seconds} --inflight ${inflights.join(',')} --sizes ${sizes.join(',')} --entries ${entries} --load ${load} --batch ${batchSize}${args['compare-etcd'] ? ' --compare-etcd' : ''}${args['propagation-only'] ? ' --propagation-only' : ''}\``,
  '',
  'Every write carries a 200-byte payload. appends/s counts entries (a batch request writes `--batch` of them).',
  '',
  '| ack | in flight | appends/s | p50 ms | p99 ms | max ms | errors |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.throughput.map((r) => `| ${r.ack} | ${r.inflight} | ${r.perSecond} | ${r.p50} | ${r.p99} | ${r.max} | ${r.errors} |`),
  ...results.alone.map((r) => `| local, one node alone | ${r.inflight} | ${r.perSecond} | ${r.p50} | ${r.p99} | ${r.max} | ${r.errors} |`),
  '',
  ...(etcd === null
    ? []
    : 'missing' in etcd
      ? [`Side by side with etcd: not measured, ${etcd.missing}.`, '']
      : [
          `Side by side, one run: etcd ${etcd.version} (3 members on 127.0.0.1, defaults; puts of a 200-byte value to the leader through the v3 JSON gateway) and kOS \`ack=quorum\` (3 nodes, defaults; POST /v1/audit), the same client, one after the other at each in-flight count.`,
          '',
          'The last column is one kOS node alone, `ack=local`, nothing replicated, over etcd\'s replicated puts: the most any replicated append of this node could reach on this machine.',
          '',
          '| in flight | etcd puts/s | p50 ms | p99 ms | max ms | kOS quorum appends/s | p50 ms | p99 ms | max ms | kOS / etcd | one node alone / etcd |',
          '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          ...results.etcd.map((e) => {
            const k = kosQuorum(e.inflight)
            return `| ${e.inflight} | ${e.perSecond} | ${e.p50} | ${e.p99} | ${e.max} | ${k?.perSecond ?? '–'} | ${k?.p50 ?? '–'} | ${k?.p99 ?? '–'} | ${k?.max ?? '–'} | ${ratio(k, e)} | ${ratio(alone(e.inflight), e)} |`
          }),
          ''
        ]),
  'Propagation: an entry POSTed on the first node every 200 ms; from the POST until the last node\'s /v1/audit/stream shows it. Under load: meanwhile a steady write load (ack=local) round-robin over every node.',
  '',
  '| nodes | write load (appends/s: asked for, acknowledged; errors, skipped) | entries | on all nodes: median ms | max ms | not on all nodes within 10 s |',
  '| ---: | --- | ---: | ---: | ---: | --- |',
  ...results.propagation.map((p) => {
    const s = stats(p.ms)
    const l = p.load === null ? 'none' : `${p.load.offeredPerSecond}, ${p.load.achievedPerSecond}; ${p.load.errors}, ${p.load.skipped}`
    const miss = p.missed.length === 0 ? '0' : `**${p.missed.length} of ${p.missed.length + s.n}** (streams reached ${p.missed.map((m) => m.reached).join(', ')} of ${p.nodes}; logs held ${p.missed.map((m) => m.held).join(', ')})`
    return `| ${p.nodes} | ${l} | ${s.n + p.missed.length} | ${s.median} | ${s.max} | ${miss} |`
  })
]
console.log(lines.join('\n'))
if (args.json !== undefined) {
  await mkdir(dirname(args.json), { recursive: true })
  await writeFile(args.json, JSON.stringify({ facts, seconds, results }, null, 2) + '\n')
}
