/**
 * MTTR of supervised agents (issue 6, "Targets"), with a real node and the real example agent:
 * - crash: POST /crash to the agent, then poll /v1/agents every ~20 ms until the agent is ready
 *   again under a new pid. Reported from the client (crash request → ready seen) and from the
 *   node's own measure (`agent:ready.recoveredAfterMs`: exit detected → ready). Target: median
 *   ≤ 1.5 s at the first restart, so every trial starts from a fresh backoff (an operator
 *   restart resets it).
 * - hang: POST /hang (the agent's event loop spins forever), then time until a new process has
 *   started ("restarted") and until it is ready. Target: restarted ≤ liveness period ×
 *   failure threshold + 1 s.
 * The agent's probes: startup every 50 ms (readiness is seen soon after the process listens),
 * liveness every 1000 ms with a 500 ms timeout and threshold 3, so the hang target is 4000 ms.
 *
 * Usage: npm run bench:mttr -- [--trials 10] [--json docs/bench/mttr.json]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Cluster, describeMachine, freePort, machineFacts, stats, type KosProcess, type Stats } from '@kos/testkit'
import type { AgentInfo } from '@kos/client'

const POLL_MS = 20
const DEADLINE_MS = 60_000
const LIVENESS = { periodMs: 1000, timeoutMs: 500, failureThreshold: 3 }
const HANG_TARGET_MS = LIVENESS.periodMs * LIVENESS.failureThreshold + 1000
const CRASH_TARGET_MS = 1500
const EXAMPLE_AGENT = fileURLToPath(new URL('../../examples/agents/example-agent.mjs', import.meta.url))

const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '10' }, json: { type: 'string' } } })
const trials = Number(args.trials)
if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials: must be an integer >= 1, got ${args.trials}`)

async function until<T> (what: string, fn: () => Promise<T | false>): Promise<T> {
  const start = performance.now()
  for (;;) {
    const value = await fn().catch(() => false as const)
    if (value !== false) return value
    if (performance.now() - start > DEADLINE_MS) throw new Error(`bench: timed out after ${DEADLINE_MS} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

function definition (name: string, port: number): Record<string, unknown> {
  const health = `http://127.0.0.1:${port}/healthz`
  return {
    name,
    command: process.execPath,
    args: [EXAMPLE_AGENT, '--port', String(port)],
    startup: { http: health, periodMs: 50, timeoutMs: 500, failureThreshold: 600 },
    liveness: { http: health, ...LIVENESS }
  }
}

interface CrashTrial { clientMs: number, nodeMs: number | null }
interface HangTrial { restartedMs: number, readyMs: number }

async function run (): Promise<{ crash: CrashTrial[], hang: HangTrial[] }> {
  const cluster = new Cluster()
  try {
    await cluster.init()
    const ports = { crash: await freePort(), hang: await freePort() }
    const cfg = join(cluster.tmp, 'mttr.json')
    await writeFile(cfg, JSON.stringify({ agents: [definition('crash', ports.crash), definition('hang', ports.hang)] }))
    const node = await cluster.startNode({ name: 'mttr', extraArgs: ['--config', cfg] })
    const token = (await readFile(join(node.dataDir, 'api-token'), 'utf8')).trim()
    const agent = async (name: string): Promise<AgentInfo> => (await node.api<AgentInfo>(`/v1/agents/${name}`)).body
    const poke = async (port: number, path: string): Promise<void> => {
      await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', signal: AbortSignal.timeout(2000) }).then(async (r) => await r.text()).catch(() => {})
    }
    /** An operator restart: a fresh agent with its backoff and intensity window reset. */
    const fresh = async (name: string): Promise<AgentInfo> => {
      await node.api(`/v1/agents/${name}/restart`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      return await until(`${name} ready`, async () => { const a = await agent(name); return a.state === 'running' && a.ready ? a : false })
    }
    const crash: CrashTrial[] = []
    for (let i = 0; i < trials; i++) {
      const before = await fresh('crash')
      const t0 = performance.now()
      await poke(ports.crash, '/crash')
      await until('crash ready again', async () => { const a = await agent('crash'); return a.ready && a.pid !== before.pid ? a : false })
      const clientMs = performance.now() - t0
      crash.push({ clientMs, nodeMs: await lastRecovery(node, 'crash') })
      process.stderr.write(`bench: crash trial ${i + 1}: ${clientMs.toFixed(0)} ms\n`)
    }
    const hang: HangTrial[] = []
    for (let i = 0; i < trials; i++) {
      const before = await fresh('hang')
      const t0 = performance.now()
      await poke(ports.hang, '/hang')
      await until('hang restarted', async () => { const a = await agent('hang'); return a.pid !== null && a.pid !== before.pid ? a : false })
      const restartedMs = performance.now() - t0
      await until('hang ready again', async () => { const a = await agent('hang'); return a.ready && a.pid !== before.pid ? a : false })
      hang.push({ restartedMs, readyMs: performance.now() - t0 })
      process.stderr.write(`bench: hang trial ${i + 1}: restarted after ${restartedMs.toFixed(0)} ms\n`)
    }
    return { crash, hang }
  } finally {
    await cluster.cleanup()
  }
}

