/**
 * Admission by cluster key with real processes (docs/design/admission.md): keyed nodes form a
 * cluster, while a node without the key and one with a wrong key never appear in anyone's
 * /v1/peers and know nobody themselves; and a running cluster rotates its key in the three
 * steps of the procedure, SIGHUP after each, with no member ever declared dead.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, holdsFor, summarize, type KosProcess } from '@kos/testkit'

const CONVERGE_MS = 60_000
/** How long strangers are watched failing to get in, once the keyed cluster has converged. */
const HOLD_MS = 10_000

const keyArgs = (file: string): string[] => ['--cluster-key-file', file]

/** A new key line, made by `kos keygen` as an operator would. */
async function keygen (cluster: Cluster): Promise<string> {
  const res = await cluster.runCli(['keygen'])
  assert.equal(res.code, 0, res.stderr)
  return res.stdout.trim()
}

/** Polls until every node of `nodes` sees every other one alive. */
async function waitAllAlive (cluster: Cluster, nodes: readonly KosProcess[], what: string): Promise<void> {
  await cluster.waitFor(what, async () => {
    for (const n of nodes) {
      const view = await n.peers()
      for (const other of nodes.filter((m) => m !== n)) {
        const state = view.peers.find((p) => p.peerId === other.peerId)?.state
        assert.equal(state, 'alive', `${n.name} sees ${other.name} as ${state ?? 'unknown'}: ${JSON.stringify(summarize(view))}`)
      }
    }
    return true
  }, { timeoutMs: CONVERGE_MS })
}

async function sumMetric (nodes: readonly KosProcess[], name: string, labels: Record<string, string> = {}): Promise<number> {
  let sum = 0
  for (const n of nodes) sum += await n.metric(name, labels)
  return sum
}

describe('admission by cluster key', () => {
  const cluster = new Cluster()
  let keyFile = ''
  let wrongKeyFile = ''

  before(async () => {
    await cluster.init()
    keyFile = join(cluster.tmp, 'cluster.key')
    wrongKeyFile = join(cluster.tmp, 'wrong.key')
    for (const file of [keyFile, wrongKeyFile]) {
      const res = await cluster.runCli(['keygen', '--out', file])
      assert.equal(res.code, 0, res.stderr)
    }
  })

  after(async () => { await cluster.cleanup() })

  it('keyed nodes form a cluster; a node without the key and one with a wrong key never get in', async () => {
    const seed = await cluster.startNode({ name: 'k1', extraArgs: keyArgs(keyFile) })
    const keyed = [seed, ...await cluster.startNodes([
      { name: 'k2', bootstrap: [seed.addr], extraArgs: keyArgs(keyFile) },
      { name: 'k3', bootstrap: [seed.addr], extraArgs: keyArgs(keyFile) }
    ])]
    await waitAllAlive(cluster, keyed, 'the three keyed nodes to see each other alive')

    const bootstrap = keyed.map((n) => n.addr)
    const [noKey, wrongKey] = await cluster.startNodes([
      { name: 'no-key', bootstrap },
      { name: 'wrong-key', bootstrap, extraArgs: keyArgs(wrongKeyFile) }
    ])
    const strangers = [noKey!, wrongKey!]
    const keyedIds = new Set(keyed.map((n) => n.peerId))

    await cluster.waitFor('the keyed nodes to count both strangers refused', async () => {
      const noKeyRefused = await sumMetric(keyed, 'kos_cluster_key_refused_total', { reason: 'no-key' })
      const wrongKeyRefused = await sumMetric(keyed, 'kos_cluster_key_refused_total', { reason: 'wrong-key' })
      assert.ok(noKeyRefused > 0 && wrongKeyRefused > 0, `refused: no-key ${noKeyRefused}, wrong-key ${wrongKeyRefused}`)
      // The stranger with a wrong key refuses the cluster's proof in turn.
      assert.ok(await wrongKey!.metric('kos_cluster_key_refused_total', { reason: 'wrong-key' }) > 0, 'wrong-key counts the cluster refused')
      return true
    }, { timeoutMs: CONVERGE_MS })

    const checks = await holdsFor('no stranger gets in, and the strangers know nobody', async () => {
      for (const n of keyed) {
        const view = await n.peers()
        const others = view.peers.filter((p) => !keyedIds.has(p.peerId))
        assert.deepEqual(others, [], `${n.name} knows strangers: ${JSON.stringify(summarize(view))}`)
        assert.equal(view.peers.length, keyed.length - 1, `${n.name}: ${JSON.stringify(summarize(view))}`)
      }
      for (const s of strangers) {
        const view = await s.peers()
        assert.deepEqual(view.peers, [], `${s.name} knows ${JSON.stringify(summarize(view))}`)
      }
    }, { durationMs: HOLD_MS, intervalMs: 500 })
    assert.ok(checks >= 5, `only ${checks} checks in ${HOLD_MS} ms`)
    assert.equal(await sumMetric(keyed, 'kos_member_deaths_total'), 0)
  })
})

