/**
 * Escalation on real processes (issue #5): 5 nodes started through the CLI, the authorities
 * designated by peer id in one config file (the identity keys are made here first, so the ids
 * are known before any node starts): Junzi j1, j2, Archon a1, member m1 (the sender, with an
 * operator webhook that takes \`resource\` escalations; its ethics route stops at the authorities, so
 * that they can wait in the outbox) and m2, a member started with `--role junzi` without designation.
 * - /v1/peers shows the designated authorities; m2's claim is refused and audited;
 * - an ethics escalation reaches j1 and is acked and resolved there, which m1's outbox shows;
 *   with j1 killed, the next one reaches j2;
 * - with every authority down, escalations wait in the outbox, survive a kill -9 and restart
 *   of the sender and are delivered exactly once when an authority returns;
 * - the webhook gets the payload with a valid HMAC, after a 500 that made the sender retry;
 * - a dead member produces exactly one escalation cluster-wide (the coordinator's);
 * - bad input is a 400 naming the field, and the CLI escalates and lists.
 */
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createHmac } from 'node:crypto'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Cluster, type KosProcess } from '@kos/testkit'

interface View { id: string, class: string, subject: string, status: string, deliveredTo: string | null, origin: string }
interface Entry { type: string, subject: string, details: Record<string, unknown> }

const SECRET = 'hook-secret'

