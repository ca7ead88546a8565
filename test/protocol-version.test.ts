/**
 * A node of the old protocol (issue 17, "Migration"): a libp2p peer in the test process that
 * speaks kOS protocol version 1 (it serves the version 1 sync protocol and gossips version 1
 * heartbeats) connects to a real node. The node says so in one log line naming both versions,
 * closes the connection, and never lists the peer as a member: refused, not half-admitted.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeMessage } from '@kos/core'
import { membershipTopics } from '@kos/core'
import { createHost, resolveConfig, type KosLibp2p } from '@kos/node'
import { Cluster, type KosProcess } from '@kos/testkit'

describe('a node of the old protocol', () => {
  const cluster = new Cluster()
  let node: KosProcess
  let old: KosLibp2p
  let dir = ''

  before(async () => {
    await cluster.init()
    node = await cluster.startNode({ name: 'v2' })
    dir = await mkdtemp(join(tmpdir(), 'kos-old-'))
    const config = resolveConfig({ flags: { name: 'old', listen: ['/ip4/127.0.0.1/tcp/0'], dataDir: dir } })
    old = await createHost(config, await generateKeyPair('Ed25519'), () => {}, new Map())
    // What identify tells a peer about a version 1 node: it serves /kos/<cluster>/sync/1.0.0.
    await old.handle('/kos/kos/sync/1.0.0', ({ stream }) => { stream.abort(new Error('old')) })
    await old.start()
    old.services.pubsub.subscribe(membershipTopics('kos').heartbeat)
  })

  after(async () => {
    try { await old.stop() } catch {}
    await rm(dir, { recursive: true, force: true })
    await cluster.cleanup()
  })

  it('is refused with a log line naming its version, disconnected, and never listed as a member', async () => {
    await old.dial(multiaddr(node.addr))
    const heartbeat = encodeMessage({
      v: 1, t: 'heartbeat', incarnation: 1, addrs: [],
      health: { name: 'old', role: 'member', incarnation: 1, version: '0.1.0', uptimeMs: 1, mode: 'normal' }
    })
    await cluster.waitFor('the node to log the refusal, naming version 1', async () => {
      // Version 1 heartbeats, as such a node gossips every second, while it is connected.
      await old.services.pubsub.publish(membershipTopics('kos').heartbeat, heartbeat).catch(() => {})
      return node.stderr.toString().includes('peer speaks kOS protocol version 1, this node speaks version 2: refused')
    }, { timeoutMs: 15_000, intervalMs: 200 })
    await cluster.waitFor('the connection to be closed', async () => old.getConnections().length === 0, { timeoutMs: 10_000 })
    const peers = await node.peers()
    assert.equal(peers.peers.find((p) => p.peerId === old.peerId.toString()), undefined, 'the old node is not a member')
  })
})
