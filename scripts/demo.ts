/**
 * `npm run demo`: a local cluster (junzi, archon, n3, n4, n5 on 127.0.0.1) with example agents,
 * a live view of it (demo-view.ts) and a fixed schedule of faults, so that a newcomer watches
 * detection, failover, restart, quarantine and escalation happen:
 *
 *   t=10s  crash an agent              its node's supervisor restarts it
 *   t=20s  an agent reports a critical ethics violation
 *                                      quarantined on every node that runs it, escalated to the Junzi
 *   t=30s  the Junzi releases it       it starts again everywhere
 *   t=38s  SIGKILL a node running an instance of the 2-replica service `web` (n4 if it runs one)
 *                                      suspect, then dead; the coordinator escalates to the Archon
 *                                      and re-places its `web` instance on another node
 *   t=50s  restart it                  alive again, same peer id, higher incarnation, no duplicate
 *   t=58s  SIGSTOP the coordinator     its lease lapses, another node takes over; it goes dead
 *   t=64s  SIGCONT it                  it refutes and comes back alive
 *   t=80s  the schedule starts over
 *
 * A step that runs late (a slow machine) delays the ones after it by as much.
 *
 * Times count from the moment the cluster is up. Nodes are real `kos start` processes run by
 * @kos/testkit's Cluster, with the designated authorities' identities made before they start.
 * Ctrl-C, SIGTERM, `--seconds` running out and any error all end in the same cleanup: every node
 * process SIGKILLed, the agents they leave behind killed by their pid files, the temp dir removed.
 *
 * Usage: npm run demo -- [--seconds N] [--nodes 5]
 * Exit 0 after a clean stop, 1 on an error, 2 on bad flags.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Cluster, freePort } from '@kos/testkit'
import type { ServiceInfo } from '@kos/client'
import { DemoView, renderCompact, renderScreen, type DemoNode } from './demo-view.js'

const EXAMPLE_AGENT = fileURLToPath(new URL('../../examples/agents/example-agent.mjs', import.meta.url))
/** The schedule repeats with this period (s). */
const CYCLE_S = 80
/** Screen refresh on a terminal; snapshot period in a log. */
const SCREEN_MS = 1000
const LOG_EVERY_MS = 3000

function flags (): { seconds: number, nodes: number } {
  try {
    const { values } = parseArgs({ options: { seconds: { type: 'string', default: '0' }, nodes: { type: 'string', default: '5' } } })
    const int = (flag: string, v: string, min: number, max: number): number => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag}: an integer from ${min} to ${max}, got ${v}`)
      return n
    }
    return { seconds: int('seconds', values.seconds, 0, 86_400), nodes: int('nodes', values.nodes, 3, 9) }
  } catch (err) {
    console.error(`demo: ${(err as Error).message}\nusage: npm run demo -- [--seconds N (0: until Ctrl-C)] [--nodes 3..9]`)
    process.exit(2)
  }
}

const opts = flags()
const tty = process.stdout.isTTY
const cluster = new Cluster()
const nodes: DemoNode[] = []
const banners: string[] = []
const stop = new AbortController()
let view: DemoView | undefined
let scheduleStart = 0

const by = (name: string): DemoNode => nodes.find((n) => n.proc.name === name)!
const elapsed = (): number => Math.round((performance.now() - scheduleStart) / 1000)

function banner (text: string): void {
  const line = `t=${elapsed()}s  now: ${text}`
  banners.push(line)
  if (banners.length > 6) banners.shift()
  if (!tty) console.log(`>>> ${line}`)
}

/** Which example agents node `i` (0-based; 0 and 1 are the authorities) runs. */
function agentsOf (i: number): string[] {
  if (i < 2) return []
  return [['scribe', 'courier'], ['scribe'], ['courier', 'planner']][i - 2] ?? ['planner']
}

/** An example agent with fast probes (test/helpers/agents.ts's definition): the demo is short. */
function agentSpec (name: string, port: number): Record<string, unknown> {
  const health = `http://127.0.0.1:${port}/healthz`
  return {
    name,
    command: process.execPath,
    args: [EXAMPLE_AGENT, '--port', String(port)],
    startup: { http: health, periodMs: 200, failureThreshold: 150 },
    liveness: { http: health, periodMs: 500, timeoutMs: 400, failureThreshold: 2 },
    restart: { initialBackoffMs: 500, maxBackoffMs: 5000 },
    stopGraceMs: 1000
  }
}