/** The node's own MTTR of the agent's newest recovery (`agent:ready.recoveredAfterMs` in its audit log). */
async function lastRecovery (node: KosProcess, name: string): Promise<number | null> {
  const res = await node.api<{ entries: Array<{ type: string, subject: string, details: { recoveredAfterMs?: number | null } }> }>(`/v1/audit?origin=${node.peerId}&class=agent&limit=1000`)
  const ready = res.body.entries.filter((e) => e.type === 'agent:ready' && e.subject === name && typeof e.details.recoveredAfterMs === 'number')
  return ready.at(-1)?.details.recoveredAfterMs ?? null
}

const machine = machineFacts()
const started = performance.now()
const results = await run()
const wallS = (performance.now() - started) / 1000
const f = (s: Stats): string => `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)}`
const verdict = (ok: boolean): string => ok ? 'met' : 'MISSED'
const clientCrash = stats(results.crash.map((t) => t.clientMs))
const nodeCrash = stats(results.crash.flatMap((t) => t.nodeMs === null ? [] : [t.nodeMs]))
const restarted = stats(results.hang.map((t) => t.restartedMs))
const command = `npm run bench:mttr -- --trials ${trials}`
console.log(describeMachine(machine))
console.log(`Command: ${command} (${wallS.toFixed(0)} s). Liveness every ${LIVENESS.periodMs} ms, timeout ${LIVENESS.timeoutMs} ms, threshold ${LIVENESS.failureThreshold}; restart backoff at its default (1 s ± 20 % at the first restart).\n`)
console.log('| measure | trials | ms (min / median / max) | target | |')
console.log('|---|---|---|---|---|')
console.log(`| crash → ready again (client: crash request → ready seen) | ${clientCrash.n} | ${f(clientCrash)} | median ≤ ${CRASH_TARGET_MS} | ${verdict(clientCrash.median <= CRASH_TARGET_MS)} |`)
console.log(`| crash → ready again (node: exit detected → ready, kos_agent_mttr_seconds) | ${nodeCrash.n} | ${f(nodeCrash)} | median ≤ ${CRASH_TARGET_MS} | ${verdict(nodeCrash.median <= CRASH_TARGET_MS)} |`)
console.log(`| hang → restarted (new process started) | ${restarted.n} | ${f(restarted)} | max ≤ ${HANG_TARGET_MS} | ${verdict(restarted.max <= HANG_TARGET_MS)} |`)
console.log(`| hang → ready again | ${results.hang.length} | ${f(stats(results.hang.map((t) => t.readyMs)))} | | |`)
if (args.json !== undefined) {
  await mkdir(dirname(args.json), { recursive: true })
  await writeFile(args.json, JSON.stringify({ machine, command, results }, null, 2) + '\n')
}
