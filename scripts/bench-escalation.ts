/**
 * Escalation benchmark with real processes (issue 5, "Targets"): `kos start` nodes on
 * 127.0.0.1, observed over their HTTP APIs. One cluster: a sender member m1, Junzi j1 and j2,
 * Archon a1, the authorities designated by peer id in one config file (the identity keys are
 * made here first, as test/escalation.test.ts does, so the ids are known before any node
 * starts). Default escalation tunables (no profile): what an operator gets.
 * - Latency: `--escalations` ethics escalations POSTed on m1, one every `--interval` ms. For
 *   each, from the moment the POST is sent: the POST's answer (durable in the outbox), the first
 *   poll of the authority's GET /v1/escalations/:id that finds it ("held"), and the first poll
 *   of m1's GET /v1/escalations/:id that shows it past pending ("delivered": the authority
 *   stored it and acknowledged it on the escalate protocol). Polls every ~5 ms; a time is the
 *   arrival of the answer that first showed the state, so it is an upper bound by about one poll.
 * - Failover: `--trials` times, SIGKILL j1 (first in the ethics route), POST an ethics
 *   escalation on m1 at once, and time from the SIGKILL until j2 holds it. Then restart j1 and
 *   wait until an escalation reaches j1 again (j1 alive and first in the route) before the next.
 * - Nothing lost across sender kill -9: POST `--run-escalations` acknowledged escalations (each
 *   attempt a fresh client-chosen id, 4 in flight) while m1 is SIGKILLed and restarted `--kills`
 *   times, spread over the run; a POST cut by the kill is not acknowledged and the next attempt
 *   takes a new id. Then wait until every acknowledged id is in an authority's inbox and m1's
 *   outbox holds none of the run pending; count lost (acknowledged, in no inbox) and duplicates
 *   (in more than one authority's inbox).
 * Prints markdown with the machine's facts, the command and each target met or missed (computed),
 * and writes the raw numbers as JSON.
 *
 * Usage: npm run bench:escalation -- [--escalations 50] [--interval 100] [--trials 5]
 *          [--run-escalations 120] [--kills 5] [--phases latency,failover,lost] [--json docs/bench/escalation.json]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Cluster, describeMachine, machineFacts, percentile, stats, type KosProcess, type Stats } from '@kos/testkit'

const POLL_MS = 5
const REQUEST_TIMEOUT_MS = 3000
const LATENCY_DEADLINE_MS = 10_000
const FAILOVER_DEADLINE_MS = 15_000
const SETTLE_DEADLINE_MS = 60_000
const DELIVERY_DEADLINE_MS = 120_000
const RUN_INFLIGHT = 4
const RUN_PAUSE_MS = 20
const TARGET_LATENCY_MS = 200
const TARGET_FAILOVER_MS = 2000
const TARGET_RUN_MIN = 100
const PHASES = ['latency', 'failover', 'lost'] as const
type Phase = typeof PHASES[number]

// ---- flags -----------------------------------------------------------------------------------

function usageError (message: string): never {
  process.stderr.write(`bench-escalation: ${message}\n`)
  process.stderr.write('usage: npm run bench:escalation -- [--escalations 50] [--interval 100] [--trials 5] [--run-escalations 120] [--kills 5] [--phases latency,failover,lost] [--json path]\n')
  process.exit(2)
}

function parseFlags (): { escalations: number, interval: number, trials: number, runEscalations: number, kills: number, phases: Phase[], json: string | undefined } {
  let values
  try {
    values = parseArgs({
      options: {
        escalations: { type: 'string', default: '50' },
        interval: { type: 'string', default: '100' },
        trials: { type: 'string', default: '5' },
        'run-escalations': { type: 'string', default: '120' },
        kills: { type: 'string', default: '5' },
        phases: { type: 'string', default: PHASES.join(',') },
        json: { type: 'string' }
      },
      strict: true,
      allowPositionals: false
    }).values
  } catch (err) {
    usageError((err as Error).message)
  }
  const int = (flag: string, value: string, min: number, max: number): number => {
    const n = Number(value)
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) usageError(`--${flag}: an integer from ${min} to ${max}, got '${value}'`)
    return n
  }
  const escalations = int('escalations', values.escalations, 1, 100_000)
  const interval = int('interval', values.interval, 0, 60_000)
  const trials = int('trials', values.trials, 1, 1000)
  const runEscalations = int('run-escalations', values['run-escalations'], 1, 100_000)
  const kills = int('kills', values.kills, 0, 1000)
  if (kills >= runEscalations) usageError(`--kills: must be fewer than --run-escalations (${runEscalations}), got ${kills}`)
  const phases = values.phases.split(',').filter((x) => x !== '')
  const unknown = phases.filter((p) => !(PHASES as readonly string[]).includes(p))
  if (phases.length === 0 || unknown.length > 0) usageError(`--phases: a comma-separated subset of ${PHASES.join(',')}, got '${values.phases}'`)
  if (values.json === '') usageError('--json: a file path, got an empty string')
  return { escalations, interval, trials, runEscalations, kills, phases: [...new Set(phases)] as Phase[], json: values.json }
}

const flags = parseFlags()

// ---- HTTP (node:http over keep-alive sockets, every request with a deadline) ----------------

interface Reply<T> { status: number, body: T }

const agents = new Map<number, Agent>()
function agentOf (n: KosProcess): Agent {
  let a = agents.get(n.apiPort)
  if (a === undefined) { a = new Agent({ keepAlive: true, maxSockets: 64 }); agents.set(n.apiPort, a) }
  return a
}

async function call<T> (n: KosProcess, method: 'GET' | 'POST', path: string, body?: unknown, tok?: string): Promise<Reply<T>> {
  return await new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string | number> = {}
    if (payload !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(payload) }
    if (tok !== undefined) headers.authorization = `Bearer ${tok}`
    const req = request({ host: '127.0.0.1', port: n.apiPort, path, method, agent: agentOf(n), headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: (text === '' ? undefined : JSON.parse(text)) as T })
        } catch (err) {
          reject(new Error(`${n.name} ${method} ${path}: ${res.statusCode} not JSON: ${text.slice(0, 200)} (${(err as Error).message})`))
        }
      })
      res.on('error', reject)
    })
    req.setTimeout(REQUEST_TIMEOUT_MS, () => { req.destroy(new Error(`${n.name} ${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)) })
    req.on('error', reject)
    req.end(payload)
  })
}

interface View { id: string, status: string, deliveredTo: string | null }

async function token (n: KosProcess): Promise<string> {
  return (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
}

/** POSTs one ethics escalation; resolves to the id the node acknowledged, rejects otherwise. */
async function escalate (n: KosProcess, tok: string, summary: string, id?: string): Promise<string> {
  const res = await call<{ id?: string }>(n, 'POST', '/v1/escalations', { ...(id === undefined ? {} : { id }), class: 'ethics', severity: 'error', subject: 'bench', summary }, tok)
  if (res.status !== 200 || typeof res.body?.id !== 'string') throw new Error(`${n.name} POST /v1/escalations: ${res.status} ${JSON.stringify(res.body)}`)
  if (id !== undefined && res.body.id !== id) throw new Error(`${n.name} POST /v1/escalations: asked for id ${id}, answered ${res.body.id}`)
  return res.body.id
}

