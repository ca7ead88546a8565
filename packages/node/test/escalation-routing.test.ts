/** Authority designation and the delivery plan (escalation/routing.ts), table-tested. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LAN_DEFAULTS } from '../src/config/profiles.js'
import { resolveConfig } from '../src/config/resolve.js'
import { authorityOf, deliveryPlan, refusedClaim, type PlanView } from '@kos/core'
import { ConfigError } from '../src/base/errors.js'

// Real Ed25519 peer ids (of the keys with seeds 101..104): the config refuses what libp2p cannot parse.
const J1 = '12D3KooWQESzG5JVc63XV9t8JiMDhjDEVNo4gWxWnMS7PD6T6MiP'
const J2 = '12D3KooWDN7K2vo9rDBdpWGjDwMsQJaWvSqJxKZKg5ywyS42P8aq'
const A1 = '12D3KooWB58dAW9mZN3GHqH1HoAz7FNFwZQ8G3ZFxGneZL17Kgo3'
const M1 = '12D3KooWFWxpMjGkH8coWrg8hyJVN8e5Pkv9HaBKJAPUMLZARoqD'
const authorities = { junzi: [J1, J2], archon: [A1] }
const HOOK = { url: 'http://127.0.0.1:9/hook', secret: 's' }
const cfg = { authorities, escalationRouting: LAN_DEFAULTS.escalationRouting, operatorWebhooks: [HOOK] }

function view (over: Partial<PlanView> = {}): PlanView {
  return { self: M1, isAlive: () => true, labelOf: (id) => authorities.junzi.includes(id) ? 'junzi' : authorities.archon.includes(id) ? 'archon' : 'member', isBroken: () => false, ...over }
}
const names = (v: PlanView, cls: Parameters<typeof deliveryPlan>[0]): string[] => deliveryPlan(cls, cfg, v).map((t) => t.kind === 'peer' ? t.peerId : t.url)

describe('authority designation', () => {
  const cases: Array<[string, string | null, 'junzi' | 'archon' | null]> = [
    [J1, 'junzi', 'junzi'],
    [J1, null, 'junzi'], // no heartbeat yet: the designation counts
    [J1, 'member', null], // designated, but started with another --role: does not count
    [J1, 'archon', null],
    [A1, 'archon', 'archon'],
    [M1, 'junzi', null] // a claim without designation
  ]
  for (const [peer, label, want] of cases) {
    it(`${peer.slice(8, 10)} labelled ${String(label)} counts as ${String(want)}`, () => { assert.equal(authorityOf(peer, label, authorities), want) })
  }
  it('refuses a role claimed without designation, and only that', () => {
    assert.equal(refusedClaim(M1, 'junzi', authorities), 'junzi')
    assert.equal(refusedClaim(J1, 'archon', authorities), 'archon')
    assert.equal(refusedClaim(J1, 'junzi', authorities), null)
    assert.equal(refusedClaim(M1, 'member', authorities), null)
  })
})

describe('delivery plan', () => {
  it('ethics: Junzi in order, then Archon, then the operators', () => {
    assert.deepEqual(names(view(), 'ethics'), [J1, J2, A1, HOOK.url])
  })
  for (const cls of ['node', 'network', 'resource', 'agent'] as const) {
    it(`${cls}: Archon first, then Junzi, then the operators`, () => { assert.deepEqual(names(view(), cls), [A1, J1, J2, HOOK.url]) })
  }
  it('puts a dead or broken authority after the live ones of its role (failover), without dropping it', () => {
    assert.deepEqual(names(view({ isAlive: (id) => id !== J1 }), 'ethics'), [J2, J1, A1, HOOK.url])
    assert.deepEqual(names(view({ isBroken: (k) => k === `peer:${J1}` }), 'ethics'), [J2, J1, A1, HOOK.url])
  })
  it('never targets itself, nor a designated peer running with another role label', () => {
    assert.deepEqual(names(view({ self: J1 }), 'ethics'), [J2, A1, HOOK.url])
    const label = (id: string): string => id === J2 ? 'member' : id === A1 ? 'archon' : 'junzi'
    assert.deepEqual(names(view({ labelOf: label }), 'ethics'), [J1, A1, HOOK.url])
  })
  it('follows a configured route: operators only', () => {
    const c = resolveConfig({ file: { escalationRouting: { resource: ['operators'] }, authorities, operatorWebhooks: [HOOK] } })
    assert.deepEqual(deliveryPlan('resource', c, view()).map((t) => t.key), [`webhook:${HOOK.url}`])
    assert.deepEqual(c.escalationRouting.ethics, ['junzi', 'archon', 'operators'], 'the other classes keep their defaults')
  })
})

describe('escalation config', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a peer id that is not one', { authorities: { junzi: ['nope'], archon: [] } }, /^authorities \(in c\.json\)\[junzi\.0\]/],
    ['a peer in both roles', { authorities: { junzi: [J1], archon: [J1] } }, /both junzi and archon/],
    ['a webhook that is not http(s)', { operatorWebhooks: [{ url: 'ftp://x/y', secret: 's' }] }, /^operatorWebhooks \(in c\.json\)\[0\.url\]/],
    ['an empty secret', { operatorWebhooks: [{ url: 'http://x/y', secret: '' }] }, /^operatorWebhooks \(in c\.json\)\[0\.secret\]/],
    ['an unknown route target', { escalationRouting: { ethics: ['pope'] } }, /^escalationRouting \(in c\.json\)\[ethics\.0\]/],
    ['an unknown class', { escalationRouting: { gossip: ['junzi'] } }, /gossip/]
  ]
  for (const [what, file, re] of bad) {
    it(`refuses ${what}, naming the key`, () => {
      assert.throws(() => resolveConfig({ file, filePath: 'c.json' }), (err: unknown) => err instanceof ConfigError && re.test(`${err.key} ${err.message}`))
    })
  }
})

describe('delivery plan with a route of its own', () => {
  it('an escalation\'s route replaces its class\'s routing, in its order', () => {
    const plan = deliveryPlan('agent', cfg, view(), ['junzi', 'operators']).map((t) => t.kind === 'peer' ? t.peerId : t.url)
    assert.deepEqual(plan, [J1, J2, HOOK.url])
    assert.deepEqual(deliveryPlan('agent', cfg, view()).map((t) => t.kind === 'peer' ? t.peerId : t.url), [A1, J1, J2, HOOK.url], 'without one, the class routing')
  })
})
