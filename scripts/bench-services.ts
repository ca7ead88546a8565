/**
 * Re-placement of a cluster service after a crash (issue 18, "Targets"), with real processes:
 * N `kos start` nodes on 127.0.0.1 with their default config, a 2-replica service of the example
 * agent, and `--trials` rounds of:
 * - wait until both instances are ready on two distinct nodes and every node is alive;
 * - SIGKILL a node holding an instance (not the coordinator: its failover is measured apart);
 * - poll the survivors until the lost instance's replacement is ready on its new node (the new
 *   node's own /v1/agents, polled every ~20 ms), timed from the kill;
 * - split the time with the audit log's wall-clock stamps (one host, one clock): detection (the
 *   coordinator's `member:dead` entry), decision (its `service:replaced`), start (the new node's
 *   `agent:started`) and readiness (its `agent:ready`);
 * - restart the killed node on its data directory.
 * Targets: ready on another node ≤ 4 s median, ≤ 6 s max, counted from the kill.
 *
 * Then `--coordinator-kills` rounds of: SIGKILL the coordinator while the service runs, and poll
 * every running node's own /v1/agents every ~50 ms until a new coordinator is agreed and the
 * service is ok again. Reported per round: whether the coordinator held an instance, the fewest
 * ready instances on the surviving nodes and the most ready anywhere (targets: never fewer than
 * before on the survivors, never more than `replicas`), and whether a survivor's instance moved.
 *
 * The service's own probes are the definition's choice, not a node default: startup and
 * readiness every 100 ms, and `essential` (kept running in degraded mode), printed in the report.
 *
 * Usage: npm run bench:services -- [--nodes 5] [--trials 10] [--coordinator-kills 10] [--json docs/bench/services.json]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Cluster, describeMachine, machineFacts, stats, type KosProcess, type Stats } from '@kos/testkit'
import type { ServiceInfo } from '@kos/client'

const POLL_MS = 20
const DEADLINE_MS = 120_000
const MEDIAN_TARGET_MS = 4000
const MAX_TARGET_MS = 6000
const EXAMPLE_AGENT = fileURLToPath(new URL('../../examples/agents/example-agent.mjs', import.meta.url))
const SERVICE = 'bench'
const PROBE_PERIOD_MS = 100

const { values: args } = parseArgs({ options: { nodes: { type: 'string', default: '5' }, trials: { type: 'string', default: '10' }, 'coordinator-kills': { type: 'string', default: '10' }, json: { type: 'string' } } })
const kills = Number(args['coordinator-kills'])
if (!Number.isInteger(kills) || kills < 0) throw new Error(`--coordinator-kills: must be an integer >= 0, got ${args['coordinator-kills']}`)
const n = Number(args.nodes)
const trials = Number(args.trials)
if (!Number.isInteger(n) || n < 3) throw new Error(`--nodes: must be an integer >= 3, got ${args.nodes}`)
if (!Number.isInteger(trials) || trials < 0) throw new Error(`--trials: must be an integer >= 0, got ${args.trials}`)

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

interface Entry { origin: string, ts: number, type: string, subject: string }

interface Trial {
  victim: string
  instance: string
  /** From the kill, ms: the replacement seen ready by polling its node. */
  readyMs: number
  /** From the kill, ms, by the audit log's stamps (null if an entry was not found). */
  detectedMs: number | null
  decidedMs: number | null
  startedMs: number | null
  readyLoggedMs: number | null
}

function definition (): Record<string, unknown> {
  const health = 'http://127.0.0.1:${PORT}/healthz'
  return {
    name: SERVICE,
    command: process.execPath,
    args: [EXAMPLE_AGENT, '--port', '${PORT}'],
    replicas: 2,
    // Essential, as a service that must not drop would be defined: a node that the kills' CPU
    // bursts push into degraded mode pauses non-essential agents, which is shedding working,
    // not placement.
    essential: true,
    startup: { http: health, periodMs: PROBE_PERIOD_MS, failureThreshold: 300 },
    readiness: { http: health, periodMs: PROBE_PERIOD_MS, failureThreshold: 2 }
  }
}

async function entries (node: KosProcess, origin: string, since: number): Promise<Entry[]> {
  const res = await node.api<{ entries: Entry[] }>(`/v1/audit?origin=${origin}&since=${since}&limit=1000`)
  return res.status === 200 ? res.body.entries : []
}

interface KillRound { coordinator: string, heldInstance: boolean, survivorsReadyBefore: number, fewestSurvivorsReady: number, mostReady: number, survivorMoved: boolean, okAfterMs: number }