/** The node's view of one escalation (whichever box holds it), or undefined on 404. */
async function one (n: KosProcess, id: string): Promise<View | undefined> {
  const res = await call<View>(n, 'GET', `/v1/escalations/${encodeURIComponent(id)}`)
  if (res.status === 404) return undefined
  if (res.status !== 200) throw new Error(`${n.name} GET /v1/escalations/${id}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

async function box (n: KosProcess, which: 'inbox' | 'outbox'): Promise<View[]> {
  const res = await call<{ escalations: View[] }>(n, 'GET', `/v1/escalations?box=${which}`)
  if (res.status !== 200) throw new Error(`${n.name} GET /v1/escalations?box=${which}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.escalations
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** Polls `fn` every `everyMs` until it returns something other than false; throws past the deadline. */
async function until<T> (what: string, fn: () => Promise<T | false>, deadlineMs: number, everyMs = 200): Promise<T> {
  const start = performance.now()
  let last = ''
  for (;;) {
    try {
      const v = await fn()
      if (v !== false) return v
    } catch (err) {
      last = ` (last error: ${(err as Error).message})`
    }
    if (performance.now() - start > deadlineMs) throw new Error(`bench: timed out after ${deadlineMs} ms waiting for ${what}${last}`)
    await sleep(everyMs)
  }
}

function round (x: number): number { return Math.round(x * 10) / 10 }

// ---- the cluster -----------------------------------------------------------------------------

interface Nodes { m1: KosProcess, j1: KosProcess, j2: KosProcess, a1: KosProcess, names: Map<string, string> }

async function identity (cluster: Cluster, name: string): Promise<{ dir: string, id: string }> {
  const dir = join(cluster.tmp, name)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const key = await generateKeyPair('Ed25519')
  await writeFile(join(dir, 'identity.key'), privateKeyToProtobuf(key), { mode: 0o600 })
  return { dir, id: peerIdFromPrivateKey(key).toString() }
}

async function startCluster (cluster: Cluster): Promise<Nodes> {
  const ids = Object.fromEntries(await Promise.all(['j1', 'j2', 'a1', 'm1'].map(async (n) => [n, await identity(cluster, n)] as const)))
  const cfg = join(cluster.tmp, 'cluster.json')
  await writeFile(cfg, JSON.stringify({ authorities: { junzi: [ids.j1!.id, ids.j2!.id], archon: [ids.a1!.id] } }))
  const j1 = await cluster.startNode({ name: 'j1', dataDir: ids.j1!.dir, extraArgs: ['--config', cfg, '--role', 'junzi'] })
  const boot = [j1.addr]
  const [j2, a1, m1] = await cluster.startNodes([
    { name: 'j2', dataDir: ids.j2!.dir, bootstrap: boot, extraArgs: ['--config', cfg, '--role', 'junzi'] },
    { name: 'a1', dataDir: ids.a1!.dir, bootstrap: boot, extraArgs: ['--config', cfg, '--role', 'archon'] },
    { name: 'm1', dataDir: ids.m1!.dir, bootstrap: boot, extraArgs: ['--config', cfg] }
  ]) as [KosProcess, KosProcess, KosProcess]
  const all = [j1, j2, a1, m1]
  await until('all four alive in every view, with a coordinator, and m1 seeing the authorities', async () => {
    for (const n of all) {
      if ((await n.peers()).peers.filter((p) => p.state === 'alive').length !== 3) return false
      if ((await n.coordinator()).peerId === null) return false
    }
    const view = await m1.peers() as unknown as { peers: Array<{ peerId: string, authority: string | null }> }
    const auth = (n: KosProcess): string | null | undefined => view.peers.find((p) => p.peerId === n.peerId)?.authority
    return auth(j1) === 'junzi' && auth(j2) === 'junzi' && auth(a1) === 'archon'
  }, SETTLE_DEADLINE_MS)
  return { m1, j1, j2, a1, names: new Map(all.map((n) => [n.peerId, n.name])) }
}

/** An escalation posted on m1 reaches j1 (alive again and first in the ethics route). */
async function settledOnJ1 (c: Nodes, tok: string, label: string): Promise<void> {
  await until(`an escalation from m1 to reach j1 (${label})`, async () => {
    const id = await escalate(c.m1, tok, `bench settle ${label}`)
    const v = await until(`the settle escalation ${id} to leave pending`, async () => {
      const x = await one(c.m1, id)
      return x !== undefined && x.status !== 'pending' ? x : false
    }, FAILOVER_DEADLINE_MS, 20)
    return v.deliveredTo === c.j1.peerId
  }, SETTLE_DEADLINE_MS, 500)
}

// ---- 1. latency --------------------------------------------------------------------------------

interface LatencySample { id: string, postMs: number, heldMs: number, deliveredMs: number, deliveredTo: string }

async function latency (c: Nodes): Promise<LatencySample[]> {
  const tok = await token(c.m1)
  const out: LatencySample[] = []
  for (let i = 0; i < flags.escalations; i++) {
    const t0 = performance.now()
    const id = await escalate(c.m1, tok, `bench latency ${i}`)
    const postMs = performance.now() - t0
    let heldMs: number | undefined
    let deliveredMs: number | undefined
    let deliveredTo: string | undefined
    while (heldMs === undefined || deliveredMs === undefined) {
      if (performance.now() - t0 > LATENCY_DEADLINE_MS) throw new Error(`bench: escalation ${i} (${id}) not held by an authority and delivered within ${LATENCY_DEADLINE_MS} ms (held: ${heldMs ?? '-'}, delivered: ${deliveredMs ?? '-'})`)
      const tick = performance.now()
      // The authority it should go to first is j1; once m1 names another, that one is polled.
      const authority = deliveredTo === undefined ? c.j1 : [c.j1, c.j2, c.a1].find((n) => n.peerId === deliveredTo)
      if (authority === undefined) throw new Error(`bench: escalation ${id} delivered to ${deliveredTo}, not an authority`)
      await Promise.all([
        heldMs !== undefined
          ? undefined
          : one(authority, id).then((v) => { if (v !== undefined) heldMs = performance.now() - t0 }),
        deliveredMs !== undefined
          ? undefined
          : one(c.m1, id).then((v) => { if (v !== undefined && v.status !== 'pending') { deliveredMs = performance.now() - t0; deliveredTo = v.deliveredTo ?? '' } })
      ])
      const wait = POLL_MS - (performance.now() - tick)
      if (wait > 0) await sleep(wait)
    }
    out.push({ id, postMs: round(postMs), heldMs: round(heldMs), deliveredMs: round(deliveredMs), deliveredTo: c.names.get(deliveredTo!) ?? deliveredTo! })
    if (flags.interval > 0) await sleep(flags.interval)
  }
  return out
}

// ---- 2. failover -------------------------------------------------------------------------------

interface FailoverTrial { id: string, postMs: number, heldByJ2Ms: number, restartToJ1Ms: number }

async function failover (c: Nodes): Promise<FailoverTrial[]> {
  const tok = await token(c.m1)
  const out: FailoverTrial[] = []
  await settledOnJ1(c, tok, 'before the first trial')
  for (let t = 0; t < flags.trials; t++) {
    const killedAt = performance.now()
    c.j1.kill('SIGKILL')
    const id = await escalate(c.m1, tok, `bench failover ${t}`)
    const postMs = performance.now() - killedAt
    const heldByJ2Ms = await until(`j2 to hold failover escalation ${t} (${id})`, async () => {
      if (await one(c.j2, id) !== undefined) return performance.now() - killedAt
      const v = await one(c.m1, id)
      if (v !== undefined && v.status !== 'pending' && v.deliveredTo !== c.j2.peerId) throw new Error(`m1 delivered it to ${c.names.get(v.deliveredTo ?? '') ?? v.deliveredTo}, not j2`)
      return false
    }, FAILOVER_DEADLINE_MS, POLL_MS)
    await c.j1.waitExit()
    const restartAt = performance.now()
    await c.j1.restart()
    await settledOnJ1(c, tok, `after trial ${t + 1}`)
    const trial = { id, postMs: round(postMs), heldByJ2Ms: round(heldByJ2Ms), restartToJ1Ms: round(performance.now() - restartAt) }
    out.push(trial)
    process.stderr.write(`bench: failover trial ${t + 1}/${flags.trials}: j2 holds it ${trial.heldByJ2Ms.toFixed(0)} ms after the SIGKILL (POST answered at ${trial.postMs.toFixed(0)} ms); j1 back in ${trial.restartToJ1Ms.toFixed(0)} ms\n`)
  }
  return out
}

// ---- 3. nothing lost across sender kill -9 ------------------------------------------------------

interface RunResult {
  attempts: number
  acknowledged: number
  /** POSTs refused at connect while m1 was down: nothing reached it. */
  refusedPosts: number
  /** Other POSTs without a 200: cut by a kill mid-request (the escalation may have been written), or an error answer. */
  failedPosts: number
  kills: number
  /** Acknowledged ids in at least one authority's inbox. */
  delivered: number
  lost: number
  lostIds: string[]
  /** Acknowledged ids in more than one authority's inbox. */
  duplicates: number
  duplicateIds: string[]
  /** Acknowledged ids m1's outbox no longer holds after the restarts. */
  missingFromOutbox: number
  /** Unacknowledged attempts that were written before the kill and delivered anyway (not a loss). */
  unacknowledgedDelivered: number
  /** Where the acknowledged ones are, by authority name. */
  byAuthority: Record<string, number>
  /** The last POST acknowledged → every acknowledged id in an inbox and none of the run pending on m1. */
  settleMs: number
  restartMs: number[]
}

async function nothingLost (c: Nodes): Promise<RunResult> {
  const run = `bench-${process.pid}-${Date.now().toString(36)}`
  const acked: string[] = []
  const attempted: string[] = []
  let failedPosts = 0
  let refusedPosts = 0
  let next = 0
  let tok = await token(c.m1)
  const thresholds = Array.from({ length: flags.kills }, (_, k) => Math.floor((k + 1) * flags.runEscalations / (flags.kills + 1)))
  const restartMs: number[] = []
  let killing = false

  const killer = (async () => {
    for (const at of thresholds) {
      await until(`${at} acknowledged escalations before kill ${restartMs.length + 1}`, async () => acked.length >= at, DELIVERY_DEADLINE_MS, 2)
      killing = true
      c.m1.kill('SIGKILL')
      await c.m1.waitExit()
      const t0 = performance.now()
      await c.m1.restart()
      tok = await token(c.m1)
      restartMs.push(round(performance.now() - t0))
      killing = false
      process.stderr.write(`bench: kill ${restartMs.length}/${flags.kills} of m1 after ${acked.length} acknowledged; restarted in ${restartMs.at(-1)!.toFixed(0)} ms\n`)
    }
  })()
  killer.catch(() => {}) // awaited below; this only keeps an early failure from being unhandled meanwhile

  const started = performance.now()
  await Promise.all(Array.from({ length: RUN_INFLIGHT }, async () => {
    while (acked.length < flags.runEscalations) {
      if (performance.now() - started > DELIVERY_DEADLINE_MS) throw new Error(`bench: only ${acked.length} of ${flags.runEscalations} POSTs acknowledged within ${DELIVERY_DEADLINE_MS} ms`)
      const id = `${run}-${next++}`
      attempted.push(id)
      try {
        acked.push(await escalate(c.m1, tok, `bench run ${id}`, id))
        await sleep(RUN_PAUSE_MS)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') { refusedPosts++; await sleep(50); continue }
        failedPosts++
        if (!killing && c.m1.running) process.stderr.write(`bench: POST failed while m1 runs: ${(err as Error).message}\n`)
        await sleep(50)
      }
    }
  }))
  await killer
  const lastAck = performance.now()
  const ackedSet = new Set(acked)
  const authorities = [c.j1, c.j2, c.a1]

  const holders = async (): Promise<Map<string, string[]>> => {
    const where = new Map<string, string[]>()
    for (const n of authorities) {
      for (const v of await box(n, 'inbox')) {
        if (!v.id.startsWith(`${run}-`)) continue
        where.set(v.id, [...(where.get(v.id) ?? []), n.name])
      }
    }
    return where
  }
  let where = new Map<string, string[]>()
  let settleMs = NaN
  try {
    await until('every acknowledged escalation in an authority\'s inbox, and none of the run pending in m1\'s outbox', async () => {
      where = await holders()
      if (acked.some((id) => !where.has(id))) return false
      const pending = (await box(c.m1, 'outbox')).filter((v) => v.id.startsWith(`${run}-`) && v.status === 'pending')
      return pending.length === 0
    }, DELIVERY_DEADLINE_MS, 500)
    settleMs = round(performance.now() - lastAck)
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    where = await holders()
  }
  const outbox = new Set((await box(c.m1, 'outbox')).map((v) => v.id))
  const lostIds = acked.filter((id) => !where.has(id))
  const duplicateIds = acked.filter((id) => (where.get(id)?.length ?? 0) > 1)
  const byAuthority: Record<string, number> = {}
  for (const id of acked) for (const name of where.get(id) ?? []) byAuthority[name] = (byAuthority[name] ?? 0) + 1
  return {
    attempts: attempted.length,
    acknowledged: acked.length,
    refusedPosts,
    failedPosts,
    kills: restartMs.length,
    delivered: acked.length - lostIds.length,
    lost: lostIds.length,
    lostIds,
    duplicates: duplicateIds.length,
    duplicateIds,
    missingFromOutbox: acked.filter((id) => !outbox.has(id)).length,
    unacknowledgedDelivered: attempted.filter((id) => !ackedSet.has(id) && where.has(id)).length,
    byAuthority,
    settleMs,
    restartMs
  }
}

// ---- main ---------------------------------------------------------------------------------------

const facts = machineFacts()
const results: { latency?: LatencySample[], failover?: FailoverTrial[], lost?: RunResult } = {}
const cluster = new Cluster()
const onSignal = (signal: NodeJS.Signals): void => {
  process.stderr.write(`bench: ${signal}: stopping the cluster\n`)
  void cluster.cleanup().finally(() => process.exit(130))
}
process.once('SIGINT', onSignal)
process.once('SIGTERM', onSignal)

const started = performance.now()
try {
  await cluster.init()
  process.stderr.write('bench: starting m1, j1, j2, a1 ...\n')
  const c = await startCluster(cluster)
  if (flags.phases.includes('latency')) {
    process.stderr.write(`bench: latency, ${flags.escalations} escalations every ${flags.interval} ms ...\n`)
    await settledOnJ1(c, await token(c.m1), 'warm-up')
    results.latency = await latency(c)
    const s = stats(results.latency.map((x) => x.deliveredMs))
    process.stderr.write(`bench: delivered (m1 shows it acknowledged) median ${s.median} ms, max ${s.max} ms\n`)
  }
  if (flags.phases.includes('failover')) {
    process.stderr.write(`bench: failover, ${flags.trials} trials ...\n`)
    results.failover = await failover(c)
  }
  if (flags.phases.includes('lost')) {
    process.stderr.write(`bench: ${flags.runEscalations} escalations across ${flags.kills} kills of the sender ...\n`)
    results.lost = await nothingLost(c)
    const r = results.lost
    process.stderr.write(`bench: acknowledged ${r.acknowledged}, delivered ${r.delivered}, lost ${r.lost}, duplicates ${r.duplicates}\n`)
  }
} catch (err) {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n${cluster.stderrTails()}\n`)
  process.exitCode = 1
} finally {
  for (const a of agents.values()) a.destroy()
  await cluster.cleanup()
}
const wallS = (performance.now() - started) / 1000

const defaultPhases = flags.phases.length === PHASES.length
const command = 'npm run bench:escalation --' +
  (flags.phases.includes('latency') ? ` --escalations ${flags.escalations} --interval ${flags.interval}` : '') +
  (flags.phases.includes('failover') ? ` --trials ${flags.trials}` : '') +
  (flags.phases.includes('lost') ? ` --run-escalations ${flags.runEscalations} --kills ${flags.kills}` : '') +
  (defaultPhases ? '' : ` --phases ${flags.phases.join(',')}`)
const f = (s: Stats): string => `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)}`
const verdict = (met: boolean): string => met ? 'met' : 'missed'

const lines = [
  '### Escalation (issue 5)',
  '',
  describeMachine(facts),
  '',
  `Command: \`${command}\` (${wallS.toFixed(0)} s). Nodes: sender m1, Junzi j1 and j2, Archon a1 on 127.0.0.1, default escalation tunables.`,
  ''
]
const targets: string[] = []
if (results.latency !== undefined && results.latency.length > 0) {
  const l = results.latency
  const row = (what: string, xs: number[]): string => { const s = stats(xs); return `| ${what} | ${s.n} | ${s.median.toFixed(0)} | ${percentile(xs, 99).toFixed(0)} | ${s.max.toFixed(0)} |` }
  const to = new Map<string, number>()
  for (const x of l) to.set(x.deliveredTo, (to.get(x.deliveredTo) ?? 0) + 1)
  lines.push(
    `Latency: ethics escalations POSTed on m1 one at a time, ${flags.interval} ms apart; times from the POST, polled every ${POLL_MS} ms. Delivered to: ${[...to].map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '| from the POST until | escalations | median ms | p99 ms | max ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('the POST is answered (durable in m1\'s outbox)', l.map((x) => x.postMs)),
    row('the authority holds it (its GET /v1/escalations/:id)', l.map((x) => x.heldMs)),
    row('m1\'s outbox shows it delivered (the authority acknowledged)', l.map((x) => x.deliveredMs)),
    ''
  )
  const median = stats(l.map((x) => x.deliveredMs)).median
  targets.push(`| Escalation to an acknowledging authority ≤ ${TARGET_LATENCY_MS} ms median | median ${median.toFixed(0)} ms (m1 shows it delivered) | ${verdict(median <= TARGET_LATENCY_MS)} |`)
}
if (results.failover !== undefined && results.failover.length > 0) {
  const fo = results.failover
  lines.push(
    'Failover: SIGKILL j1, POST an ethics escalation on m1 at once; time from the SIGKILL until j2 holds it. j1 is restarted and an escalation reaches it again before the next trial.',
    '',
    '| trials | SIGKILL → j2 holds it ms (min / median / max) | SIGKILL → POST answered ms (median) | j1 restart → first in the route again ms (median) |',
    '| ---: | ---: | ---: | ---: |',
    `| ${fo.length} | ${f(stats(fo.map((x) => x.heldByJ2Ms)))} | ${stats(fo.map((x) => x.postMs)).median.toFixed(0)} | ${stats(fo.map((x) => x.restartToJ1Ms)).median.toFixed(0)} |`,
    ''
  )
  const max = stats(fo.map((x) => x.heldByJ2Ms)).max
  targets.push(`| Failover to the next authority ≤ ${TARGET_FAILOVER_MS} ms after the first is dead | max ${max.toFixed(0)} ms over ${fo.length} trials | ${verdict(max <= TARGET_FAILOVER_MS)} |`)
}
if (results.lost !== undefined) {
  const r = results.lost
  lines.push(
    `Sender kill -9: ${r.attempts} POSTs on m1 (${RUN_INFLIGHT} in flight, each attempt a new id) while m1 was SIGKILLed and restarted ${r.kills} times; then every acknowledged id looked up in the authorities' inboxes.`,
    '',
    '| acknowledged | delivered | lost | duplicates | POSTs refused (m1 down) | POSTs cut or failed | unacknowledged, delivered anyway | acknowledged, missing from m1\'s outbox | last POST → all delivered ms | m1 restart ms (median) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${r.acknowledged} | ${r.delivered} | ${r.lost} | ${r.duplicates} | ${r.refusedPosts} | ${r.failedPosts} | ${r.unacknowledgedDelivered} | ${r.missingFromOutbox} | ${Number.isNaN(r.settleMs) ? 'timed out' : r.settleMs.toFixed(0)} | ${stats(r.restartMs).median.toFixed(0)} |`,
    '',
    `Where they are: ${Object.entries(r.byAuthority).map(([k, v]) => `${k} ${v}`).join(', ') || 'nowhere'}.`,
    ''
  )
  const enough = r.acknowledged >= TARGET_RUN_MIN
  targets.push(`| 0 escalations lost across sender kill -9 in a run of ≥ ${TARGET_RUN_MIN} | ${r.lost} lost of ${r.acknowledged} acknowledged, ${r.kills} kills | ${enough ? verdict(r.lost === 0) : `not measured (run of ${r.acknowledged} < ${TARGET_RUN_MIN})`} |`)
}
if (targets.length > 0) lines.push('| target (issue 5) | measured | |', '| --- | --- | --- |', ...targets)
console.log(lines.join('\n'))
if (flags.json !== undefined) {
  await mkdir(dirname(flags.json), { recursive: true })
  await writeFile(flags.json, JSON.stringify({ facts, command, wallS: round(wallS), flags, results }, null, 2) + '\n')
}
