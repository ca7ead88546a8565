/**
 * Audit log benchmark with real processes (issue 4, "Targets"): `kos start` nodes on 127.0.0.1,
 * loaded and observed over their HTTP APIs.
 * - Throughput: a 3-node cluster; for ack=local and ack=quorum and 1, 16 and 64 requests in
 *   flight, POST /v1/audit on one node for `--seconds` (after a warm-up) and report appends/s
 *   with the p50 and p99 request latency.
 * - Propagation: clusters of `--sizes` nodes; every node's /v1/audit/stream (SSE) is open; an
 *   entry is POSTed on one node every 200 ms, and its time to reach all nodes is from the POST
 *   to the last stream that shows it. Median and max.
 * Prints markdown with the machine's facts and the command, and writes the raw numbers as JSON.
 *
 * Usage: npm run bench:audit -- [--seconds 5] [--sizes 5,10] [--entries 30] [--json docs/bench/audit.json]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { Cluster, describeMachine, machineFacts, percentile, stats, type KosProcess } from '@kos/testkit'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    sizes: { type: 'string', default: '5,10' },
    entries: { type: 'string', default: '30' },
    inflight: { type: 'string', default: '1,16,64' },
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

async function token (n: KosProcess): Promise<string> {
  return (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
}

/**
 * POSTs with node:http over keep-alive sockets: `fetch` costs the client several times the CPU
 * per request, and the client shares the machine's 2 cores with the nodes it measures.
 */
function poster (n: KosProcess, tok: string, ack: string): (i: number) => Promise<{ origin: string, seq: number, hash: string }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const path = `/v1/audit?ack=${ack}`
  return async (i) => await new Promise((resolve, reject) => {
    const payload = JSON.stringify({ class: 'operator', type: 'bench:append', severity: 'info', subject: 'bench', details: { i } })
    const req = request({
      host: '127.0.0.1',
      port: n.apiPort,
      path,
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${tok}` }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`POST ${path}: ${res.statusCode} ${text}`))
        else resolve(JSON.parse(text) as { origin: string, seq: number, hash: string })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}

interface Throughput { ack: string, inflight: number, appends: number, perSecond: number, p50: number, p99: number, max: number, errors: number }

async function throughput (n: KosProcess, ack: string, inflight: number): Promise<Throughput> {
  const post = poster(n, await token(n), ack)
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
    ack,
    inflight,
    appends: latencies.length,
    perSecond: Math.round(latencies.length / elapsed),
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

async function propagation (nodes: KosProcess[]): Promise<number[]> {
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
  const times: number[] = []
  for (let i = 0; i < entries; i++) {
    const t0 = performance.now()
    const { hash } = await post(i)
    const deadline = performance.now() + 10_000
    while ((seen.get(hash)?.length ?? 0) < nodes.length && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2))
    const arrivals = seen.get(hash) ?? []
    if (arrivals.length < nodes.length) throw new Error(`entry ${i} reached ${arrivals.length} of ${nodes.length} nodes in 10 s; broken streams: ${broken.join(' | ') || 'none'}`)
    times.push(round(Math.max(...arrivals) - t0))
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  abort.abort()
  await Promise.allSettled(tails)
  return times
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
const results: { throughput: Throughput[], propagation: Array<{ nodes: number, ms: number[] }> } = { throughput: [], propagation: [] }

const cluster = new Cluster()
try {
  await cluster.init()
  const three = await startCluster(cluster, 3)
  for (const ack of ['local', 'quorum']) {
    for (const inflight of inflights) {
      const r = await throughput(three[0]!, ack, inflight)
      console.error(`ack=${ack} inflight=${inflight}: ${r.perSecond}/s p50 ${r.p50} ms p99 ${r.p99} ms (${r.errors} errors)`)
      results.throughput.push(r)
    }
  }
  await cluster.cleanup()
  for (const size of sizes) {
    const c = new Cluster()
    try {
      await c.init()
      const nodes = await startCluster(c, size)
      const ms = await propagation(nodes)
      const s = stats(ms)
      console.error(`N=${size}: on all nodes after median ${s.median} ms, max ${s.max} ms`)
      results.propagation.push({ nodes: size, ms })
    } finally {
      await c.cleanup()
    }
  }
} finally {
  await cluster.cleanup()
}

const lines = [
  '### Audit log (issue 4)',
  '',
  describeMachine(facts),
  '',
  `Command: \`npm run bench:audit -- --seconds ${seconds} --sizes ${sizes.join(',')} --entries ${entries}\``,
  '',
  '| ack | in flight | appends/s | p50 ms | p99 ms | max ms | errors |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.throughput.map((r) => `| ${r.ack} | ${r.inflight} | ${r.perSecond} | ${r.p50} | ${r.p99} | ${r.max} | ${r.errors} |`),
  '',
  '| nodes | entries | on all nodes: median ms | max ms |',
  '| ---: | ---: | ---: | ---: |',
  ...results.propagation.map((p) => { const s = stats(p.ms); return `| ${p.nodes} | ${s.n} | ${s.median} | ${s.max} |` })
]
console.log(lines.join('\n'))
if (args.json !== undefined) {
  await mkdir(dirname(args.json), { recursive: true })
  await writeFile(args.json, JSON.stringify({ facts, seconds, results }, null, 2) + '\n')
}
