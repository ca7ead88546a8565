/**
 * A 2 | 3 network partition of five real `kos start` processes (issue 3, "Real processes"):
 * the minority elects nobody, never raises its term (pre-vote), reports `coordinator: null` and
 * warns in /v1/health (429); the majority has exactly one coordinator; after healing there is
 * exactly one and everyone agrees, and the heal does not move the term (docs/benchmarks.md):
 * the majority's coordinator keeps it, and no node reports a higher term for a few seconds
 * after all five agree. A failure prints the nodes' election events since the heal.
 *
 * Each node listens (and so dials) on its own loopback host, 127.0.0.11 … 127.0.0.15, and the
 * cut is iptables DROP rules between those hosts in a chain of this test's own (see
 * `IptablesPartition`). The current coordinator is put on the minority side, so the cut also
 * forces it to step down. Without Linux, root or iptables the tests skip, saying why.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it, type TestContext } from 'node:test'
import { agreedCoordinator, Cluster, CoordinatorWatch, holdsFor, IptablesPartition, shortId, type HealthView, type KosProcess } from '@kos/testkit'

const HOSTS = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14', '127.0.0.15']
const CONVERGE_MS = 30_000
const ELECT_MS = 15_000
/** After all five agree, how long the term must stay put (several election timeouts). */
const STABLE_MS = 3_000