/**
 * The service instances of each running node that answered, from its own /v1/agents: the agent
 * names it runs, and the ready ones. A node that did not answer in time (a loaded machine) is
 * left out of this sample rather than counted as running nothing.
 */
async function instancesByNode (nodes: KosProcess[]): Promise<Map<KosProcess, { runs: string[], ready: string[] }>> {
  const out = new Map<KosProcess, { runs: string[], ready: string[] }>()
  await Promise.all(nodes.filter((x) => x.running).map(async (x) => {
    const res = await x.api<{ agents: Array<{ name: string, ready: boolean }> }>('/v1/agents').catch(() => undefined)
    if (res?.status !== 200) return
    const svc = res.body.agents.filter((a) => a.name.startsWith('svc.'))
    out.set(x, { runs: svc.map((a) => a.name), ready: svc.filter((a) => a.ready).map((a) => a.name) })
  }))
  return out
}

const cluster = new Cluster()
const facts = machineFacts()
const started = performance.now()
const rounds: Trial[] = []
const killRounds: KillRound[] = []
try {
  await cluster.init()
  const first = await cluster.startNode({ name: 'b1' })
  const rest = await cluster.startNodes(Array.from({ length: n - 1 }, (_, i) => ({ name: `b${i + 2}`, bootstrap: [first.addr] })))
  const nodes = [first, ...rest]
  const byId = (id: string): KosProcess => nodes.find((x) => x.peerId === id)!
  await until('one coordinator every node agrees on', async () => {
    const views = await Promise.all(nodes.map(async (x) => (await x.coordinator()).peerId))
    return views[0] !== null && views.every((v) => v === views[0])
  })
  const token = (await readFile(join(first.dataDir, 'api-token'), 'utf8')).trim()
  await until('the service defined', async () => {
    const res = await first.api('/v1/services', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(definition()) })
    return res.status === 201 ? true : false
  })

  for (let t = 0; t < trials; t++) {
    const s = await until('both instances ready on distinct nodes, every node alive', async () => {
      const alive = await Promise.all(nodes.map(async (x) => (await x.peers()).peers.filter((p) => p.state === 'alive').length))
      if (!alive.every((c) => c === n - 1)) return false
      const info = (await first.api<ServiceInfo>(`/v1/services/${SERVICE}`)).body
      const ready = info.instances.filter((i) => i.ready)
      return info.status === 'ok' && ready.length === 2 && new Set(ready.map((i) => i.nodeId)).size === 2 ? info : false
    })
    const coordinator = await until('one coordinator every node agrees on', async () => {
      const views = await Promise.all(nodes.map(async (x) => (await x.coordinator()).peerId))
      return views[0] !== null && views.every((v) => v === views[0]) ? views[0]! : false
    })
    const holders = s.instances.filter((i) => i.ready && i.nodeId !== coordinator)
    const lost = holders[t % holders.length]!
    const victim = byId(lost.nodeId)
    const observer = nodes.find((x) => x !== victim && x.peerId === coordinator)!
    const killedAt = Date.now()
    const killedMono = performance.now()
    victim.kill('SIGKILL')
    // The replacement: the lost instance id with a higher generation, on another node.
    const replacement = await until('the replacement assigned', async () => {
      const info = (await observer.api<ServiceInfo>(`/v1/services/${SERVICE}`)).body
      return info.instances.find((i) => i.id === lost.id && i.generation > lost.generation && i.nodeId !== victim.peerId) ?? false
    })
    const holder = byId(replacement.nodeId)
    await until('the replacement ready on its node', async () => {
      const res = await holder.api<{ ready: boolean, state: string }>(`/v1/agents/svc.${lost.id}`)
      return res.status === 200 && res.body.ready
    }).catch(async (err: Error) => {
      // What every running node runs, and what the coordinator's log says of the service, for the cause.
      for (const x of nodes.filter((y) => y.running)) {
        const agents = await x.api<{ agents: Array<{ name: string, ready: boolean, state: string, reason: string }> }>('/v1/agents').catch(() => undefined)
        console.error(`${x.name}: ${JSON.stringify(agents?.body.agents.filter((a) => a.name.startsWith('svc.')))}`)
      }
      console.error(`replacement: ${JSON.stringify(replacement)}; view: ${JSON.stringify((await observer.api(`/v1/services/${SERVICE}`).catch(() => undefined))?.body)}`)
      console.error(`${holder.name} sees: ${JSON.stringify((await holder.api(`/v1/services/${SERVICE}`).catch(() => undefined))?.body)}; coordinator ${JSON.stringify(await holder.coordinator().catch(() => undefined))}`)
      console.error((await holder.metrics().catch(() => '')).split('\n').filter((l) => /^kos_service|^kos_agent/.test(l)).join('\n'))
      console.error(cluster.stderrTails(4000))
      for (const e of await entries(observer, coordinator, killedAt - 5000)) console.error(`${e.ts - killedAt} ${e.type} ${JSON.stringify(e)}`.slice(0, 400))
      throw err
    })
    const readyMs = performance.now() - killedMono
    await victim.waitExit()
    // The audit stamps: give replication a moment, then read each entry at its origin.
    await sleep(1000)
    const coordEntries = await entries(observer, coordinator, killedAt - 1000)
    const holderEntries = await entries(holder, holder.peerId, killedAt - 1000)
    const at = (list: Entry[], pred: (e: Entry) => boolean): number | null => {
      const e = list.find(pred)
      return e === undefined ? null : e.ts - killedAt
    }
    const round: Trial = {
      victim: victim.name,
      instance: `${lost.id}#${replacement.generation}`,
      readyMs: Math.round(readyMs),
      detectedMs: at(coordEntries, (e) => e.type === 'member:dead' && e.subject === victim.peerId),
      decidedMs: at(coordEntries, (e) => e.type === 'service:replaced' && e.subject === lost.id),
      startedMs: at(holderEntries, (e) => e.type === 'agent:started' && e.subject === `svc.${lost.id}`),
      readyLoggedMs: at(holderEntries, (e) => e.type === 'agent:ready' && e.subject === `svc.${lost.id}`)
    }
    rounds.push(round)
    console.log(`trial ${t + 1}: ${round.victim} killed, ${round.instance} ready after ${round.readyMs} ms ` +
      `(detected ${round.detectedMs ?? '?'} ms, decided ${round.decidedMs ?? '?'} ms, started ${round.startedMs ?? '?'} ms, ready ${round.readyLoggedMs ?? '?'} ms)`)
    await victim.restart()
  }

  for (let k = 0; k < kills; k++) {
    let lastSeen = 'nothing answered'
    const s = await until('both instances ready on distinct nodes, every node alive', async () => {
      const alive = await Promise.all(nodes.map(async (x) => (await x.peers()).peers.filter((p) => p.state === 'alive').length))
      lastSeen = `alive seen by ${nodes.map((x, i) => `${x.name} ${alive[i]}`).join(', ')}`
      if (!alive.every((c) => c === n - 1)) return false
      const info = (await first.api<ServiceInfo>(`/v1/services/${SERVICE}`)).body
      lastSeen += `; ${first.name} sees ${JSON.stringify(info)}`
      const ready = info.instances.filter((i) => i.ready)
      return info.status === 'ok' && ready.length === 2 && info.instances.length === 2 ? info : false
    }).catch((err: Error) => {
      console.error(`last seen before coordinator kill ${k + 1}: ${lastSeen}`)
      console.error(cluster.stderrTails(4000))
      throw err
    })
    const coordinator = await until('one coordinator every node agrees on', async () => {
      const views = await Promise.all(nodes.map(async (x) => (await x.coordinator()).peerId))
      return views[0] !== null && views.every((v) => v === views[0]) ? views[0]! : false
    })
    const victim = byId(coordinator)
    const survivors = nodes.filter((x) => x !== victim)
    const seen = await until('every survivor to answer', async () => { const m = await instancesByNode(survivors); return m.size === survivors.length ? m : false })
    const before = new Map([...seen].map(([x, i]) => [x, i.ready]))
    const survivorsReadyBefore = [...before.values()].reduce((a, l) => a + l.length, 0)
    const killedMono = performance.now()
    victim.kill('SIGKILL')
    let fewest = Infinity
    let most = 0
    let moved = false
    const observer = survivors[0]!
    for (;;) {
      const now = await instancesByNode(survivors)
      const total = [...now.values()].reduce((a, i) => a + i.ready.length, 0)
      if ([...before.keys()].every((x) => now.has(x))) {
        fewest = Math.min(fewest, [...before].reduce((a, [x, l]) => a + l.filter((name) => now.get(x)!.ready.includes(name)).length, 0))
      }
      most = Math.max(most, total)
      // Moved: the node answered and no longer runs it (stopped or removed), not merely unready.
      for (const [x, l] of before) if (now.has(x) && l.some((name) => !now.get(x)!.runs.includes(name))) moved = true
      const views = await Promise.all(survivors.map(async (x) => (await x.coordinator()).peerId))
      const info = (await observer.api<ServiceInfo>(`/v1/services/${SERVICE}`)).body
      if (views[0] !== null && views[0] !== coordinator && views.every((v) => v === views[0]) && info.status === 'ok' && total === 2 && now.size === survivors.length) break
      if (performance.now() - killedMono > DEADLINE_MS) throw new Error('bench: the service was not ok under a new coordinator in time')
      await sleep(50)
    }
    const round: KillRound = {
      coordinator: victim.name,
      heldInstance: s.instances.some((i) => i.nodeId === coordinator),
      survivorsReadyBefore,
      fewestSurvivorsReady: fewest,
      mostReady: most,
      survivorMoved: moved,
      okAfterMs: Math.round(performance.now() - killedMono)
    }
    killRounds.push(round)
    console.log(`coordinator kill ${k + 1}: ${round.coordinator}${round.heldInstance ? ' (held an instance)' : ''}; survivors' ready ${round.survivorsReadyBefore} → fewest ${round.fewestSurvivorsReady}; most ready ${round.mostReady}; ${round.survivorMoved ? 'a survivor\'s instance MOVED' : 'no survivor\'s instance moved'}; ok again after ${round.okAfterMs} ms`)
    await victim.waitExit()
    await victim.restart()
  }
} finally {
  await cluster.cleanup()
}