describe('key rotation across a running cluster', () => {
  const cluster = new Cluster()
  after(async () => { await cluster.cleanup() })

  it('install, use, remove: each step on every node and a SIGHUP, nobody declared dead; a node with only the new key joins', async () => {
    await cluster.init()
    const oldKey = await keygen(cluster)
    const newKey = await keygen(cluster)
    const keyFileOf = new Map<KosProcess, string>()
    const writeKeys = async (file: string, keys: string[]): Promise<void> => { await writeFile(file, keys.join('\n') + '\n', { mode: 0o600 }) }
    const startWithKeys = async (name: string, keys: string[], bootstrap: string[]): Promise<KosProcess> => {
      const file = join(cluster.tmp, `${name}.key`)
      await writeKeys(file, keys)
      const node = await cluster.startNode({ name, bootstrap, extraArgs: keyArgs(file) })
      keyFileOf.set(node, file)
      return node
    }

    const members: KosProcess[] = []
    for (const name of ['r1', 'r2', 'r3']) members.push(await startWithKeys(name, [oldKey], members.map((m) => m.addr)))
    await waitAllAlive(cluster, members, 'r1..r3 to see each other alive')

    // Watch every node's view through the whole rotation: a member seen in any state but alive is
    // recorded (an unreachable API is not: that is not a verdict on a member).
    const seen: string[] = []
    let watching = true
    const watcher = (async () => {
      while (watching) {
        for (const n of [...members]) {
          try {
            const view = await n.peers()
            for (const p of view.peers) if (p.state !== 'alive') seen.push(`${n.name} saw ${p.name} ${p.state}`)
          } catch {}
        }
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    })()

    try {
      /** One step of the procedure: the new file on every node, then a SIGHUP, each reload confirmed. */
      const step = async (keys: string[], what: string): Promise<void> => {
        for (const n of members) {
          await writeKeys(keyFileOf.get(n)!, keys)
          const before = await n.metric('kos_cluster_key_reloads_total', { result: 'ok' })
          n.kill('SIGHUP')
          await cluster.waitFor(`${n.name} to reload its key file (${what})`, async () =>
            await n.metric('kos_cluster_key_reloads_total', { result: 'ok' }) > before, { timeoutMs: CONVERGE_MS })
        }
        await waitAllAlive(cluster, members, `the members alive after ${what}`)
      }

      await step([oldKey, newKey], 'step 1: the new key accepted')
      // A node that joins mid-rotation, already on step 2, and the members on step 1 admit each
      // other by their second keys: the keyring at work between real processes.
      const acceptedBefore = await sumMetric(members, 'kos_cluster_key_admitted_total', { by: 'accepted' })
      const late = await startWithKeys('r4', [newKey, oldKey], [members[0]!.addr])
      members.push(late)
      await waitAllAlive(cluster, members, 'r4, on step 2 already, to join r1..r3 on step 1')
      assert.ok(await sumMetric(members, 'kos_cluster_key_admitted_total', { by: 'accepted' }) > acceptedBefore, 'no connection was admitted by an accepted key')
      await step([newKey, oldKey], 'step 2: the new key primary')
      await step([newKey], 'step 3: the old key removed')

      const r5 = await startWithKeys('r5', [newKey], [members[0]!.addr])
      await waitAllAlive(cluster, [...members, r5], 'r5, holding only the new key, to join')

      const refusedBefore = await sumMetric(members, 'kos_cluster_key_refused_total', { reason: 'wrong-key' })
      const r6 = await startWithKeys('r6', [oldKey], members.map((m) => m.addr))
      await cluster.waitFor('the members to refuse r6, which holds only the old key', async () =>
        await sumMetric(members, 'kos_cluster_key_refused_total', { reason: 'wrong-key' }) > refusedBefore, { timeoutMs: CONVERGE_MS })
      assert.deepEqual((await r6.peers()).peers, [])
    } finally {
      // Also when a step fails: a watcher left polling would keep the test process alive.
      watching = false
      await watcher
    }
    assert.deepEqual(seen, [], 'a member was seen other than alive during the rotation')
    assert.equal(await sumMetric(members, 'kos_member_deaths_total'), 0, 'no member was declared dead')
  })
})

describe('kos start refuses a cluster key setup it cannot run', () => {
  const cluster = new Cluster()
  after(async () => { await cluster.cleanup() })

  it('exits 2 naming --cluster-key-file: beyond loopback without a key, and a key file with a malformed line', async () => {
    await cluster.init()
    const common = (dir: string): string[] => ['--api', '127.0.0.1:0', '--data', join(cluster.tmp, dir), '--log-level', 'error']
    const open = await cluster.runCli(['start', '--listen', '/ip4/0.0.0.0/tcp/0', ...common('open')])
    assert.equal(open.code, 2, `exit ${open.code}: ${open.stderr}`)
    assert.match(open.stderr, /--cluster-key-file: a node listening beyond loopback \(\/ip4\/0\.0\.0\.0\/tcp\/0\) needs a cluster key/)

    const bad = join(cluster.tmp, 'bad.key')
    await writeFile(bad, '# the cluster key\nnot-a-key\n', { mode: 0o600 })
    const malformed = await cluster.runCli(['start', '--cluster-key-file', bad, '--listen', '/ip4/127.0.0.1/tcp/0', ...common('malformed')])
    assert.equal(malformed.code, 2, `exit ${malformed.code}: ${malformed.stderr}`)
    assert.match(malformed.stderr, /--cluster-key-file: .*bad\.key: line 2: not a cluster key/)
  })
})