describe('a 2 | 3 partition of five nodes', () => {
  const cluster = new Cluster()
  const partition = new IptablesPartition()
  let skipReason: string | undefined
  let nodes: KosProcess[] = []
  let minority: KosProcess[] = []
  let majority: KosProcess[] = []
  let watch: CoordinatorWatch | undefined
  let termBeforeCut = 0
  let cutAtMs = 0
  const name = (id: string | null): string => id === null ? 'none' : nodes.find((n) => n.peerId === id)?.name ?? shortId(id)

  before(async () => {
    skipReason = await IptablesPartition.unavailable()
    if (skipReason !== undefined) return
    try {
      await partition.install() // an empty chain: nothing is cut yet
    } catch (err) {
      skipReason = (err as Error).message
      return
    }
    await cluster.init()
    const first = await cluster.startNode({ name: 'p1', host: HOSTS[0], logLevel: 'info' })
    const rest = await cluster.startNodes(HOSTS.slice(1).map((host, i) => ({ name: `p${i + 2}`, host, bootstrap: [first.addr], logLevel: 'info' })))
    nodes = [first, ...rest]
    watch = new CoordinatorWatch(nodes).start()
  })

  after(async () => {
    // Rules first, whatever happened: the chain and its jumps go, by name.
    await partition.remove()
    await watch?.stop()
    await cluster.cleanup()
  })

  function skipped (t: TestContext): boolean {
    if (skipReason === undefined) return false
    t.skip(skipReason)
    return true
  }

  function assertOneCoordinatorPerTerm (): void {
    const conflicts = watch!.conflicts()
    assert.deepEqual(conflicts, [], `two coordinators in one term: ${JSON.stringify(conflicts)}; terms seen: ${watch!.summary(name)}`)
  }

  it('all five, each on its own 127.0.0.x, agree on a coordinator', async (t) => {
    if (skipped(t)) return
    for (const [i, n] of nodes.entries()) assert.ok(n.addr.startsWith(`/ip4/${HOSTS[i]!}/tcp/`), `${n.name} listens on ${n.addr}`)
    const a = await cluster.waitFor('all five to agree, with five voters', async () =>
      await agreedCoordinator(nodes, (v) => v.voters.length === 5 ? undefined : `${v.voters.length} voters`), { timeoutMs: CONVERGE_MS, intervalMs: 100 })
    termBeforeCut = a.term
    const coordinator = nodes.find((n) => n.peerId === a.peerId)!
    // The coordinator and one other node make the minority.
    minority = [coordinator, nodes.find((n) => n !== coordinator)!]
    majority = nodes.filter((n) => !minority.includes(n))
    t.diagnostic(`coordinator ${coordinator.name} in term ${a.term}; cut ${minority.map((n) => n.name).join(',')} | ${majority.map((n) => n.name).join(',')}`)
  })

  it('cut: the minority reports no coordinator and warns in /v1/health; the majority has exactly one', async (t) => {
    if (skipped(t)) return
    const cutAt = cutAtMs = performance.now()
    try {
      await partition.cut(minority.map((n) => n.host), majority.map((n) => n.host))
    } catch (err) {
      skipReason = `iptables rules could not be installed: ${(err as Error).message}`
      t.skip(skipReason)
      return
    }
    assert.equal((await partition.rules()).length, 2 * minority.length * majority.length)

    const m = await cluster.waitFor('the majority to elect a coordinator among itself', async () =>
      await agreedCoordinator(majority, (v) => v.term > termBeforeCut ? undefined : `term ${v.term}`), { timeoutMs: ELECT_MS, intervalMs: 100 })
    assert.ok(majority.some((n) => n.peerId === m.peerId), `the majority follows ${name(m.peerId)}`)
    t.diagnostic(`majority elected ${name(m.peerId)} in term ${m.term} ${Math.round(performance.now() - cutAt)} ms after the cut`)

    await cluster.waitFor('the minority to report no coordinator, and 429 with a coordinator warning', async () => {
      for (const n of minority) {
        const c = await n.coordinator()
        assert.equal(c.peerId, null, `${n.name} names ${name(c.peerId)} in term ${c.term}`)
        const h = await n.api<HealthView>('/v1/health')
        assert.equal(h.status, 429, `${n.name} /v1/health ${h.status}: ${JSON.stringify(h.body)}`)
        const check = h.body.checks.find((x) => x.name === 'coordinator')
        assert.equal(check?.status, 'warning', `${n.name} coordinator check: ${JSON.stringify(check)}`)
        assert.equal(h.body.mode, 'degraded', `${n.name} mode ${h.body.mode}`)
      }
      return true
    }, { timeoutMs: ELECT_MS })

    // Still exactly one on the majority side, which also stays healthy on that count.
    const again = await agreedCoordinator(majority)
    assert.equal(again.peerId, m.peerId)
    for (const n of majority) {
      const h = await n.api<HealthView>('/v1/health')
      assert.equal(h.body.checks.find((x) => x.name === 'coordinator')?.status, 'passing', `${n.name}: ${JSON.stringify(h.body)}`)
    }
    assertOneCoordinatorPerTerm()
  })

  it('heal: exactly one coordinator, all five agree, and the term does not move', async (t) => {
    if (skipped(t)) return
    // Pre-vote: cut off from the majority, the minority never raised its term, so on its return
    // it cannot unseat the majority's coordinator by a higher term.
    const raised = watch!.observations.filter((o) => o.atMs >= cutAtMs && minority.some((n) => n.name === o.node) && o.term > termBeforeCut)
    assert.deepEqual(raised.map((o) => `${o.node}@t${o.term}`), [], 'a partitioned node raised its term')
    const majorityView = await agreedCoordinator(majority)
    const healedAt = performance.now()
    try {
      await partition.heal()
      assert.deepEqual(await partition.rules(), [])
      const a = await cluster.waitFor('all five to agree again, and exactly one node to claim to coordinate', async () => {
        const agreed = await agreedCoordinator(nodes)
        const claims = (await Promise.all(nodes.map(async (n) => ({ n, c: await n.coordinator() })))).filter(({ n, c }) => c.peerId === n.peerId)
        assert.deepEqual(claims.map(({ n }) => n.name), [name(agreed.peerId)])
        return agreed
      }, { timeoutMs: CONVERGE_MS, intervalMs: 100 })
      t.diagnostic(`all follow ${name(a.peerId)} in term ${a.term} ${Math.round(performance.now() - healedAt)} ms after healing (majority had t${majorityView.term})`)
      assert.equal(a.term, majorityView.term, `the term moved on healing, from t${majorityView.term} to t${a.term}`)
      assert.equal(a.peerId, majorityView.peerId, `the majority's coordinator ${name(majorityView.peerId)} was replaced by ${name(a.peerId)}`)
      // A follower may name nobody for a moment (its trust is a lease); it may not name another, nor move.
      await holdsFor('the coordinator and its term unchanged after the heal', async () => {
        for (const n of nodes) {
          const v = await n.coordinator()
          assert.equal(v.term, majorityView.term, `${n.name} in term t${v.term}, not t${majorityView.term}`)
          assert.ok(v.peerId === null || v.peerId === majorityView.peerId, `${n.name} names ${name(v.peerId)}`)
        }
      }, { durationMs: STABLE_MS, intervalMs: 100 })
      const above = watch!.observations.filter((o) => o.atMs >= healedAt && o.term > majorityView.term)
      assert.deepEqual(above.map((o) => `${o.node}@t${o.term}`), [], 'a node reported a term above the majority\'s after the heal')
      await cluster.waitFor('every /v1/health to pass its coordinator check', async () => {
        for (const n of nodes) {
          const h = await n.api<HealthView>('/v1/health')
          assert.equal(h.body.checks.find((x) => x.name === 'coordinator')?.status, 'passing', `${n.name}: ${JSON.stringify(h.body)}`)
          assert.equal(h.body.mode, 'normal', `${n.name} mode ${h.body.mode}`)
        }
        return true
      }, { timeoutMs: ELECT_MS })
      await watch!.stop()
      t.diagnostic(`${watch!.observations.length} observations; terms: ${watch!.summary(name)}`)
      assertOneCoordinatorPerTerm()
    } catch (err) {
      t.diagnostic(`after the heal:\n${eventsSince(healedAt)}`)
      throw err
    }
  })

  /** What the nodes logged (not membership) since `at` (performance.now()), in time order. */
  function eventsSince (at: number): string {
    const wall = Date.now() - (performance.now() - at)
    return nodes.flatMap((n) => n.logEvents.filter((e) => e.time > wall - 500 && !e.event.startsWith('member:'))
      .map((e) => ({ at: e.time - wall, line: `${Math.round(e.time - wall)} ms ${n.name} ${e.event} ${JSON.stringify({ ...e, event: undefined, time: undefined, level: undefined, msg: undefined, node: undefined })}` })))
      .sort((x, y) => x.at - y.at).map((x) => x.line).join('\n')
  }
})
