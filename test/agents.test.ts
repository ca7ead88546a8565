/**
 * Agent supervision on a real node (issue 6), with the real example agent as the workload:
 * - a crash is restarted after the backoff, a hang fails its liveness probe and is restarted;
 * - a crash loop exceeds the restart intensity: `failed`, and an escalation reaches the Archon;
 * - a memory leak is killed at the limit;
 * - POST /v1/agents defines an agent durably; bad definitions are a 400 naming the field;
 * - a node killed with its agents running and restarted runs no second copy of any.
 * Two nodes: a1 (the designated Archon) and m1, which runs the agents.
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, freePort, type KosProcess } from '@kos/testkit'
import type { AgentInfo } from '@kos/client'
import { exampleAgent, pidsRunning } from './helpers/agents.js'

describe('agent supervision on a real node', () => {
  const cluster = new Cluster()
  let a1: KosProcess, m1: KosProcess
  let token = ''
  const ports: Record<string, number> = {}

  async function agent (name: string): Promise<AgentInfo> {
    const res = await m1.api<AgentInfo>(`/v1/agents/${name}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body
  }

  async function poke (name: string, path: string): Promise<void> {
    await fetch(`http://127.0.0.1:${ports[name]}${path}`, { method: 'POST', signal: AbortSignal.timeout(2000) }).catch(() => {})
  }

  async function waitRunning (name: string, minRestarts = 0): Promise<AgentInfo> {
    return await cluster.waitFor(`${name} running and ready after ${minRestarts} restart(s)`, async () => {
      const a = await agent(name)
      return a.state === 'running' && a.ready && a.restarts >= minRestarts ? a : false
    }, { timeoutMs: 30_000 })
  }

  before(async () => {
    await cluster.init()
    for (const n of ['crasher', 'hanger', 'looper', 'leaker', 'dynamic']) ports[n] = await freePort()
    a1 = await cluster.startNode({ name: 'a1', extraArgs: ['--role', 'archon'] })
    const cfg = join(cluster.tmp, 'm1.json')
    await writeFile(cfg, JSON.stringify({
      authorities: { junzi: [], archon: [a1.peerId] },
      agents: [
        exampleAgent('crasher', ports.crasher!),
        exampleAgent('hanger', ports.hanger!),
        exampleAgent('looper', ports.looper!, { restart: { initialBackoffMs: 100, maxRestarts: 2, intensityWindowMs: 60_000 } }, ['--crash-after-ms', '300']),
        exampleAgent('leaker', ports.leaker!, { limits: { memoryMb: 120 } })
      ]
    }))
    m1 = await cluster.startNode({ name: 'm1', bootstrap: [a1.addr], extraArgs: ['--config', cfg] })
    token = (await readFile(join(m1.dataDir, 'api-token'), 'utf8')).trim()
    await cluster.waitFor('a1 and m1 see each other', async () => (await m1.peers()).peers.some((p) => p.peerId === a1.peerId && p.state === 'alive'), { timeoutMs: 30_000 })
  })

  after(async () => { await cluster.cleanup() })

  it('lists the agents with their state, probes and log directory', async () => {
    await waitRunning('crasher')
    const res = await m1.api<{ agents: AgentInfo[] }>('/v1/agents')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.agents.map((a) => a.name).sort(), ['crasher', 'hanger', 'leaker', 'looper'])
    const crasher = res.body.agents.find((a) => a.name === 'crasher')!
    assert.equal(crasher.source, 'config')
    assert.equal(crasher.probes.liveness?.outcome ?? crasher.probes.startup?.outcome, 'success')
    assert.match(await readFile(join(crasher.logDir, 'stdout.log'), 'utf8'), /example-agent listening on 127\.0\.0\.1:\d+/)
  })

  it('restarts a crashed agent after the backoff', async () => {
    const before = await waitRunning('crasher')
    await poke('crasher', '/crash')
    const after = await waitRunning('crasher', before.restarts + 1)
    assert.notEqual(after.pid, before.pid)
    assert.equal(after.lastExit?.code, 1)
    const audit = await m1.api<{ entries: Array<{ type: string, subject: string, details: { condition?: string } }> }>(`/v1/audit?origin=${m1.peerId}&class=agent&limit=1000`)
    assert.ok(audit.body.entries.some((e) => e.type === 'healing:detected' && e.subject === 'crasher' && e.details.condition === 'exit'), 'the crash is audited as a classified detection')
  })

  it('restarts a hung agent once its liveness probe fails', async () => {
    const before = await waitRunning('hanger')
    await poke('hanger', '/hang')
    const after = await waitRunning('hanger', before.restarts + 1)
    assert.notEqual(after.pid, before.pid)
    assert.equal(after.lastExit?.signal, 'SIGKILL')
    assert.deepEqual(await pidsRunning(`--port ${ports.hanger}`), [after.pid], 'the hung process is gone')
  })

  it('marks a crash-looping agent failed past the restart intensity and escalates to the Archon', async () => {
    const failed = await cluster.waitFor('looper failed', async () => {
      const a = await agent('looper')
      return a.state === 'failed' ? a : false
    }, { timeoutMs: 30_000 })
    assert.equal(failed.restarts, 2)
    assert.match(failed.reason, /restart intensity exceeded/)
    const inbox = await cluster.waitFor('the escalation in the Archon\'s inbox', async () => {
      const res = await a1.api<{ escalations: Array<{ class: string, subject: string, summary: string }> }>('/v1/escalations?box=inbox')
      return res.body.escalations.find((e) => e.subject.startsWith('agent:looper@')) ?? false
    }, { timeoutMs: 20_000 })
    assert.equal(inbox.class, 'agent')
    assert.match(inbox.summary, /intensity-exceeded/)
    // An operator start gives it a fresh intensity window.
    const started = await m1.api(`/v1/agents/looper/start`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    assert.equal(started.status, 200)
    assert.notEqual((await agent('looper')).state, 'failed')
  })

  it('kills a leaking agent at its memory limit', async () => {
    const before = await waitRunning('leaker')
    await poke('leaker', '/leak?mbPerSec=200')
    const after = await cluster.waitFor('the leaker killed and restarted', async () => {
      const a = await agent('leaker')
      return a.restarts > before.restarts && a.lastExit?.signal === 'SIGKILL' ? a : false
    }, { timeoutMs: 30_000 })
    assert.notEqual(after.pid, before.pid)
    const audit = await m1.api<{ entries: Array<{ type: string, subject: string, details: { condition?: string, detail?: string } }> }>(`/v1/audit?origin=${m1.peerId}&class=agent&limit=1000`)
    const hit = audit.body.entries.find((e) => e.subject === 'leaker' && e.details.condition === 'memory-limit')
    assert.ok(hit !== undefined, 'the memory kill is audited')
    // The kernel kills it where the machine gives us a cgroup; elsewhere the RSS poll does.
    assert.match(hit.details.detail ?? '', /limit of 120 MiB/)
    assert.ok(['cgroup-v1', 'cgroup-v2', 'rss-poll'].includes(after.memory.enforcement), after.memory.enforcement)
  })

  it('defines an agent through the API, durably, and refuses bad definitions naming the field', async () => {
    const post = async (body: unknown, auth = true): Promise<{ status: number, body: { error?: { code: string, message: string } } }> =>
      await m1.api('/v1/agents', { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })
    assert.equal((await post(exampleAgent('dynamic', ports.dynamic!), false)).status, 401)
    const bad = await post({ ...exampleAgent('dynamic', ports.dynamic!), liveness: { tcp: 1, http: 'http://x/' } })
    assert.equal(bad.status, 400)
    assert.match(bad.body.error?.message ?? '', /^liveness: give exactly one of http, tcp or exec/)
    const unknown = await post({ ...exampleAgent('dynamic', ports.dynamic!), restrat: {} })
    assert.match(unknown.body.error?.message ?? '', /unknown field\(s\) restrat/)
    const badName = await post({ ...exampleAgent('Dynamic!', ports.dynamic!) })
    assert.match(badName.body.error?.message ?? '', /^name: /)
    assert.equal((await post(exampleAgent('dynamic', ports.dynamic!))).status, 201)
    assert.equal((await post(exampleAgent('dynamic', ports.dynamic!))).body.error?.code, 'conflict')
    const ready = await waitRunning('dynamic')
    assert.equal(ready.source, 'api')
    assert.equal((await m1.api('/v1/agents/crasher', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status, 409)
  })

  it('runs no second copy of any agent after the node is killed and restarted', async () => {
    const names = ['crasher', 'hanger', 'dynamic']
    const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, (await waitRunning(n)).pid] as const)))
    await m1.killNow()
    // The agents outlive a SIGKILLed node (their own process groups)…
    for (const n of names) assert.deepEqual(await pidsRunning(`--port ${ports[n]}`), [before[n]], `${n} survives the node`)
    await m1.restart()
    for (const n of names) {
      const a = await waitRunning(n)
      assert.notEqual(a.pid, before[n], `${n} was replaced`)
      // …and the restarted node kills the orphan before it starts a new one: one copy each.
      assert.deepEqual(await pidsRunning(`--port ${ports[n]}`), [a.pid], `one copy of ${n}`)
    }
    assert.equal((await agent('dynamic')).source, 'api', 'the API-defined agent came back from the state store')
  })
})
