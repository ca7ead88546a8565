/**
 * "Never too many, never too few" (issue 18, "Targets") with real processes: five `kos start`
 * nodes at their defaults on their own loopback hosts (127.0.0.31, …, so iptables can cut them
 * apart), a 2-replica service of the example agent, and a seeded schedule of faults for
 * `--seconds`: SIGKILLs (the node restarted 3 s later), 2 s SIGSTOPs, and one 2 | 3 partition
 * held 8 s; the majority stays whole afterwards. Every 100 ms the script asks every answering
 * node's own /v1/agents which instances it runs and which are ready, and reports:
 * - per fault, how long from its start until at least `replicas` instances were ready again,
 *   if they fell below before the next fault began (target ≤ 6 s);
 * - the longest stretch with more than `replicas` ready instances, outside the partition (its
 *   majority re-places what the minority still runs; the excess must go once it heals) (≤ 2 s);
 * - samples where one node ran two instances of the service (target: none).
 * A node that does not answer a sample (SIGSTOPped, or slow on a loaded machine) is left out of
 * it, so its instances count as not ready.
 *
 * `--trace` also prints every change of which node runs which instance, and each node's own
 * membership, coordinator and service audit entries, in the run's time (for finding causes).
 *
 * Usage: npm run bench:services-schedule -- [--seconds 60] [--seed 1] [--trace]
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { seededRandom } from '@kos/detect'
import { agreedCoordinator, Cluster, describeMachine, IptablesPartition, machineFacts, poll, type KosProcess } from '@kos/testkit'

const REPLICAS = 2
const SAMPLE_MS = 100
const RECOVERY_TARGET_MS = 6000
const EXCESS_TARGET_MS = 2000
const EXAMPLE_AGENT = fileURLToPath(new URL('../../examples/agents/example-agent.mjs', import.meta.url))

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string', default: '1' }, trace: { type: 'boolean', default: false } } })
const seconds = Number(args.seconds)
const seed = Number(args.seed)
if (!Number.isInteger(seconds) || seconds < 20) throw new Error(`--seconds: must be an integer >= 20, got ${args.seconds}`)
if (!Number.isInteger(seed)) throw new Error(`--seed: must be an integer, got ${args.seed}`)

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const random = seededRandom(seed)
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!

interface Sample { atMs: number, ready: number, colocated: string[], who: string }
interface Fault { kind: 'kill' | 'pause' | 'split', node: string, startMs: number, endMs: number }

const cluster = new Cluster()
const partition = new IptablesPartition()
const samples: Sample[] = []
const faults: Fault[] = []
const t0 = performance.now()
const wall0 = Date.now()
const now = (): number => performance.now() - t0
let sampling = true

async function sample (nodes: KosProcess[]): Promise<void> {
  while (sampling) {
    const atMs = now()
    const views = await Promise.all(nodes.filter((n) => n.running).map(async (n) => {
      const res = await n.api<{ agents: Array<{ name: string, ready: boolean, state: string, restarts: number, reason: string, pid: number | null }> }>('/v1/agents').catch(() => undefined)
      return res?.status === 200 ? { n, svc: res.body.agents.filter((a) => a.name.startsWith('svc.')) } : undefined
    }))
    let ready = 0
    const colocated: string[] = []
    const who: string[] = []
    for (const v of views) {
      if (v === undefined) continue
      for (const a of v.svc) who.push(`${v.n.name}:${a.name.slice(4)}${a.ready ? '+' : '-'}${args.trace ? `(${a.state} pid ${a.pid ?? '-'} r${a.restarts}: ${a.reason.slice(0, 60)})` : ''}`)
      ready += v.svc.filter((a) => a.ready).length
      if (v.svc.length > 1) colocated.push(v.n.name)
    }
    samples.push({ atMs, ready, colocated, who: who.join(' ') })
    await sleep(Math.max(0, SAMPLE_MS - (now() - atMs)))
  }
}

const facts = machineFacts()
const partitionMissing = await IptablesPartition.unavailable() ?? await partition.install().then(() => undefined, (err: Error) => err.message)
try {
  await cluster.init()
  const hosts = Array.from({ length: 5 }, (_, i) => `127.0.0.${31 + i}`)
  const first = await cluster.startNode({ name: 's1', host: hosts[0] })
  const nodes = [first, ...await cluster.startNodes(hosts.slice(1).map((host, i) => ({ name: `s${i + 2}`, host, bootstrap: [first.addr] })))]
  await poll('one coordinator agreed', async () => await agreedCoordinator(nodes), { timeoutMs: 60_000 })
  const token = (await readFile(join(first.dataDir, 'api-token'), 'utf8')).trim()
  const health = 'http://127.0.0.1:${PORT}/healthz'
  const definition = {
    name: 'schedule', command: process.execPath, args: [EXAMPLE_AGENT, '--port', '${PORT}'], replicas: REPLICAS, essential: true,
    startup: { http: health, periodMs: 100, failureThreshold: 300 }, readiness: { http: health, periodMs: 100, failureThreshold: 2 }
  }
  await poll('the service defined', async () => {
    const res = await first.api('/v1/services', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(definition) })
    return res.status === 200 || res.status === 201
  }, { timeoutMs: 60_000 })
  const sampler = sample(nodes)
  await poll(`${REPLICAS} instances ready`, async () => (samples.at(-1)?.ready ?? 0) >= REPLICAS, { timeoutMs: 60_000 })

  // The schedule: a fault every 4–7 s; the partition once, a third of the way in.
  const endAt = now() + seconds * 1000
  const splitAt = now() + seconds * 1000 / 3
  let split = partitionMissing !== undefined
  while (now() < endAt) {
    const startMs = now()
    if (!split && startMs >= splitAt) {
      split = true
      const minority = [...nodes].sort(() => random() - 0.5).slice(0, 2)
      const rules = await partition.cut(minority.map((n) => n.host), nodes.filter((n) => !minority.includes(n)).map((n) => n.host))
      await sleep(8000)
      await partition.delete(rules)
      faults.push({ kind: 'split', node: minority.map((n) => n.name).join('+'), startMs, endMs: now() })
    } else if (random() < 0.5) {
      const victim = pick(nodes)
      await victim.killNow()
      await sleep(3000)
      await victim.restart()
      faults.push({ kind: 'kill', node: victim.name, startMs, endMs: now() })
    } else {
      const victim = pick(nodes)
      victim.kill('SIGSTOP')
      await sleep(2000)
      victim.kill('SIGCONT')
      faults.push({ kind: 'pause', node: victim.name, startMs, endMs: now() })
    }
    await sleep(4000 + random() * 3000)
  }
  await sleep(15_000)
  sampling = false
  await sampler

  // A fault owns the dips that begin before the next fault starts; the recovery may run past it.
  const recovery = faults.map((f, i) => {
    const nextAt = faults[i + 1]?.startMs ?? Infinity
    const after = samples.filter((s) => s.atMs >= f.startMs)
    const firstLow = after.findIndex((s) => s.ready < REPLICAS)
    if (firstLow < 0 || after[firstLow]!.atMs >= nextAt) return { ...f, recoveredMs: 0 }
    const back = after.slice(firstLow).find((s) => s.ready >= REPLICAS)
    return { ...f, recoveredMs: back === undefined ? Infinity : back.atMs - f.startMs }
  })
  const splitFault = faults.find((f) => f.kind === 'split')
  let longestExcess = 0
  let excessFrom: number | null = null
  for (const s of samples) {
    const inSplit = splitFault !== undefined && s.atMs >= splitFault.startMs && s.atMs < splitFault.endMs
    if (s.ready > REPLICAS && !inSplit) {
      excessFrom ??= s.atMs
      longestExcess = Math.max(longestExcess, s.atMs - excessFrom)
    } else excessFrom = null
  }
  const colocated = samples.filter((s) => s.colocated.length > 0)
  if (args.trace) await printTrace(nodes)
  const worst = Math.max(...recovery.map((r) => r.recoveredMs))
  console.log(`# Services under a fault schedule (issue 18), ${new Date().toISOString().slice(0, 10)}`)
  console.log(describeMachine(facts))
  console.log(`5 nodes at their defaults, a ${REPLICAS}-replica service (essential; probes every 100 ms: the definition's choice), seed ${seed}, ${seconds} s of faults, then 15 s calm; ${samples.length} samples every ${SAMPLE_MS} ms`)
  if (partitionMissing !== undefined) console.log(`the partition was left out: ${partitionMissing}`)
  console.log('\n| fault | node(s) | from, s | ready ≥ 2 again after, ms |\n| --- | --- | --- | --- |')
  for (const r of recovery) console.log(`| ${r.kind} | ${r.node} | ${(r.startMs / 1000).toFixed(1)} | ${r.recoveredMs === 0 ? 'never below' : Math.round(r.recoveredMs)} |`)
  console.log(`\nready instances, one sample a second: ${samples.filter((_, i) => i % 10 === 0).map((x) => x.ready).join('')}`)
  console.log(`\nworst recovery: ${Math.round(worst)} ms (target ≤ ${RECOVERY_TARGET_MS}: ${worst <= RECOVERY_TARGET_MS ? 'met' : 'MISSED'})`)
  console.log(`longest stretch above ${REPLICAS} ready outside the partition: ${Math.round(longestExcess)} ms (target ≤ ${EXCESS_TARGET_MS}: ${longestExcess <= EXCESS_TARGET_MS ? 'met' : 'MISSED'})`)
  console.log(`samples with two instances on one node: ${colocated.length}${colocated.length > 0 ? ` (${[...new Set(colocated.flatMap((s) => s.colocated))].join(', ')})` : ''} (target 0: ${colocated.length === 0 ? 'met' : 'MISSED'})`)
} finally {
  sampling = false
  if (args.trace) console.log('\n' + cluster.stderrTails(400))
  await partition.remove().catch(() => {})
  await cluster.cleanup()
}

async function printTrace (nodes: KosProcess[]): Promise<void> {
  const at = (ms: number): string => (ms / 1000).toFixed(1).padStart(6)
  const lines: Array<[number, string]> = faults.flatMap((f) => [[f.startMs, `FAULT ${f.kind} ${f.node} begins`], [f.endMs, `FAULT ${f.kind} ${f.node} ends`]] as Array<[number, string]>)
  let last = ''
  for (const s of samples) if (s.who !== last) { lines.push([s.atMs, `agents  ${s.who}`]); last = s.who }
  const names = new Map(nodes.map((n) => [n.peerId, n.name]))
  const short = (text: string): string => text.replace(/12D3Koo[A-Za-z0-9]+/g, (id) => names.get(id) ?? id.slice(-6))
  const wanted = /^(member:(dead|alive|suspect|refuted)|coordinator:|service:)/
  for (const n of nodes.filter((x) => x.running)) {
    let cursor: string | undefined
    for (let page = 0; page < 20; page++) {
      const q = new URLSearchParams({ origin: n.peerId, since: String(wall0), limit: '1000', ...(cursor === undefined ? {} : { cursor }) })
      const res = await n.api<{ entries: Array<{ ts: number, type: string, subject: string, details: unknown }>, next: string | null }>(`/v1/audit?${q.toString()}`).catch(() => undefined)
      if (res?.status !== 200) break
      for (const e of res.body.entries) if (wanted.test(e.type)) lines.push([e.ts - wall0, short(`${n.name} ${e.type} ${e.subject} ${JSON.stringify(e.details)}`).slice(0, 220)])
      if (res.body.next === null) break
      cursor = res.body.next
    }
  }
  lines.sort((a, b) => a[0] - b[0])
  console.log('\n## trace (s from the start)')
  for (const [ms, text] of lines) console.log(`${at(ms)} ${text}`)
}