/** An identity key in a fresh data dir, so that `authorities` can name the peer id before start. */
async function identity (dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const key = await generateKeyPair('Ed25519')
  await writeFile(join(dir, 'identity.key'), privateKeyToProtobuf(key), { mode: 0o600 })
  return peerIdFromPrivateKey(key).toString()
}

async function setup (): Promise<void> {
  await cluster.init()
  const names = Array.from({ length: opts.nodes }, (_, i) => i === 0 ? 'junzi' : i === 1 ? 'archon' : `n${i + 1}`)
  const ids = await Promise.all(names.map(async (n) => await identity(join(cluster.tmp, n))))
  const authorities = { junzi: [ids[0]!], archon: [ids[1]!] }
  const plans: Array<{ name: string, args: string[], agents: Array<{ name: string, port: number }> }> = []
  for (const [i, name] of names.entries()) {
    const agents = await Promise.all(agentsOf(i).map(async (a) => ({ name: a, port: await freePort() })))
    const config = join(cluster.tmp, `${name}.json`)
    await writeFile(config, JSON.stringify({
      authorities,
      agents: agents.map((a) => agentSpec(a.name, a.port)),
      auditSyncIntervalMs: 1000,
      escalationRetryMaxDelayMs: 1000,
      escalationSweepIntervalMs: 1000
    }))
    plans.push({ name, agents, args: ['--config', config, ...(i < 2 ? ['--role', name] : [])] })
  }
  console.log(`demo: starting ${names.join(', ')} in ${cluster.tmp} …`)
  const first = await cluster.startNode({ name: plans[0]!.name, dataDir: join(cluster.tmp, plans[0]!.name), extraArgs: plans[0]!.args })
  if (stop.signal.aborted) return
  const rest = await cluster.startNodes(plans.slice(1).map((p) => ({ name: p.name, dataDir: join(cluster.tmp, p.name), bootstrap: [first.addr], extraArgs: p.args })))
  for (const [i, proc] of [first, ...rest].entries()) {
    nodes.push({ proc, agents: plans[i]!.agents, authority: i === 0 ? 'junzi' : i === 1 ? 'archon' : null, state: 'running' })
  }
  await cluster.waitFor('every node sees every other alive, a coordinator, every agent running', async () => {
    if (stop.signal.aborted) return true
    for (const n of nodes) {
      if ((await n.proc.peers()).peers.filter((p) => p.state === 'alive').length !== nodes.length - 1) return false
      if ((await n.proc.coordinator()).peerId === null) return false
      const agents = (await n.proc.api<{ agents: Array<{ state: string }> }>('/v1/agents')).body.agents
      if (agents.some((a) => a.state !== 'running')) return false
    }
    return true
  }, { timeoutMs: 90_000 })
  if (stop.signal.aborted) return
  // The cluster service: two replicas of the example agent on two distinct nodes, placed by the
  // coordinator; the schedule's SIGKILL shows one move.
  const definer = by(names[2] ?? names[0]!).proc
  const token = (await readFile(join(definer.dataDir, 'api-token'), 'utf8')).trim()
  await cluster.waitFor('the service web defined and both instances ready', async () => {
    if (stop.signal.aborted) return true
    const s = await definer.api<{ status: string }>('/v1/services/web')
    if (s.status === 404) {
      await definer.api('/v1/services', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(serviceSpec()) })
      return false
    }
    return s.body.status === 'ok'
  }, { timeoutMs: 90_000 })
}

/** The demo's cluster service: the example agent, 2 replicas, each on its own node and `$PORT`. */
function serviceSpec (): Record<string, unknown> {
  const health = 'http://127.0.0.1:${PORT}/healthz'
  return {
    ...agentSpec('web', 0),
    args: [EXAMPLE_AGENT, '--port', '${PORT}'],
    startup: { http: health, periodMs: 200, failureThreshold: 150 },
    liveness: { http: health, periodMs: 500, timeoutMs: 400, failureThreshold: 2 },
    readiness: { http: health, periodMs: 200, failureThreshold: 2 },
    // Essential: a node degraded by the demo's load (many processes on a few cores) keeps it
    // running instead of pausing it, as a service that matters would be defined.
    essential: true,
    replicas: 2
  }
}

