/**
 * Ethics quarantine across the cluster (issue 6). Three nodes: j1 (the designated Junzi), m1 and
 * m2, which both run an agent named `scribe` (m1 also `filter` and `chatty`):
 * - a critical violation that m1's scribe reports itself (with its own KOS_TOKEN) quarantines
 *   scribe on m1 and on m2, audited, and escalated to the Junzi;
 * - m2's operator cannot release it (403), nor start it (409); the Junzi's release restarts both;
 * - warning-level violations quarantine at the policy's count (3 in the window), not before;
 * - an ethics filter error puts the agent in its safe mode (paused: fail closed);
 * - a quarantine entry from a node that runs no such agent (an operator's forged entry) is refused.
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, freePort, type KosProcess } from '@kos/testkit'
import type { AgentInfo } from '@kos/client'
import { exampleAgent } from './helpers/agents.js'

describe('ethics quarantine, cluster-wide', () => {
  const cluster = new Cluster()
  let j1: KosProcess, m1: KosProcess, m2: KosProcess
  const ports: Record<string, number> = {}
  const tokens = new Map<KosProcess, string>()

  async function agent (n: KosProcess, name: string): Promise<AgentInfo> {
    const res = await n.api<AgentInfo>(`/v1/agents/${name}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body
  }

  async function post (n: KosProcess, path: string, body?: unknown): Promise<{ status: number, body: { error?: { code: string, message: string } } }> {
    return await n.api(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get(n)!}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  }

  /** POSTs one of the example agent's switches; the answer does not matter (the agent may be stopped by then). */
  async function agentSwitch (port: number, path: string): Promise<void> {
    await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', signal: AbortSignal.timeout(5000) }).then(async (r) => await r.text()).catch(() => {})
  }

  async function waitState (n: KosProcess, name: string, state: AgentInfo['state']): Promise<AgentInfo> {
    return await cluster.waitFor(`${name} ${state} on ${n.name}`, async () => {
      const a = await agent(n, name)
      return a.state === state ? a : false
    }, { timeoutMs: 30_000 })
  }

  before(async () => {
    await cluster.init()
    for (const p of ['scribe1', 'scribe2', 'filter', 'chatty']) ports[p] = await freePort()
    j1 = await cluster.startNode({ name: 'j1', extraArgs: ['--role', 'junzi'] })
    const base = { authorities: { junzi: [j1.peerId], archon: [] } }
    const m1cfg = join(cluster.tmp, 'm1.json')
    await writeFile(m1cfg, JSON.stringify({ ...base, agents: [exampleAgent('scribe', ports.scribe1!), exampleAgent('filter', ports.filter!), exampleAgent('chatty', ports.chatty!)] }))
    const m2cfg = join(cluster.tmp, 'm2.json')
    await writeFile(m2cfg, JSON.stringify({ ...base, agents: [exampleAgent('scribe', ports.scribe2!)] }))
    ;[m1, m2] = await cluster.startNodes([
      { name: 'm1', bootstrap: [j1.addr], extraArgs: ['--config', m1cfg] },
      { name: 'm2', bootstrap: [j1.addr], extraArgs: ['--config', m2cfg] }
    ]) as [KosProcess, KosProcess]
    for (const n of [j1, m1, m2]) tokens.set(n, (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim())
    await cluster.waitFor('three alive members everywhere', async () => {
      for (const n of [j1, m1, m2]) if ((await n.peers()).peers.filter((p) => p.state === 'alive').length !== 2) return false
      return true
    }, { timeoutMs: 30_000 })
    for (const [n, name] of [[m1, 'scribe'], [m2, 'scribe'], [m1, 'filter'], [m1, 'chatty']] as const) await waitState(n, name, 'running')
  })

  after(async () => { await cluster.cleanup() })

  it('refuses a quarantine written by a node that does not host the agent, with a counter and an audit warning', async () => {
    // m2 runs no `filter`: its operator appends a quarantine entry for it through the API.
    const forged = await post(m2, '/v1/audit', { class: 'ethics', type: 'agent:quarantined', severity: 'critical', subject: 'filter', details: { reason: 'forged' } })
    assert.equal(forged.status, 200, JSON.stringify(forged.body))
    await cluster.waitFor('m1 to refuse it', async () => {
      const res = await m1.api<{ entries: Array<{ type: string, subject: string }> }>(`/v1/audit?origin=${m1.peerId}&class=ethics&limit=1000`)
      return res.body.entries.some((e) => e.type === 'agent:quarantine-refused' && e.subject === 'filter')
    }, { timeoutMs: 30_000 })
    assert.equal((await agent(m1, 'filter')).state, 'running')
    const metrics = (await m1.api<string>('/metrics')).body
    assert.match(metrics, /^kos_ethics_quarantines_refused_total [1-9]/m)
  })

  it('quarantines a critical violation on every node that runs the agent, and escalates to the Junzi', async () => {
    // The agent reports itself, as an in-process ethics filter would, with its own token. It is
    // stopped as it reports, so its own answer to us may never come: only the effect counts.
    void agentSwitch(ports.scribe1!, '/ethics?verdict=violation&severity=critical&rule=no-deception')
    const onM1 = await cluster.waitFor('scribe quarantined and its process gone on m1', async () => {
      const a = await agent(m1, 'scribe')
      return a.state === 'quarantined' && a.pid === null ? a : false
    }, { timeoutMs: 30_000 })
    assert.equal(onM1.quarantine?.by, m1.peerId)
    const onM2 = await waitState(m2, 'scribe', 'quarantined')
    assert.equal(onM2.quarantine?.by, m1.peerId, 'm2 honours m1\'s quarantine')
    const esc = await cluster.waitFor('an ethics escalation in the Junzi\'s inbox', async () => {
      const inbox = await j1.api<{ escalations: Array<{ class: string, subject: string, summary: string }> }>('/v1/escalations?box=inbox')
      return inbox.body.escalations.find((e) => e.subject === `agent:scribe@${m1.peerId}`) ?? false
    }, { timeoutMs: 20_000 })
    assert.equal(esc.class, 'ethics')
    assert.match(esc.summary, /no-deception/)
    const audit = await j1.api<{ entries: Array<{ type: string, subject: string, origin: string }> }>('/v1/audit?class=ethics&limit=1000')
    assert.ok(audit.body.entries.some((e) => e.type === 'agent:quarantined' && e.subject === 'scribe' && e.origin === m1.peerId), 'the quarantine is in the replicated audit log')
  })

  it('refuses a release by a node that is not a Junzi, and a start while quarantined', async () => {
    const refused = await post(m2, '/v1/agents/scribe/release')
    assert.equal(refused.status, 403, JSON.stringify(refused.body))
    assert.match(refused.body.error?.message ?? '', /Junzi/)
    const start = await post(m2, '/v1/agents/scribe/start')
    assert.equal(start.status, 409)
    assert.equal((await agent(m2, 'scribe')).state, 'quarantined')
  })

  it('releases on the Junzi\'s word, everywhere', async () => {
    const released = await post(j1, '/v1/agents/scribe/release')
    assert.equal(released.status, 200, JSON.stringify(released.body))
    for (const n of [m1, m2]) {
      const a = await waitState(n, 'scribe', 'running')
      assert.equal(a.quarantine, null)
    }
    assert.equal((await post(j1, '/v1/agents/scribe/release')).status, 409, 'nothing left to release')
  })

  it('quarantines at the third warning-level violation in the window, not before', async () => {
    for (let i = 1; i <= 2; i++) {
      const r = await post(m1, '/v1/agents/chatty/ethics', { verdict: 'violation', severity: 'warning', rule: `minor-${i}` })
      assert.equal(r.status, 202)
    }
    assert.equal((await agent(m1, 'chatty')).state, 'running')
    assert.equal((await post(m1, '/v1/agents/chatty/ethics', { verdict: 'violation', severity: 'warning', rule: 'minor-3' })).status, 202)
    await waitState(m1, 'chatty', 'quarantined')
    const bad = await post(m1, '/v1/agents/chatty/ethics', { verdict: 'guilty', rule: 'x' })
    assert.equal(bad.status, 400)
    assert.match(bad.body.error?.message ?? '', /^verdict: /)
  })

  it('puts an agent whose ethics filter failed into its safe mode: paused, failing closed', async () => {
    const before = await agent(m1, 'filter')
    void agentSwitch(ports.filter!, '/ethics?verdict=filter_error&severity=warning&rule=filter-down')
    const paused = await waitState(m1, 'filter', 'paused')
    assert.equal(paused.safeMode, true)
    assert.equal(paused.pid, before.pid, 'paused, not restarted')
    const stat = await readFile(`/proc/${paused.pid}/stat`, 'utf8')
    assert.equal(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0], 'T', 'the process is stopped (SIGSTOP)')
    // The operator's start lifts the safe mode.
    assert.equal((await post(m1, '/v1/agents/filter/start')).status, 200)
    const resumed = await waitState(m1, 'filter', 'running')
    assert.equal(resumed.safeMode, false)
  })
})
