/**
 * A chaos run with real processes (issue 7, "Chaos runs"): N `kos start` nodes, each on its own
 * loopback address 127.0.0.(21+i) and dialling from it, under a seeded schedule of nemeses while
 * a writer appends audit entries with ack=quorum; then everything is healed and the invariants
 * are checked from the APIs and the audit logs:
 * - at most one coordinator per term (every node's /v1/coordinator polled throughout);
 * - after the heal: every node sees every other alive, and all agree on one coordinator;
 * - every acknowledged audit entry is on every node, the logs are identical, and each verifies.
 * Nemeses, one at a time (scripts/chaos-nemeses.ts): SIGKILL + restart, SIGSTOP + SIGCONT,
 * partitions (isolate one node, majority/minority split, bridge, overlapping-majorities ring)
 * and random packet loss on a node (iptables rules in a chain of this run's own), and a
 * bandwidth limit on a node (a tbf on an ifb device of this run's own, fed by filters on lo).
 * Without root, iptables or tc the kinds that need them are left out, saying so. Every rule,
 * qdisc, device and process is removed by name at the end, also on failure; on Ctrl-C (or
 * SIGTERM) the run stops after the current nemesis and cleans up; a second one exits at once,
 * and the exit handlers still remove the rules, the devices and the processes.
 *
 * Usage: npm run chaos -- [--nodes 5] [--seconds 60] [--seed 1] [--nemeses kill,ring,…]
 *        [--log-level warn] [--json path]
 * On a violation every node's log tail is printed (`--log-level info` for the election's).
 * Exit 0 when every invariant held, 1 on a violation (with the seed to replay), 2 on bad flags.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { seededRandom } from '@kos/detect'
import { agreedCoordinator, Cluster, CoordinatorWatch, describeMachine, IptablesPartition, machineFacts, TbfThrottle, type KosProcess } from '@kos/testkit'
import { Nemeses, parseKinds, type NemesisKind } from './chaos-nemeses.js'

function flags (): { nodes: number, seconds: number, seed: number, only?: NemesisKind[], logLevel: string, json?: string } {
  try {
    const { values } = parseArgs({ options: { nodes: { type: 'string', default: '5' }, seconds: { type: 'string', default: '60' }, seed: { type: 'string', default: '1' }, nemeses: { type: 'string' }, 'log-level': { type: 'string', default: 'warn' }, json: { type: 'string' } } })
    const int = (flag: string, v: string, min: number, max: number): number => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag}: an integer from ${min} to ${max}, got ${v}`)
      return n
    }
    return { nodes: int('nodes', values.nodes, 3, 9), seconds: int('seconds', values.seconds, 10, 3600), seed: int('seed', values.seed, 0, 2 ** 31), only: values.nemeses === undefined ? undefined : parseKinds(values.nemeses), logLevel: values['log-level'], json: values.json }
  } catch (err) {
    console.error(`chaos: ${(err as Error).message}`)
    process.exit(2)
  }
}

const opts = flags()
const random = seededRandom(opts.seed)
// The writer draws from its own stream, so the nemesis schedule of a seed does not depend on
// how many appends happened to fit between nemeses.
const writerRandom = seededRandom(opts.seed + 0x5eed)
const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1))
const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))
const log = (msg: string): void => { console.error(`chaos: ${msg}`) }

const cluster = new Cluster()
const partition = new IptablesPartition(`KOS_CHAOS_${process.pid}`)
const throttle = new TbfThrottle()
const violations: string[] = []
const applied: string[] = []
let nodes: KosProcess[] = []
let stopping = false

// First signal: finish the current nemesis, heal and clean up. Second: exit now; the exit
// handlers of IptablesPartition, TbfThrottle and the Cluster still remove what they made.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130)
    stopping = true
    log(`${signal}: stopping after the current nemesis (again to exit at once)`)
  })
}

async function token (n: KosProcess): Promise<string> {
  return (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
}

/** Appends with ack=quorum to random running nodes until told to stop; returns what was acknowledged. */
async function writer (until: () => boolean): Promise<Array<{ hash: string }>> {
  const acked: Array<{ hash: string }> = []
  for (let i = 0; !until(); i++) {
    const running = nodes.filter((x) => x.running)
    const n = running[Math.floor(writerRandom() * running.length)]!
    try {
      const res = await n.api<{ hash: string }>('/v1/audit?ack=quorum', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(n)}` },
        body: JSON.stringify({ class: 'operator', type: 'chaos:write', severity: 'info', subject: `w${i}`, details: { i } })
      })
      if (res.status === 200) acked.push(res.body)
    } catch {
      // A killed, stopped or cut-off node: not acknowledged, nothing owed.
    }
    await sleep(50)
  }
  return acked
}

async function all (n: KosProcess): Promise<string[]> {
  const out: string[] = []
  let cursor: string | null = null
  do {
    const res: { status: number, body: { entries: Array<{ hash: string }>, next: string | null } } =
      await n.api(`/v1/audit?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`)
    if (res.status !== 200) throw new Error(`${n.name}: GET /v1/audit answered ${res.status}`)
    out.push(...res.body.entries.map((e) => e.hash))
    cursor = res.body.next
  } while (cursor !== null)
  return out
}

async function check (what: string, fn: () => Promise<string | null>, timeoutMs: number): Promise<number> {
  const start = performance.now()
  let last: string | null = 'not checked'
  while (performance.now() - start < timeoutMs) {
    last = await fn().catch((err: Error) => err.message)
    if (last === null) return performance.now() - start
    await sleep(250)
  }
  violations.push(`${what}: ${last ?? ''}`)
  return NaN
}

const started = performance.now()
// Where the run was, for the message of an unexpected error (an aborted fetch has no useful stack).
let phase = 'setup'
let watch: CoordinatorWatch | undefined
let acked: Array<{ hash: string }> = []
try {
  const partitionMissing = await IptablesPartition.unavailable() ??
    await partition.install().then(() => undefined, (err: Error) => err.message)
  const throttleMissing = await TbfThrottle.unavailable() ??
    await throttle.install().then(() => undefined, (err: Error) => err.message)
  const nemeses = new Nemeses({
    random,
    only: opts.only,
    partition: partitionMissing === undefined ? partition : undefined,
    throttle: throttleMissing === undefined ? throttle : undefined,
    partitionMissing,
    throttleMissing
  })
  await cluster.init()
  const cfg = join(cluster.tmp, 'chaos.json')
  await writeFile(cfg, JSON.stringify({ auditSyncIntervalMs: 1000 }))
  const hosts = Array.from({ length: opts.nodes }, (_, i) => `127.0.0.${21 + i}`)
  const first = await cluster.startNode({ name: 'c1', host: hosts[0], logLevel: opts.logLevel, extraArgs: ['--config', cfg] })
  nodes = [first, ...await cluster.startNodes(hosts.slice(1).map((host, i) => ({ name: `c${i + 2}`, host, bootstrap: [first.addr], logLevel: opts.logLevel, extraArgs: ['--config', cfg] })))]
  await check('the cluster forms', async () => {
    for (const n of nodes) if ((await n.peers()).peers.filter((p) => p.state === 'alive').length !== nodes.length - 1) return `${n.name} sees fewer alive`
    return null
  }, 60_000)
  watch = new CoordinatorWatch(nodes).start()
  phase = 'the schedule'
  log(`nemeses drawn from: ${nemeses.kinds(nodes.length).join(', ')}`)
  for (const [kind, why] of nemeses.leftOut) log(`${kind} left out: ${why}`)
  const end = performance.now() + opts.seconds * 1000
  const writing = writer(() => stopping || performance.now() > end)
  while (!stopping && performance.now() < end) {
    applied.push(await nemeses.next(nodes))
    log(applied[applied.length - 1]!)
    await sleep(between(1000, 3000))
  }
  acked = await writing
  log(`${applied.length} nemeses; ${acked.length} entries acknowledged with ack=quorum; healing`)
  phase = 'the heal and the checks'
  await partition.heal().catch(() => {})
  for (const n of nodes) { if (!n.running) await n.restart(); else n.kill('SIGCONT') }

  const convergedMs = await check('every node sees every other alive, one coordinator agreed', async () => {
    for (const n of nodes) {
      const alive = (await n.peers()).peers.filter((p) => p.state === 'alive').length
      if (alive !== nodes.length - 1) return `${n.name} sees ${alive} of ${nodes.length - 1} alive`
    }
    await agreedCoordinator(nodes)
    return null
  }, 60_000)
  await check('every acknowledged entry on every node, identical logs', async () => {
    const logs = await Promise.all(nodes.map(async (n) => await all(n)))
    for (const [i, l] of logs.entries()) {
      const held = new Set(l)
      const lost = acked.filter((e) => !held.has(e.hash)).length
      if (lost > 0) return `${nodes[i]!.name} lacks ${lost} acknowledged entries`
    }
    const first = [...logs[0]!].sort().join()
    const odd = logs.findIndex((l) => [...l].sort().join() !== first)
    return odd === -1 ? null : `${nodes[odd]!.name}'s log differs from ${nodes[0]!.name}'s`
  }, 60_000)
  // Verifying walks the whole chain: on a loaded machine one request can outlast the API
  // client's timeout, so a timeout or a refused request is retried. An answer of ok: false is a
  // violation either way; it is asked again to tell a broken chain (it stays) from a false
  // report of a verify that raced an append (it vanishes), which is a different bug to chase.
  const verified = new Set<string>()
  await check('every audit log verifies', async () => {
    for (const n of nodes.filter((x) => !verified.has(x.name))) {
      const v = await n.api<{ ok: boolean, breaks: unknown[] }>('/v1/audit/verify')
      if (v.status !== 200) return `${n.name}: GET /v1/audit/verify answered ${v.status}`
      if (!v.body.ok) {
        const again = await Promise.all([1, 2].map(async () => await n.api<{ ok: boolean }>('/v1/audit/verify').catch(() => undefined)))
        const vanished = again.some((a) => a?.status === 200 && a.body.ok)
        violations.push(`${n.name}: audit verify failed${vanished ? ' (transient: a verify right after said ok)' : ' (persistent: asked twice more)'}: ${JSON.stringify(v.body)}`)
      }
      verified.add(n.name)
    }
    return null
  }, 60_000)
  await watch.stop()
  for (const c of watch.conflicts()) violations.push(`two coordinators in term ${c.term}: ${c.namedBy.join(', ')}`)

  const report = {
    machine: machineFacts(),
    command: `npm run chaos -- --nodes ${opts.nodes} --seconds ${opts.seconds} --seed ${opts.seed}${opts.only === undefined ? '' : ` --nemeses ${opts.only.join(',')}`}`,
    kinds: Object.fromEntries(nemeses.counts),
    leftOut: Object.fromEntries(nemeses.leftOut),
    nemeses: applied,
    acknowledged: acked.length,
    convergedAfterHealMs: Math.round(convergedMs),
    terms: watch.summary((id) => nodes.find((n) => n.peerId === id)?.name ?? id.slice(-6)),
    violations,
    wallSeconds: Math.round((performance.now() - started) / 1000)
  }
  console.log(describeMachine(report.machine))
  console.log(`${report.command}: ${applied.length} nemeses, ${acked.length} acknowledged appends, converged ${report.convergedAfterHealMs} ms after the heal, ${report.wallSeconds} s`)
  console.log(`nemeses: ${Object.entries(report.kinds).map(([k, c]) => `${k} ×${c}`).join(', ')}${nemeses.leftOut.size === 0 ? '' : `; left out: ${[...nemeses.leftOut].map(([k, why]) => `${k} (${why})`).join(', ')}`}`)
  console.log(`terms: ${report.terms}`)
  console.log(violations.length === 0 ? 'invariants: all held' : `VIOLATIONS (replay with --seed ${opts.seed}):\n  ${violations.join('\n  ')}`)
  if (opts.json !== undefined) await writeFile(opts.json, JSON.stringify(report, null, 2) + '\n')
  if (violations.length > 0) {
    console.error(`peer ids: ${nodes.map((n) => `${n.name} ${n.peerId}`).join(', ')}`)
    for (const n of nodes) console.error(`--- ${n.name} log tail ---\n${n.stderr.toString().slice(-6000)}`)
  }
} catch (err) {
  violations.push(`the run failed during ${phase}: ${(err as Error).message}`)
  console.error(`chaos: ${(err as Error).stack ?? String(err)}`)
  for (const n of nodes) console.error(`--- ${n.name} stderr ---\n${n.stderr.toString().slice(-2000)}`)
} finally {
  await watch?.stop().catch(() => {})
  await partition.remove()
  await throttle.remove()
  await cluster.cleanup()
}
process.exit(violations.length === 0 ? 0 : 1)