describe('escalation to designated authorities and operators, 5 nodes', () => {
  const cluster = new Cluster()
  const hook: Array<{ headers: IncomingHttpHeaders, body: string, status: number }> = []
  let server: Server
  let j1: KosProcess, j2: KosProcess, a1: KosProcess, m1: KosProcess, m2: KosProcess
  let all: KosProcess[] = []

  async function identity (name: string): Promise<{ dir: string, id: string }> {
    const dir = join(cluster.tmp, name)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const key = await generateKeyPair('Ed25519')
    await writeFile(join(dir, 'identity.key'), privateKeyToProtobuf(key), { mode: 0o600 })
    return { dir, id: peerIdFromPrivateKey(key).toString() }
  }

  async function token (n: KosProcess): Promise<string> {
    return (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim()
  }

  async function escalate (n: KosProcess, body: object): Promise<{ status: number, body: { id: string, error?: { message: string } } }> {
    return await n.api('/v1/escalations', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(n)}` },
      body: JSON.stringify(body)
    })
  }

  async function box (n: KosProcess, which: 'inbox' | 'outbox'): Promise<View[]> {
    const res = await n.api<{ escalations: View[] }>(`/v1/escalations?box=${which}`)
    assert.equal(res.status, 200)
    return res.body.escalations
  }

  async function outboxItem (n: KosProcess, id: string): Promise<View | undefined> {
    return (await box(n, 'outbox')).find((e) => e.id === id)
  }

  async function auditOf (n: KosProcess, query: string): Promise<Entry[]> {
    const res = await n.api<{ entries: Entry[] }>(`/v1/audit?limit=1000&${query}`)
    assert.equal(res.status, 200)
    return res.body.entries
  }

  before(async () => {
    await cluster.init()
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString('utf8') })
      req.on('end', () => {
        // The first delivery fails: the sender must retry.
        const status = hook.length === 0 ? 500 : 200
        hook.push({ headers: req.headers, body, status })
        res.writeHead(status).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kos-hook`
    const ids = Object.fromEntries(await Promise.all(['j1', 'j2', 'a1', 'm1', 'm2'].map(async (n) => [n, await identity(n)] as const)))
    const base = {
      authorities: { junzi: [ids.j1!.id, ids.j2!.id], archon: [ids.a1!.id] },
      escalationRetryMaxDelayMs: 1000,
      escalationSweepIntervalMs: 1000,
      escalationBreakerHalfOpenMs: 1000
    }
    const cfg = join(cluster.tmp, 'cluster.json')
    await writeFile(cfg, JSON.stringify(base))
    const senderCfg = join(cluster.tmp, 'sender.json')
    await writeFile(senderCfg, JSON.stringify({ ...base, operatorWebhooks: [{ url, secret: SECRET }], escalationRouting: { resource: ['operators'], ethics: ['junzi', 'archon'] } }))
    j1 = await cluster.startNode({ name: 'j1', dataDir: ids.j1!.dir, extraArgs: ['--config', cfg, '--role', 'junzi'] })
    const boot = [j1.addr]
    ;[j2, a1, m1, m2] = await cluster.startNodes([
      { name: 'j2', dataDir: ids.j2!.dir, bootstrap: boot, extraArgs: ['--config', cfg, '--role', 'junzi'] },
      { name: 'a1', dataDir: ids.a1!.dir, bootstrap: boot, extraArgs: ['--config', cfg, '--role', 'archon'] },
      { name: 'm1', dataDir: ids.m1!.dir, bootstrap: boot, extraArgs: ['--config', senderCfg] },
      { name: 'm2', dataDir: ids.m2!.dir, bootstrap: boot, extraArgs: ['--config', cfg, '--role', 'junzi'] }
    ]) as [KosProcess, KosProcess, KosProcess, KosProcess]
    all = [j1, j2, a1, m1, m2]
    await cluster.waitFor('all five alive in every view, with a coordinator', async () => {
      for (const n of all) {
        const view = await n.peers()
        assert.equal(view.peers.filter((p) => p.state === 'alive' && p.health !== null).length, 4)
        assert.notEqual((await n.coordinator()).peerId, null)
      }
      return true
    }, { timeoutMs: 45_000 })
  })

  after(async () => {
    await cluster.cleanup()
    server?.close()
  })

  it('shows the designated authorities in /v1/peers, refuses and audits a claim without designation', async () => {
    const view = await m1.peers() as unknown as { peers: Array<{ peerId: string, role: string, authority: string | null }> }
    const of = (n: KosProcess): { role: string, authority: string | null } | undefined => view.peers.find((p) => p.peerId === n.peerId)
    assert.equal(of(j1)?.authority, 'junzi')
    assert.equal(of(j2)?.authority, 'junzi')
    assert.equal(of(a1)?.authority, 'archon')
    assert.equal(of(m2)?.role, 'junzi')
    assert.equal(of(m2)?.authority, null)
    await cluster.waitFor('m2\'s role claim is audited as refused', async () => {
      const refused = (await auditOf(m1, `origin=${m1.peerId}&class=node&severity=warning`)).filter((e) => e.type === 'authority:claim-refused')
      return refused.some((e) => e.subject === m2.peerId && e.details.claimed === 'junzi')
    }, { timeoutMs: 20_000 })
  })

  it('refuses bad input with a 400 naming the field, and creates nothing', async () => {
    const before = (await box(m1, 'outbox')).length
    for (const [body, field] of [
      [{ class: 'gossip', severity: 'error', summary: 's' }, 'class'],
      [{ class: 'ethics', severity: 'error' }, 'summary'],
      [{ class: 'ethics', severity: 'error', summary: 'x'.repeat(5000) }, 'summary']
    ] as const) {
      const res = await escalate(m1, body)
      assert.equal(res.status, 400)
      assert.ok(res.body.error?.message.startsWith(`${field}:`), res.body.error?.message)
    }
    const noToken = await m1.api('/v1/escalations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ class: 'ethics', severity: 'error', summary: 's' }) })
    assert.equal(noToken.status, 401)
    assert.equal((await box(m1, 'outbox')).length, before)
  })

  it('delivers an ethics escalation to the first Junzi, whose ack and resolve reach the sender', async () => {
    const res = await escalate(m1, { class: 'ethics', severity: 'critical', subject: 'agent-7', summary: 'agent 7 misreported its results' })
    assert.equal(res.status, 200)
    const id = res.body.id
    await cluster.waitFor('delivered to j1', async () => (await outboxItem(m1, id))?.deliveredTo === j1.peerId)
    assert.equal((await box(j1, 'inbox')).filter((e) => e.id === id).length, 1)
    for (const n of [j2, a1, m2]) assert.equal((await box(n, 'inbox')).filter((e) => e.id === id).length, 0, `${n.name} did not receive it`)
    assert.equal((await box(m2, 'inbox')).length, 0, 'the undesignated claimant received nothing at all')
    const t = await token(j1)
    assert.equal((await j1.api(`/v1/escalations/${id}/ack`, { method: 'POST', headers: { authorization: `Bearer ${t}` } })).status, 200)
    await cluster.waitFor('m1 sees acked', async () => (await outboxItem(m1, id))?.status === 'acked')
    assert.equal((await j1.api(`/v1/escalations/${id}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${t}` } })).status, 200)
    await cluster.waitFor('m1 sees resolved', async () => (await outboxItem(m1, id))?.status === 'resolved')
  })

  it('posts to the operator webhook with a valid HMAC, retrying after a 500', async () => {
    const res = await escalate(m1, { class: 'resource', severity: 'warning', summary: 'disk 95% full on m1' })
    const id = res.body.id
    await cluster.waitFor('delivered to the webhook', async () => (await outboxItem(m1, id))?.status === 'delivered')
    assert.deepEqual(hook.map((h) => h.status), [500, 200])
    for (const h of hook) {
      const want = `sha256=${createHmac('sha256', SECRET).update(h.body).digest('hex')}`
      assert.equal(h.headers['x-kos-signature'], want)
      assert.equal(JSON.parse(h.body).id, id)
      assert.equal(h.headers['x-kos-escalation-id'], id)
    }
    assert.match((await outboxItem(m1, id))?.deliveredTo ?? '', /^http:\/\/127\.0\.0\.1:\d+\/kos-hook$/)
  })

  it('fails over to the second Junzi when the first is killed', async () => {
    await j1.killNow()
    const res = await escalate(m1, { class: 'ethics', severity: 'error', summary: 'second report' })
    const id = res.body.id
    await cluster.waitFor('delivered to j2', async () => (await outboxItem(m1, id))?.deliveredTo === j2.peerId, { timeoutMs: 15_000 })
  })

  it('keeps escalations in the outbox while every authority is down, across a sender kill -9, and delivers each once', async () => {
    await Promise.all([j2.killNow(), a1.killNow()])
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await escalate(m1, { class: 'ethics', severity: 'error', summary: `waiting ${i}` })).body.id)
    await cluster.waitFor('a delivery run ended without a target (audited as undelivered)', async () => {
      const undelivered = (await auditOf(m1, `origin=${m1.peerId}&class=operator`)).filter((e) => e.type === 'escalation:undelivered')
      return ids.every((id) => undelivered.some((e) => e.subject === id))
    })
    await m1.killNow()
    await m1.restart()
    for (const id of ids) assert.equal((await outboxItem(m1, id))?.status, 'pending', 'still pending after the restart')
    await j2.restart()
    await cluster.waitFor('all delivered to j2 after its return', async () => {
      for (const id of ids) if ((await outboxItem(m1, id))?.deliveredTo !== j2.peerId) return false
      return true
    }, { timeoutMs: 30_000 })
    const received = (await auditOf(j2, `origin=${j2.peerId}&class=ethics`)).filter((e) => e.type === 'escalation:received' && ids.includes(e.subject))
    assert.equal(received.length, ids.length, 'each received exactly once')
    assert.equal((await box(j2, 'inbox')).filter((e) => ids.includes(e.id)).length, ids.length)
    await Promise.all([j1.restart(), a1.restart()])
  })

  it('a period without quorum (three of five down, above) is escalated once, after the heal', async () => {
    // m2 stayed up alone with m1 while j1, j2 and a1 were down: no coordinator, no quorum. Once a
    // coordinator was back, m2 recorded the period, and the coordinator escalated it.
    const nodes = [j1, j2, a1, m1, m2]
    const found = await cluster.waitFor('one quorum-loss escalation in the authorities\' inboxes', async () => {
      const items = []
      for (const n of nodes) items.push(...(await box(n, 'inbox')).filter((e) => e.id.startsWith('quorum-lost-')).map((e) => ({ n, e })))
      return items.length > 0 ? items : false
    }, { timeoutMs: 30_000 })
    assert.equal(new Set(found.map(({ e }) => e.id)).size, 1, `one incident: ${JSON.stringify(found.map(({ n, e }) => [n.name, e.id]))}`)
    assert.equal(found.length, 1, `delivered once: ${JSON.stringify(found.map(({ n, e }) => [n.name, e.id]))}`)
    const { n, e } = found[0]!
    assert.equal(e.class, 'network')
    const detail = await n.api<{ evidence: Array<{ origin: string, seq: number }> }>(`/v1/escalations/${e.id}`)
    const ref = detail.body.evidence[0]
    assert.ok(ref !== undefined, 'no evidence')
    await cluster.waitFor('the cited entry to be the report of the period', async () => {
      const cited = (await auditOf(n, `origin=${ref.origin}`)).filter((x) => (x as Entry & { seq: number }).seq === ref.seq)
      assert.equal(cited[0]?.type, 'coordinator:quorum-restored', JSON.stringify(cited))
      return true
    }, { timeoutMs: 15_000 })
  })

  it('escalates a dead member exactly once cluster-wide', async () => {
    await cluster.waitFor('all five alive again with a coordinator', async () => {
      for (const n of [j1, j2, a1, m1]) {
        const view = await n.peers()
        if (view.peers.filter((p) => p.state === 'alive').length < 4) return false
        if ((await n.coordinator()).peerId === null) return false
      }
      return true
    }, { timeoutMs: 45_000 })
    const victim = m2.peerId
    await m2.killNow()
    const living = [j1, j2, a1, m1]
    const count = async (): Promise<{ outboxes: number, inboxes: number, where: string }> => {
      let outboxes = 0; let inboxes = 0; let where = ''
      for (const n of living) {
        const o = (await box(n, 'outbox')).filter((e) => e.subject === victim && e.class === 'node')
        const i = (await box(n, 'inbox')).filter((e) => e.subject === victim && e.class === 'node')
        outboxes += o.length; inboxes += i.length
        if (i.length > 0) where = n.name
      }
      return { outboxes, inboxes, where }
    }
    const first = await cluster.waitFor('the dead member reaches the Archon', async () => {
      const c = await count()
      return c.inboxes > 0 ? c : false
    }, { timeoutMs: 30_000 })
    // Archon first; a Junzi when a1's breaker is still open from its outage (it just restarted).
    assert.equal(first.outboxes, 1)
    assert.equal(first.inboxes, 1)
    assert.ok(['a1', 'j1', 'j2'].includes(first.where), first.where)
    // Its evidence is the coordinator's own audit entry of the death.
    const holder = living.find((n) => n.name === first.where)!
    const item = (await box(holder, 'inbox')).find((e) => e.subject === victim && e.class === 'node')!
    const detail = await holder.api<{ evidence: Array<{ origin: string, seq: number }> }>(`/v1/escalations/${item.id}`)
    assert.equal(detail.status, 200, JSON.stringify(detail.body))
    const [ref] = detail.body.evidence
    assert.ok(ref !== undefined, 'no evidence')
    await cluster.waitFor('the cited audit entry to be a member:dead of the victim', async () => {
      const cited = (await auditOf(holder, `origin=${ref.origin}`)).filter((e) => (e as Entry & { seq: number }).seq === ref.seq)
      assert.equal(cited[0]?.type, 'member:dead', JSON.stringify(cited))
      assert.equal(cited[0]?.subject, victim)
      return true
    }, { timeoutMs: 15_000 })
    // One more full round trip (a CLI escalation delivered) gives any duplicate time to show.
    const cli = await cluster.runCli(['escalate', '--class', 'agent', '--severity', 'notice', '--summary', 'from the CLI', '--api', m1.apiHostPort, '--data', m1.dataDir, '--json'])
    assert.equal(cli.code, 0, cli.stderr)
    const cliId = (JSON.parse(cli.stdout) as { id: string }).id
    await cluster.waitFor('the CLI escalation is delivered to an authority', async () => [a1.peerId, j1.peerId, j2.peerId].includes((await outboxItem(m1, cliId))?.deliveredTo ?? ''))
    assert.deepEqual(await count(), first)
    const list = await cluster.runCli(['escalations', '--api', m1.apiHostPort])
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, /from the CLI/)
    const bad = await cluster.runCli(['escalate', '--class', 'gossip', '--severity', 'error', '--summary', 's', '--api', m1.apiHostPort])
    assert.equal(bad.code, 2)
  })

  it('a node given no authorities takes the cluster\'s from a member and keeps them pinned across a restart', async () => {
    const late = await cluster.startNode({ name: 'late', bootstrap: [m1.addr] })
    const authorityOfJ1 = async (): Promise<string | null | undefined> =>
      ((await late.peers()) as unknown as { peers: Array<{ peerId: string, authority: string | null }> }).peers.find((p) => p.peerId === j1.peerId)?.authority
    await cluster.waitFor('the late node to show j1 as a Junzi', async () => await authorityOfJ1() === 'junzi', { timeoutMs: 30_000 })
    const adopted = async (): Promise<Entry[]> => (await auditOf(late, `origin=${late.peerId}`)).filter((e) => e.type === 'authority:adopted')
    await cluster.waitFor('the adoption in its audit log', async () => (await adopted()).length === 1, { timeoutMs: 10_000 })
    await late.killNow()
    await late.restart()
    await cluster.waitFor('the restarted node to show j1 as a Junzi', async () => await authorityOfJ1() === 'junzi', { timeoutMs: 30_000 })
    assert.equal((await adopted()).length, 1, 'adopted again after the restart: the designation was not pinned')
    const res = await escalate(late, { class: 'ethics', severity: 'error', summary: 'from a node that learnt its authorities' })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    await cluster.waitFor('its ethics escalation delivered to an authority', async () =>
      [j1.peerId, j2.peerId, a1.peerId].includes((await outboxItem(late, res.body.id))?.deliveredTo ?? ''), { timeoutMs: 30_000 })
  })
})