const fmt = (s: Stats): string => `${Math.round(s.median)} | ${Math.round(s.min)} | ${Math.round(s.max)}`
const col = (pick: (r: Trial) => number | null): number[] => rounds.map(pick).filter((x): x is number => x !== null)
const total = stats(rounds.map((r) => r.readyMs))
const wallS = Math.round((performance.now() - started) / 1000)
const command = `npm run bench:services -- --nodes ${n} --trials ${trials} --coordinator-kills ${kills}`
const lines = rounds.length === 0 ? [`## Service placement under coordinator kills (${facts.date})`, '', `${describeMachine(facts)}. Command: \`${command}\` (${wallS} s). N = ${n}, 2 replicas, essential, default node config.`] : [
  `## Service re-placement after a crash (${facts.date})`,
  '',
  `${describeMachine(facts)}. Command: \`${command}\` (${wallS} s). N = ${n}, 2 replicas, default node config; the service's`,
  `startup and readiness probes run every ${PROBE_PERIOD_MS} ms and it is essential (the definition's choices). Times in ms from the SIGKILL of a`,
  'node holding an instance (never the coordinator).',
  '',
  '| phase (from the kill) | median | min | max |',
  '| --- | --- | --- | --- |',
  `| detection (coordinator's member:dead) | ${fmt(stats(col((r) => r.detectedMs)))} |`,
  `| decision (service:replaced) | ${fmt(stats(col((r) => r.decidedMs)))} |`,
  `| start (agent:started on the new node) | ${fmt(stats(col((r) => r.startedMs)))} |`,
  `| readiness (agent:ready on the new node) | ${fmt(stats(col((r) => r.readyLoggedMs)))} |`,
  `| **ready, seen by polling its node** | **${fmt(total)}** |`,
  '',
  `Targets: median ≤ ${MEDIAN_TARGET_MS} ms: ${total.median <= MEDIAN_TARGET_MS ? 'met' : `missed (${Math.round(total.median)} ms)`}; ` +
    `max ≤ ${MAX_TARGET_MS} ms: ${total.max <= MAX_TARGET_MS ? 'met' : `missed (${Math.round(total.max)} ms)`}. Trials: ${rounds.length}.`
]
if (killRounds.length > 0) {
  const dropped = killRounds.filter((r) => r.fewestSurvivorsReady < r.survivorsReadyBefore).length
  const over = killRounds.filter((r) => r.mostReady > 2).length
  const moved = killRounds.filter((r) => r.survivorMoved).length
  lines.push('', `Coordinator kills: ${killRounds.length} (${killRounds.filter((r) => r.heldInstance).length} of them held an instance, which was re-placed). ` +
    `Ready instances on the surviving nodes dropped in ${dropped}, rose above replicas in ${over}, a survivor's instance moved in ${moved}; ` +
    `ok again under the new coordinator after ${Math.round(stats(killRounds.map((r) => r.okAfterMs)).median)} ms median, ${Math.round(stats(killRounds.map((r) => r.okAfterMs)).max)} ms max ` +
    `(polled every 50 ms: a blip shorter than that is not seen).`)
}
console.log('\n' + lines.join('\n'))
if (args.json !== undefined) {
  await mkdir(dirname(args.json), { recursive: true })
  await writeFile(args.json, JSON.stringify({ facts, command, rounds, killRounds }, null, 2) + '\n')
}