/** A node (not an authority, not the coordinator if it can help it) running an instance of `web`, else n4. */
async function serviceHolder (): Promise<DemoNode> {
  const viewer = nodes.find((n) => n.state === 'running') ?? nodes[0]!
  const s = await viewer.proc.api<ServiceInfo>('/v1/services/web').then((r) => r.status === 200 ? r.body : undefined).catch(() => undefined)
  const coordinator = await viewer.proc.coordinator().then((c) => c.peerId).catch(() => null)
  const holders = nodes.filter((n) => n.state === 'running' && n.authority === null && s?.instances.some((i) => i.nodeId === n.proc.peerId) === true)
  return holders.find((n) => n.proc.peerId !== coordinator) ?? holders[0] ?? nodes.find((n) => n.proc.name === 'n4') ?? nodes[nodes.length - 1]!
}

async function post (url: string, headers: Record<string, string> = {}): Promise<string> {
  // The node's API takes only JSON on anything but a read; the example agent ignores the body.
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}', signal: AbortSignal.timeout(5000) })
  return `HTTP ${res.status}`
}

/** One pass of the schedule; each step's banner says what to watch. */
function steps (): Array<{ at: number, run: () => Promise<void> }> {
  const crashOn = [...nodes].reverse().find((n) => n.agents.some((a) => a.name === 'courier'))!
  const courier = crashOn.agents.find((a) => a.name === 'courier')!
  const scribeOn = nodes.find((n) => n.agents.some((a) => a.name === 'scribe'))!
  const scribe = scribeOn.agents.find((a) => a.name === 'scribe')!
  const scribes = nodes.filter((n) => n.agents.some((a) => a.name === 'scribe')).map((n) => n.proc.name).join(' and ')
  let victim = nodes.find((n) => n.proc.name === 'n4') ?? nodes[nodes.length - 1]!
  let stalled: DemoNode | undefined
  let stalledAt = 0
  return [
    {
      at: 10,
      run: async () => {
        banner(`crash agent courier on ${crashOn.proc.name} (POST /crash: it exits 1) — watch its supervisor restart it: RESTARTS goes up, agent:exited then agent:started in the audit log`)
        await post(`http://127.0.0.1:${courier.port}/crash`)
      }
    },
    {
      at: 20,
      run: async () => {
        banner(`scribe on ${scribeOn.proc.name} reports a critical ethics violation (rule no-deception) — watch scribe quarantined on ${scribes} (cluster-wide, by name) and an ethics escalation land in the Junzi's inbox`)
        await post(`http://127.0.0.1:${scribe.port}/ethics?verdict=violation&severity=critical&rule=no-deception`).catch(() => '')
      }
    },
    {
      at: 30,
      run: async () => {
        banner('the Junzi releases scribe (POST /v1/agents/scribe/release on junzi: only a Junzi may) — watch scribe start again on every node')
        const token = (await readFile(join(by('junzi').proc.dataDir, 'api-token'), 'utf8')).trim()
        await post(`http://${by('junzi').proc.apiHostPort}/v1/agents/scribe/release`, { authorization: `Bearer ${token}` })
      }
    },
    {
      at: 38,
      run: async () => {
        victim = await serviceHolder()
        banner(`SIGKILL ${victim.proc.name}, which runs an instance of web — watch it go suspect, then dead, the coordinator escalate its death to an authority, and web's instance re-placed on another node (new generation) within seconds`)
        victim.state = 'SIGKILLed'
        await victim.proc.killNow()
      }
    },
    {
      at: 50,
      run: async () => {
        banner(`restart ${victim.proc.name} (same data dir, same peer id) — watch it come back alive with a higher incarnation (INC), its agents restarted, and no second copy of web's instance`)
        // In the background: a start can take seconds on a busy machine, and the schedule goes on.
        victim.state = 'restarting'
        victim.proc.restart().then(() => { victim.state = 'running' }, (err: Error) => { if (!stop.signal.aborted) banner(`(restarting ${victim.proc.name} failed: ${err.message.split('\n')[0]!})`) })
      }
    },
    {
      at: 58,
      run: async () => {
        const coord = await (nodes.find((n) => n.state === 'running') ?? nodes[0]!).proc.coordinator().catch(() => undefined)
        stalled = nodes.find((n) => n.proc.peerId === coord?.peerId && n.state === 'running') ?? [...nodes].reverse().find((n) => n.state === 'running')!
        banner(`SIGSTOP ${stalled.proc.name}${stalled.proc.peerId === coord?.peerId ? ' (the coordinator)' : ''} for 6 s — watch phi climb, suspect then dead, and another node take over as coordinator`)
        stalled.state = 'SIGSTOPped'
        stalled.proc.kill('SIGSTOP')
        stalledAt = performance.now()
      }
    },
    {
      at: 64,
      run: async () => {
        if (stalled?.state !== 'SIGSTOPped') return
        banner(`SIGCONT ${stalled.proc.name} after ${Math.round((performance.now() - stalledAt) / 1000)} s — watch it refute (INC goes up) and come back alive`)
        stalled.proc.kill('SIGCONT')
        stalled.state = 'running'
      }
    }
  ]
}

