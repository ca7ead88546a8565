import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KosLibp2p } from '../src/net/host.js'
import { MessageChannel } from '../src/net/channel.js'
import type { Connection } from '@libp2p/interface'
import { ConnectionTrimmer, connectionsToClose, inUse, type ConnectionFacts } from '../src/net/connection-trim.js'
import { keptPeers } from '../src/net/kept-peers.js'

const MESH = '/meshsub/1.2.0'
const ID = '/ipfs/id/1.0.0'
const BEAT = '/kos/kos/beat/2.0.0'
const IDLE_MS = 5000

function conn (id: string, peer: string, streams: Array<string | undefined>, idleSinceMs = 0): ConnectionFacts {
  return { id, peer, streams, idleSinceMs }
}

describe('which connections are closed', () => {
  it('counts gossipsub and identify as no use; any other stream, or one still negotiating, as use', () => {
    assert.equal(inUse(conn('c', 'p', [])), false)
    assert.equal(inUse(conn('c', 'p', [MESH, MESH, ID])), false)
    assert.equal(inUse(conn('c', 'p', [MESH, BEAT])), true)
    assert.equal(inUse(conn('c', 'p', [MESH, undefined])), true)
  })

  it('closes a connection outside the kept set once it carried only gossipsub for the idle time', () => {
    const conns = [conn('a', 'stranger', [MESH, MESH], 0), conn('b', 'kept', [MESH, MESH], 0)]
    assert.deepEqual(connectionsToClose(conns, new Set(['kept']), IDLE_MS - 1, IDLE_MS), [])
    assert.deepEqual(connectionsToClose(conns, new Set(['kept']), IDLE_MS, IDLE_MS), ['a'])
  })

  it('leaves a connection in use, and every other connection to its peer, whoever the peer is', () => {
    const conns = [conn('a', 'stranger', [MESH], 0), conn('b', 'stranger', [BEAT], 0)]
    assert.deepEqual(connectionsToClose(conns, new Set(), 60_000, IDLE_MS), [])
  })

  it('closes every connection to a stranger at once when none is in use', () => {
    const conns = [conn('a', 'stranger', [MESH], 0), conn('b', 'stranger', [], 0)]
    assert.deepEqual(connectionsToClose(conns, new Set(), IDLE_MS, IDLE_MS).sort(), ['a', 'b'])
  })

  it('closes a kept peer\'s second connection only if it carries no stream, and always leaves one', () => {
    const keep = new Set(['kept'])
    assert.deepEqual(connectionsToClose([conn('a', 'kept', [MESH, BEAT]), conn('b', 'kept', [])], keep, IDLE_MS, IDLE_MS), ['b'])
    assert.deepEqual(connectionsToClose([conn('a', 'kept', [MESH]), conn('b', 'kept', [BEAT])], keep, IDLE_MS, IDLE_MS), [])
    assert.deepEqual(connectionsToClose([conn('a', 'kept', []), conn('b', 'kept', [])], keep, IDLE_MS, IDLE_MS), ['b'])
    assert.deepEqual(connectionsToClose([conn('a', 'kept', [])], keep, IDLE_MS, IDLE_MS), [])
  })
})

