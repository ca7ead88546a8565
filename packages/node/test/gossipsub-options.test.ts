/** The gossipsub options the node's config gives (net/host.ts). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LAN_DEFAULTS } from '../src/config/profiles.js'
import { gossipsubOptions } from '../src/net/host.js'

describe('gossipsubOptions', () => {
  it('sends IHAVE gossip to gossipLazyDegree peers outside the mesh, never to a share of all peers', () => {
    const opts = gossipsubOptions({ ...LAN_DEFAULTS, gossipLazyDegree: 3 }, () => {}, new Map())
    assert.equal(opts.Dlazy, 3)
    assert.equal(opts.gossipFactor, 0)
    assert.equal(gossipsubOptions(LAN_DEFAULTS, () => {}, new Map()).Dlazy, 1)
  })

  it('keeps the mesh degree and its bounds from gossipMeshDegree', () => {
    const opts = gossipsubOptions({ ...LAN_DEFAULTS, gossipMeshDegree: 4 }, () => {}, new Map())
    assert.deepEqual([opts.D, opts.Dlo, opts.Dhi], [4, 3, 8])
  })
})