/**
 * Runs the steps at their times. A step that runs late (a slow machine) or long shifts the ones
 * after it by as much, so the gaps between steps (the 6 s stall) stay as planned.
 */
async function schedule (): Promise<void> {
  let lateMs = 0
  for (let cycle = 0; ; cycle++) {
    if (cycle > 0) banner('the schedule starts over')
    for (const step of steps()) {
      const due = scheduleStart + (cycle * CYCLE_S + step.at) * 1000 + lateMs
      if (due > performance.now()) await sleep(due - performance.now(), undefined, { signal: stop.signal })
      await step.run().catch((err: Error) => { banner(`(that step failed: ${err.message.split('\n')[0]!})`) })
      lateMs += Math.max(0, performance.now() - due)
    }
    const end = scheduleStart + (cycle + 1) * CYCLE_S * 1000 + lateMs
    if (end > performance.now()) await sleep(end - performance.now(), undefined, { signal: stop.signal })
  }
}

async function screen (): Promise<void> {
  let lastLog = 0
  let lastEscalations = ''
  const footer = opts.seconds > 0 ? `ends after ${opts.seconds} s, or Ctrl-C` : 'Ctrl-C stops the demo and removes everything it started'
  for (;;) {
    const tick = performance.now()
    const snap = await view!.snapshot()
    if (tty) process.stdout.write(renderScreen(snap, banners, view!.auditLines, view!.auditHidden, footer))
    else if (tick - lastLog >= LOG_EVERY_MS) {
      lastLog = tick
      const escalations = snap.escalations.join('\n')
      process.stdout.write(renderCompact(snap, view!.takeNewAudit(), escalations !== lastEscalations))
      lastEscalations = escalations
    }
    await sleep(Math.max(50, SCREEN_MS - (performance.now() - tick)), undefined, { signal: stop.signal })
  }
}

let signals = 0
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (++signals > 1) {
      // The harness's exit handler still SIGKILLs every node it spawned.
      console.error(`demo: ${sig} again, exiting now; agents may be left running (see ${cluster.tmp}/*/agents/*/pid)`)
      process.exit(130)
    }
    console.error(`\ndemo: ${sig}, cleaning up …`)
    stop.abort(sig)
  })
}

let code = 0
try {
  const stopped = new Promise<void>((resolve) => { stop.signal.addEventListener('abort', () => { resolve() }, { once: true }) })
  await Promise.race([setup(), stopped])
  if (!stop.signal.aborted) {
    scheduleStart = performance.now()
    view = new DemoView(nodes, new Map(nodes.map((n) => [n.proc.peerId, n.proc.name])), scheduleStart)
    if (opts.seconds > 0) setTimeout(() => { stop.abort('time') }, opts.seconds * 1000).unref()
    console.log(`demo: ${nodes.length} nodes up; the schedule starts${tty ? '' : ` (a snapshot every ${LOG_EVERY_MS / 1000} s)`}`)
    // Either loop ending other than by the abort is an error: it stops the demo.
    await Promise.race([schedule(), screen(), stopped])
  }
} catch (err) {
  if (!stop.signal.aborted) {
    code = 1
    console.error(`demo: ${(err as Error).stack ?? String(err)}`)
    console.error(cluster.stderrTails(1500))
  }
} finally {
  stop.abort('cleanup')
  const pids = cluster.nodes.map((n) => n.pid).filter((p) => p !== undefined)
  await cluster.cleanup().catch((err: Error) => { console.error(`demo: cleanup: ${err.message}`); code = 1 })
  console.log(`demo: stopped; node processes ${pids.join(', ')} and their agents killed, temp dir removed`)
}
process.exit(code)