describe('the trimmer', () => {
  /** A connection as the trimmer sees it: its streams can change, and closing it is recorded. */
  function fake (id: string, peer: string, protocols: string[]): Connection & { protocols: string[], closed: boolean } {
    const c = {
      id,
      status: 'open',
      remotePeer: { toString: () => peer },
      protocols,
      closed: false,
      get streams () { return c.protocols.map((protocol) => ({ protocol })) },
      close: async () => { c.closed = true },
      abort: () => {}
    }
    return c as unknown as Connection & { protocols: string[], closed: boolean }
  }

  it('closes a stranger\'s connection idle for idleMs counted from the pass that first saw it idle, never a kept peer\'s', () => {
    let now = 0
    const stranger = fake('s', 'stranger', [MESH, BEAT])
    const kept = fake('k', 'kept', [MESH])
    const log = { debug: () => {} } as unknown as ConstructorParameters<typeof ConnectionTrimmer>[0]['log']
    const trimmer = new ConnectionTrimmer({ connections: () => [stranger, kept], keep: () => new Set(['kept']), idleMs: IDLE_MS, now: () => now, log })
    trimmer.pass()
    now = 60_000
    trimmer.pass()
    assert.equal(stranger.closed, false, 'a channel stream is open on it')
    stranger.protocols = [MESH]
    trimmer.pass()
    now += IDLE_MS - 1
    trimmer.pass()
    assert.equal(stranger.closed, false, 'idle for less than idleMs since the pass that first saw it idle')
    now += 1
    trimmer.pass()
    assert.equal(stranger.closed, true)
    assert.equal(kept.closed, false)
    assert.equal(trimmer.closed, 1)
  })

  it('closes nothing while the kept set is unknown (monitors not bounded)', () => {
    let now = 0
    const stranger = fake('s', 'stranger', [])
    const log = { debug: () => {} } as unknown as ConstructorParameters<typeof ConnectionTrimmer>[0]['log']
    const trimmer = new ConnectionTrimmer({ connections: () => [stranger], keep: () => null, idleMs: IDLE_MS, now: () => now, log })
    trimmer.pass()
    now = 10 * IDLE_MS
    trimmer.pass()
    assert.equal(stranger.closed, false)
  })
})

describe('the peers a node keeps', () => {
  const election = (selfId: string, coordinatorId: string | null = 'v1') => () => ({ selfId, voters: ['v1', 'v2', 'v3'], coordinatorId })

  it('keeps every connection while monitors are not bounded', () => {
    assert.equal(keptPeers({ ring: () => null, election: election('v1') }), null)
  })

  it('a voter keeps its ring and the other voters', () => {
    assert.deepEqual([...keptPeers({ ring: () => ['r1', 'r2'], election: election('v2') })!].sort(), ['r1', 'r2', 'v1', 'v3'])
  })

  it('a non-voter keeps its ring only, not the voters nor the coordinator', () => {
    assert.deepEqual([...keptPeers({ ring: () => ['r1', 'r2'], election: election('n1') })!].sort(), ['r1', 'r2'])
  })
})

describe('a message channel\'s idle streams', () => {
  const PEER = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

  it('ends a stream nothing was sent on for idleCloseMs, once what was queued is written; the next send opens another', async () => {
    let now = 0
    let opened = 0
    let closed = 0
    const written: number[] = []
    const libp2p = {
      handle: async () => {},
      unhandle: async () => {},
      dialProtocol: async () => {
        opened++
        return {
          sink: async (source: AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>) => { for await (const chunk of source) written.push(chunk instanceof Uint8Array ? chunk.length : chunk.subarray().length) },
          close: async () => { closed++ },
          abort: () => {}
        }
      }
    } as unknown as KosLibp2p
    const log = { debug: () => {}, warn: () => {} } as unknown as ConstructorParameters<typeof MessageChannel>[2]
    const channel = new MessageChannel(libp2p, {
      protocol: '/kos/test/audit-sync/1.0.0', maxMessageBytes: 1024, maxQueuedPerPeer: 8, dialTimeoutMs: 1000, onMessage: () => {},
      idleCloseMs: 5000, now: () => now
    }, log)
    await channel.start()
    const settle = async (): Promise<void> => { for (let i = 0; i < 20; i++) await new Promise((resolve) => { setImmediate(resolve) }) }
    channel.send(PEER, new Uint8Array([1]))
    await settle()
    now = 4999
    channel.closeIdle()
    await settle()
    assert.equal(closed, 0, 'not idle yet')
    channel.send(PEER, new Uint8Array([2]))
    now = 9998
    channel.closeIdle()
    await settle()
    assert.equal(closed, 0, 'the second send restarted the idle time')
    now = 9999
    channel.closeIdle()
    await settle()
    assert.equal(closed, 1, 'idle for 5 s: the stream is closed')
    assert.equal(opened, 1)
    channel.send(PEER, new Uint8Array([3]))
    await settle()
    assert.equal(opened, 2, 'a send after the close opens a new stream')
    assert.ok(written.length >= 3, `every message was written (${written.length} chunks)`)
    await channel.stop()
  })
})
