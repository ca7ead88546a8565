/**
 * Service downgrade and load shedding under pressure (issue 6). A test helper stalls the node's
 * process in short SIGSTOP/SIGCONT cycles, as an overloaded or throttled VM would be: its event
 * loop runs late. The node must enter `degraded`, pause its non-essential agent (the essential
 * one keeps running), answer non-essential API work with 503 and Retry-After while membership
 * and health still answer, and go back to normal, resuming the agent, when the pressure ends.
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, freePort, type KosProcess } from '@kos/testkit'
import type { AgentInfo } from '@kos/client'
import { exampleAgent } from './helpers/agents.js'

/** Stalls `node` for `stopMs` of every `everyMs` until stopped; each cycle is bounded. */
function stallCycles (node: KosProcess, stopMs: number, everyMs: number): () => Promise<void> {
  let running = true
  const loop = (async () => {
    for (let i = 0; running && i < 200; i++) {
      node.kill('SIGSTOP')
      await new Promise((resolve) => setTimeout(resolve, stopMs))
      node.kill('SIGCONT')
      await new Promise((resolve) => setTimeout(resolve, everyMs - stopMs))
    }
  })()
  return async () => { running = false; await loop }
}

describe('degraded mode and load shedding under event-loop pressure', () => {
  const cluster = new Cluster()
  let p1: KosProcess
  let token = ''

  async function agent (name: string): Promise<AgentInfo> {
    return (await p1.api<AgentInfo>(`/v1/agents/${name}`)).body
  }

  before(async () => {
    await cluster.init()
    const cfg = join(cluster.tmp, 'p1.json')
    await writeFile(cfg, JSON.stringify({
      // Only the event-loop delay drives the mode here: a late loop of 300 ms degrades, and 2 s
      // of calm relaxes (the default 60 s would make a slow test).
      resources: {
        sampleIntervalMs: 500,
        recoverAfterMs: 2000,
        cpuPercent: null,
        memoryPercent: null,
        diskFreePercent: null,
        eventLoopDelayMs: { degraded: { enter: 300, exit: 100 }, minimal: { enter: 600_000, exit: 500_000 } }
      },
      // The stalls are the node's own: the essential agent keeps its liveness probe, and must
      // not be restarted for them (a probe that fails while this node stalled is not counted).
      agents: [
        exampleAgent('batch', await freePort(), { liveness: undefined }),
        exampleAgent('core', await freePort(), { essential: true })
      ]
    }))
    p1 = await cluster.startNode({ name: 'p1', extraArgs: ['--config', cfg] })
    token = (await readFile(join(p1.dataDir, 'api-token'), 'utf8')).trim()
    for (const name of ['batch', 'core']) {
      await cluster.waitFor(`${name} running`, async () => (await agent(name)).state === 'running', { timeoutMs: 30_000 })
    }
  })

  after(async () => { await cluster.cleanup() })

  it('degrades, sheds non-essential work with 503 and Retry-After, and recovers when the pressure ends', async () => {
    assert.equal((await p1.api<{ mode: string }>('/v1/node')).body.mode, 'normal')
    const coreBefore = await agent('core')
    const stopPressure = stallCycles(p1, 450, 1000)
    try {
      await cluster.waitFor('p1 degraded', async () => (await p1.api<{ mode: string }>('/v1/node')).body.mode === 'degraded', { timeoutMs: 30_000 })
      const health = await p1.api<{ mode: string, checks: Array<{ name: string, output: string }> }>('/v1/health')
      assert.equal(health.status, 429)
      assert.match(health.body.checks.find((c) => c.name === 'resources')?.output ?? '', /eventLoopDelayMs/)
      await cluster.waitFor('batch paused, core running', async () => (await agent('batch')).state === 'paused' && (await agent('core')).state === 'running', { timeoutMs: 30_000 })
      const shed = await fetch(`${p1.apiUrl}/v1/agents/batch/restart`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(10_000) })
      assert.equal(shed.status, 503)
      assert.ok(Number(shed.headers.get('retry-after')) >= 1, `Retry-After ${String(shed.headers.get('retry-after'))}`)
      assert.equal(((await shed.json()) as { error: { code: string } }).error.code, 'overloaded')
      assert.equal((await p1.api('/v1/peers')).status, 200, 'membership is never shed')
      assert.equal((await p1.api('/v1/audit?limit=1')).status, 200, 'the audit log is never shed')
    } finally {
      await stopPressure()
    }
    await cluster.waitFor('p1 normal again', async () => (await p1.api<{ mode: string }>('/v1/node')).body.mode === 'normal', { timeoutMs: 30_000 })
    await cluster.waitFor('batch resumed', async () => (await agent('batch')).state === 'running', { timeoutMs: 30_000 })
    const coreAfter = await agent('core')
    assert.equal(coreAfter.restarts, coreBefore.restarts, `the essential agent was not restarted for the node's own stalls: ${JSON.stringify(coreAfter.probes)}`)
    assert.equal(coreAfter.pid, coreBefore.pid)
    // Audited: the log holds the degrade and, last, the return to normal (a busy machine may add
    // flaps of its own around the test's pressure; past three in 30 s, the last is written when
    // the repeat window has room: auditRepeatWindowMs).
    let modes: Array<string | undefined> = []
    await cluster.waitFor('the return to normal audited', async () => {
      const audit = await p1.api<{ entries: Array<{ type: string, details: { to?: string } }> }>(`/v1/audit?origin=${p1.peerId}&class=resource&limit=1000`)
      modes = audit.body.entries.filter((e) => e.type === 'node:mode').map((e) => e.details.to)
      return modes.at(-1) === 'normal'
    }, { timeoutMs: 60_000 })
    assert.ok(modes.includes('degraded'), JSON.stringify(modes))
  })
})
