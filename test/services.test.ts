/**
 * Cluster services on real processes (issue 18), with the example agent as the workload:
 * - a 2-replica service defined on any node is placed on two distinct nodes, each instance with
 *   its own KOS_* identity and $PORT, ready;
 * - bad definitions get 400 naming the field, and nothing is stored;
 * - a node holding an instance is SIGKILLed: its instance is re-placed on another node;
 * - the killed node restarts: it runs no duplicate (the orphan of its previous run is killed);
 * - drain moves a node's instances away, make-before-break, and `kos peers` shows `draining`;
 * - a service no node may take stays under-replicated and is escalated to the Archon after
 *   serviceUnderReplicatedEscalateMs (1 s here, set in every node's config file);
 * - the instance and re-placement metrics;
 * - an instance whose port is taken between its choice and its bind (another process got there
 *   first) starts again on another port instead of failing on the same one until its restart
 *   intensity is spent.
 * Four nodes on 127.0.0.1, default timings but for that escalation delay.
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, type KosProcess } from '@kos/testkit'
import type { ServiceInfo, ServicesResponse } from '@kos/client'
import { EXAMPLE_AGENT, pidsRunning } from './helpers/agents.js'

const SERVICE = 'web'

function definition (name = SERVICE, replicas = 2): Record<string, unknown> {
  const health = 'http://127.0.0.1:${PORT}/healthz'
  return {
    name,
    command: process.execPath,
    args: [EXAMPLE_AGENT, '--port', '${PORT}'],
    replicas,
    startup: { http: health, periodMs: 100, failureThreshold: 300 },
    readiness: { http: health, periodMs: 200, failureThreshold: 2 },
    restart: { initialBackoffMs: 300, maxBackoffMs: 2000 }
  }
}

describe('cluster services on real nodes', () => {
  const cluster = new Cluster()
  let nodes: KosProcess[] = []
  const tokens = new Map<KosProcess, string>()

  /** A mutating call; a node shedding load (503 overloaded, a busy shared machine) is asked again, as its Retry-After says. */
  async function post (n: KosProcess, path: string, body: unknown, method = 'POST'): Promise<{ status: number, body: any }> {
    const call = async (): Promise<{ status: number, body: any }> => await n.api(path, { method, headers: { authorization: `Bearer ${tokens.get(n)!}` }, body: JSON.stringify(body) })
    return await cluster.waitFor(`${method} ${path} not shed`, async () => {
      const res = await call()
      return res.status === 503 && res.body?.error?.code === 'overloaded' ? false : res
    }, { timeoutMs: 60_000 })
  }

  async function service (n: KosProcess, name = SERVICE): Promise<ServiceInfo | undefined> {
    const res = await n.api<ServiceInfo>(`/v1/services/${name}`)
    return res.status === 200 ? res.body : undefined
  }

  /** The service's ready instances as `via` sees them, once there are exactly `replicas` on distinct nodes. */
  async function placed (via: KosProcess, exclude: string[] = [], timeoutMs = 30_000): Promise<ServiceInfo> {
    return await cluster.waitFor(`${SERVICE} ok on 2 distinct nodes (not on ${exclude.join(', ') || 'any excluded'})`, async () => {
      const s = await service(via)
      if (s === undefined || s.status !== 'ok') return false
      const ready = s.instances.filter((i) => i.ready)
      if (ready.length !== 2 || new Set(ready.map((i) => i.nodeId)).size !== 2) return false
      return ready.some((i) => exclude.includes(i.nodeId)) ? false : s
    }, { timeoutMs })
  }

  before(async () => {
    await cluster.init()
    // A short escalation delay, so that the under-replicated case below does not wait 30 s.
    const config = join(cluster.tmp, 'services.json')
    await writeFile(config, JSON.stringify({ serviceUnderReplicatedEscalateMs: 1000 }))
    const first = await cluster.startNode({ name: 's1', extraArgs: ['--config', config] })
    const rest = await cluster.startNodes([2, 3, 4].map((i) => ({ name: `s${i}`, bootstrap: [first.addr], extraArgs: ['--config', config] })))
    nodes = [first, ...rest]
    for (const n of nodes) tokens.set(n, (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim())
    await cluster.waitFor('one coordinator all four agree on', async () => {
      const views = await Promise.all(nodes.map(async (n) => (await n.coordinator()).peerId))
      return views[0] !== null && views.every((v) => v === views[0])
    }, { timeoutMs: 30_000 })
  })

  after(async () => { await cluster.cleanup() })

  it('refuses bad definitions with 400 naming the field, and stores nothing', async () => {
    const n = nodes[1]!
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...definition('bad'), replicas: 0 }, /replicas/],
      [{ ...definition('bad'), spread: 'rack' }, /spread/],
      [{ ...definition('bad'), readiness: { http: 'ftp://x:${PORT}/' } }, /readiness\.http/],
      [{ ...definition('Bad Name') }, /name/],
      [{ ...definition('bad'), colour: 'blue' }, /colour/],
      [{ ...definition('bad'), nodeSelector: { roles: ['king'] } }, /nodeSelector\.roles/]
    ]
    for (const [body, field] of cases) {
      const res = await post(n, '/v1/services', body)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.error.code, 'invalid_request')
      assert.match(res.body.error.message, field)
    }
    const unauthorized = await n.api('/v1/services', { method: 'POST', body: JSON.stringify(definition('bad')) })
    assert.equal(unauthorized.status, 401)
    assert.deepEqual((await n.api<ServicesResponse>('/v1/services')).body.services, [])
  })

  it('places a 2-replica service defined on a non-coordinator on two distinct nodes', async () => {
    const coordinator = (await nodes[0]!.coordinator()).peerId
    const asker = nodes.find((n) => n.peerId !== coordinator)!
    const res = await post(asker, '/v1/services', definition())
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const s = await placed(nodes[0]!)
    // Every node sees the same placement.
    for (const n of nodes) await placed(n)
    // Each instance is an agent `svc.<id>` of its node with its identity and port.
    for (const i of s.instances.filter((x) => x.ready)) {
      const holder = nodes.find((n) => n.peerId === i.nodeId)!
      const agent = await holder.api<{ source: string, args: string[], ready: boolean }>(`/v1/agents/svc.${i.id}`)
      assert.equal(agent.status, 200)
      assert.equal(agent.body.source, 'service')
      const port = Number(agent.body.args[agent.body.args.length - 1])
      assert.ok(port >= 20000 && port <= 20999, `port ${port} from servicePortRange`)
      const pids = await pidsRunning(`--port ${port}`)
      assert.equal(pids.length, 1)
      const env = (await readFile(`/proc/${pids[0]!}/environ`, 'utf8')).split('\0')
      assert.ok(env.includes(`KOS_SERVICE=${SERVICE}`), 'KOS_SERVICE')
      assert.ok(env.includes(`KOS_INSTANCE_ID=${i.id}`), 'KOS_INSTANCE_ID')
      assert.ok(env.includes(`KOS_GENERATION=${i.generation}`), 'KOS_GENERATION')
      assert.ok(env.includes(`PORT=${port}`), 'PORT')
    }
    // The placement is audited by the coordinator.
    const audit = await nodes[0]!.api<{ entries: Array<{ type: string, origin: string }> }>(`/v1/audit?class=coordinator&limit=1000`)
    assert.equal(audit.body.entries.filter((e) => e.type === 'service:placed').length, 2)
    assert.ok(audit.body.entries.some((e) => e.type === 'service:defined' && e.origin === coordinator))
  })

  it('re-places the instance of a SIGKILLed node, and the restarted node runs no duplicate', async () => {
    const s = await placed(nodes[0]!)
    const coordinator = (await nodes[0]!.coordinator()).peerId
    const holderIds = s.instances.filter((i) => i.ready).map((i) => i.nodeId)
    // A holder that is not the coordinator, so that this case is only about re-placement.
    const victim = nodes.find((n) => holderIds.includes(n.peerId) && n.peerId !== coordinator)!
    const lost = s.instances.find((i) => i.nodeId === victim.peerId)!
    const observer = nodes.find((n) => n !== victim)!
    victim.kill('SIGKILL')
    await victim.waitExit()
    const after = await placed(observer, [victim.peerId])
    const moved = after.instances.find((i) => i.id === lost.id)!
    assert.ok(moved.generation > lost.generation, 'the re-placed instance has a new generation')
    await victim.restart()
    tokens.set(victim, (await readFile(join(victim.dataDir, 'api-token'), 'utf8')).trim())
    await cluster.waitFor('the restarted node is alive again', async () => (await observer.stateOf(victim.peerId)) === 'alive', { timeoutMs: 30_000 })
    // It never runs the lost instance again: the orphan of its previous run was killed at start,
    // and nothing is assigned to it.
    const checkUntil = Date.now() + 5000
    while (Date.now() < checkUntil) {
      const agents = await victim.api<{ agents: Array<{ name: string }> }>('/v1/agents')
      const running = agents.body.agents.filter((a) => a.name.startsWith('svc.')).map((a) => a.name)
      if (running.length > 0) {
        const audit = await observer.api<{ entries: Array<{ type: string, origin: string, subject: string, details: unknown }> }>('/v1/audit?class=coordinator&limit=1000')
        const recent = audit.body.entries.filter((e) => e.type.startsWith('service:') || e.type.startsWith('coordinator:')).slice(-12)
        assert.fail(`the restarted node runs ${running.join(', ')}; coordinator before ${coordinator}, now ${JSON.stringify(await observer.coordinator())}; service ${JSON.stringify(await service(observer))}; recent ${JSON.stringify(recent)}`)
      }
      const s2 = await service(observer)
      assert.ok(s2 !== undefined && s2.instances.filter((i) => i.ready).length <= 2, `never more than replicas ready: ${JSON.stringify(s2)}`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    await placed(victim)
  })

  it('counts instances by state on each node, and re-placements on the coordinator', async () => {
    const s = await placed(nodes[0]!)
    for (const i of s.instances.filter((x) => x.ready)) {
      const holder = nodes.find((n) => n.peerId === i.nodeId)!
      assert.equal(await holder.metric('kos_service_instances', { service: SERVICE, state: 'ready' }), 1, holder.name)
    }
    // On the coordinator of the time (summed over the nodes: a later election may have moved it).
    let timed = 0
    for (const n of nodes) timed += await n.metric('kos_service_replacement_seconds_count', { service: SERVICE })
    assert.ok(timed >= 1, 'the re-placement is timed on the coordinator')
  })

  it('escalates a service no node may take to the Archon, and reports it under-replicated', async () => {
    const res = await post(nodes[2]!, '/v1/services', { ...definition('lonely', 1), nodeSelector: { roles: ['junzi'] } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    await cluster.waitFor('lonely under-replicated, with no instance', async () => {
      const s = await service(nodes[1]!, 'lonely')
      return s?.status === 'under-replicated' && s.instances.length === 0
    }, { timeoutMs: 20_000 })
    const escalation = await cluster.waitFor('an escalation of service:lonely in the coordinator\'s outbox', async () => {
      const id = (await nodes[0]!.coordinator()).peerId
      const c = nodes.find((n) => n.peerId === id)
      if (c === undefined) return false
      const list = await c.api<{ escalations: Array<{ subject: string, summary: string }> }>('/v1/escalations')
      return list.body.escalations.find((e) => e.subject === 'service:lonely') ?? false
    }, { timeoutMs: 20_000 })
    assert.match(escalation.summary, /0 of 1 ready/)
    assert.equal((await post(nodes[2]!, '/v1/services/lonely', undefined, 'DELETE')).status, 200)
  })

  it('drains a node make-before-break, and undoes the drain', async () => {
    const s = await placed(nodes[0]!)
    const holder = nodes.find((n) => s.instances.some((i) => i.ready && i.nodeId === n.peerId))!
    const other = nodes.find((n) => n !== holder)!
    const res = await post(other, '/v1/drain', { node: holder.peerId })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    await cluster.waitFor('the holder is shown draining', async () => (await other.peers()).peers.find((p) => p.peerId === holder.peerId)?.draining === true, { timeoutMs: 10_000 })
    // Never fewer than 2 ready while it moves.
    const deadline = Date.now() + 30_000
    let done = false
    while (Date.now() < deadline && !done) {
      const now = await service(other)
      assert.ok(now !== undefined)
      const ready = now.instances.filter((i) => i.ready)
      assert.ok(ready.length >= 2, `dropped below replicas while draining: ${JSON.stringify(now.instances)}`)
      done = ready.length === 2 && now.instances.length === 2 && !now.instances.some((i) => i.nodeId === holder.peerId)
      if (!done) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.ok(done, 'the draining node holds no instance')
    const undo = await post(other, '/v1/drain', { node: holder.peerId, undo: true })
    assert.equal(undo.status, 200)
    await cluster.waitFor('not draining any more', async () => (await other.peers()).peers.find((p) => p.peerId === holder.peerId)?.draining === false, { timeoutMs: 10_000 })
  })

  it('removes a service: its instances stop', async () => {
    const res = await post(nodes[2]!, `/v1/services/${SERVICE}`, undefined, 'DELETE')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    await cluster.waitFor('no service instance runs anywhere', async () => {
      for (const n of nodes) {
        const agents = await n.api<{ agents: Array<{ name: string }> }>('/v1/agents')
        if (agents.body.agents.some((a) => a.name.startsWith('svc.'))) return false
      }
      return true
    }, { timeoutMs: 20_000 })
    assert.equal((await nodes[1]!.api(`/v1/services/${SERVICE}`)).status, 404)
  })

  it('starts an instance again on another port when its port was taken before it could bind', async () => {
    // The instance's process waits 2 s before the agent binds $PORT; meanwhile the test binds
    // that port itself, as another node's instance starting at the same moment would.
    const racer = {
      ...definition('racer', 1),
      command: '/bin/sh',
      args: ['-c', 'sleep 2; exec "$0" "$1" --port "$2"', process.execPath, EXAMPLE_AGENT, '${PORT}']
    }
    assert.equal((await post(nodes[1]!, '/v1/services', racer)).status, 201)
    const agentPort = async (): Promise<{ node: KosProcess, port: number, ready: boolean } | false> => {
      for (const n of nodes) {
        const a = await n.api<{ args: string[], ready: boolean }>('/v1/agents/svc.racer-0')
        if (a.status === 200) return { node: n, port: Number(a.body.args[a.body.args.length - 1]), ready: a.body.ready }
      }
      return false
    }
    const first = await cluster.waitFor('racer-0 defined on a node', agentPort, { timeoutMs: 30_000 })
    // Its connections (the instance's probes) are closed at once: only the port is held.
    const squatter: Server = createServer((socket) => { socket.destroy() })
    await new Promise<void>((resolve, reject) => { squatter.once('error', reject); squatter.listen(first.port, '127.0.0.1', resolve) })
    try {
      const moved = await cluster.waitFor(`racer-0 ready on a port other than ${first.port}`, async () => {
        const now = await agentPort()
        return now !== false && now.ready && now.port !== first.port ? now : false
      }, { timeoutMs: 60_000 })
      assert.equal(moved.node, first.node, 'the same node, on another port')
    } finally {
      await new Promise<void>((resolve) => { squatter.close(() => { resolve() }) })
      await post(nodes[1]!, '/v1/services/racer', undefined, 'DELETE')
    }
  })
})
