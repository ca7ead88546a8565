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
 * - Frozen: the same with SIGSTOP instead of SIGKILL: j1's connections stay open and nothing
 *   answers, so m1 learns of it only from its delivery deadline and, later, from membership.
 *   Then SIGCONT, and wait until an escalation reaches j1 again before the next.
 * - Nothing lost across sender kill -9: POST `--run-escalations` acknowledged escalations (each
 *   attempt a fresh client-chosen id, 4 in flight) while m1 is SIGKILLed and restarted `--kills`
 *   times, spread over the run; a POST cut by the kill is not acknowledged and the next attempt
 *   takes a new id. Then wait until every acknowledged id is in an authority's inbox and m1's
 *   outbox holds none of the run pending; count lost (acknowledged, in no inbox) and duplicates
 *   (in more than one authority's inbox).
 * Prints markdown with the machine's facts, the command and each target met or missed (computed;
 * bench-escalation-report.ts), and writes the raw numbers as JSON. The flags are parsed in
 * bench-escalation-flags.ts, and the node's escalation API is called through escalation-client.ts.
 *
 * Usage: npm run bench:escalation -- [--escalations 50] [--interval 100] [--trials 5]
 *          [--run-escalations 120] [--kills 5] [--phases latency,failover,frozen,lost] [--json docs/bench/escalation.json]
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Cluster, machineFacts, stats, type KosProcess } from '@kos/testkit'
import { benchCommand, parseFlags } from './bench-escalation-flags.js'
import { escalationReport, type EscalationResults, type FailoverTrial, type LatencySample, type RunResult } from './bench-escalation-report.js'
import { box, closeClients, escalate, one, token } from './escalation-client.js'

const POLL_MS = 5
const LATENCY_DEADLINE_MS = 10_000
const FAILOVER_DEADLINE_MS = 15_000
/** A frozen authority is found out by a delivery deadline and membership, not by a refused connection. */
const FROZEN_DEADLINE_MS = 30_000
const SETTLE_DEADLINE_MS = 60_000
const DELIVERY_DEADLINE_MS = 120_000
const RUN_INFLIGHT = 4
const RUN_PAUSE_MS = 20

const flags = parseFlags()

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

// ---- 2. failover, from a killed or a frozen authority ---------------------------------------------

/**
 * `--trials` times: `signal` j1 (SIGKILL, or SIGSTOP to freeze it), POST an ethics escalation on
 * m1 at once, time until j2 holds it; then bring j1 back (restart, or SIGCONT) and wait until an
 * escalation reaches it again.
 */
async function failover (c: Nodes, signal: 'SIGKILL' | 'SIGSTOP'): Promise<FailoverTrial[]> {
  const tok = await token(c.m1)
  const out: FailoverTrial[] = []
  const kind = signal === 'SIGKILL' ? 'failover' : 'frozen'
  await settledOnJ1(c, tok, `before the first ${kind} trial`)
  for (let t = 0; t < flags.trials; t++) {
    const signalledAt = performance.now()
    c.j1.kill(signal)
    let back: number | undefined
    try {
      const id = await escalate(c.m1, tok, `bench ${kind} ${t}`)
      const postMs = performance.now() - signalledAt
      const heldByJ2Ms = await until(`j2 to hold ${kind} escalation ${t} (${id})`, async () => {
        if (await one(c.j2, id) !== undefined) return performance.now() - signalledAt
        const v = await one(c.m1, id)
        if (v !== undefined && v.status !== 'pending' && v.deliveredTo !== c.j2.peerId) throw new Error(`m1 delivered it to ${c.names.get(v.deliveredTo ?? '') ?? v.deliveredTo}, not j2`)
        return false
      }, signal === 'SIGKILL' ? FAILOVER_DEADLINE_MS : FROZEN_DEADLINE_MS, POLL_MS)
      back = performance.now()
      if (signal === 'SIGKILL') {
        await c.j1.waitExit()
        await c.j1.restart()
      } else {
        c.j1.kill('SIGCONT')
      }
      await settledOnJ1(c, tok, `after ${kind} trial ${t + 1}`)
      const trial = { id, postMs: round(postMs), heldByJ2Ms: round(heldByJ2Ms), restartToJ1Ms: round(performance.now() - back) }
      out.push(trial)
      process.stderr.write(`bench: ${kind} trial ${t + 1}/${flags.trials}: j2 holds it ${trial.heldByJ2Ms.toFixed(0)} ms after the ${signal} (POST answered at ${trial.postMs.toFixed(0)} ms); j1 back in ${trial.restartToJ1Ms.toFixed(0)} ms\n`)
    } finally {
      // A trial that failed must not leave j1 stopped for the next phase.
      if (signal === 'SIGSTOP' && back === undefined && c.j1.running) c.j1.kill('SIGCONT')
    }
  }
  return out
}

// ---- 3. nothing lost across sender kill -9 ------------------------------------------------------

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
const results: EscalationResults = {}
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
    process.stderr.write(`bench: failover from a killed authority, ${flags.trials} trials ...\n`)
    results.failover = await failover(c, 'SIGKILL')
  }
  if (flags.phases.includes('frozen')) {
    process.stderr.write(`bench: failover from a frozen (SIGSTOP) authority, ${flags.trials} trials ...\n`)
    results.frozen = await failover(c, 'SIGSTOP')
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
  closeClients()
  await cluster.cleanup()
}
const wallS = (performance.now() - started) / 1000

const command = benchCommand(flags)
console.log(escalationReport({ facts, command, wallS, flags, results, pollMs: POLL_MS, inflight: RUN_INFLIGHT }))
if (flags.json !== undefined) {
  await mkdir(dirname(flags.json), { recursive: true })
  await writeFile(flags.json, JSON.stringify({ facts, command, wallS: round(wallS), flags, results }, null, 2) + '\n')
}
