/**
 * The checkers catch what they claim to, and a third core plugs in through the adapter seam:
 * a deliberately broken core that names itself coordinator of term 1 must be reported, with the
 * seed's replay command and a trace.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { CoreAdapter, CoreFactory, NodeHost } from '../src/core-adapter.js'
import { formatReport } from '../src/report.js'
import { runScenario } from '../src/run.js'

/** On node n0003, ten seconds in, claims in the election's name that it coordinates term 1. */
const impostor: CoreFactory = {
  name: 'impostor',
  create: (host: NodeHost): CoreAdapter => ({
    name: 'impostor',
    start: () => {
      if (host.id !== 'n0003') return
      host.after(10_000, () => { host.emit('election', { type: 'coordinator:elected', coordinatorId: host.id, term: 1 }) })
    },
    receive: () => {},
    peerLost: () => {}
  })
}

/** A core that talks: every node gossips a ping each second and counts what it hears. */
function chatter (heard: Map<string, number>): CoreFactory {
  return {
    name: 'chatter',
    create: (host) => ({
      name: 'chatter',
      start: () => { host.every(1000, 1, () => { host.broadcast('chatter', { ping: host.id }, 10) }) },
      receive: () => { heard.set(host.id, (heard.get(host.id) ?? 0) + 1) },
      peerLost: () => {}
    })
  }
}

describe('checkers', () => {
  it('report two coordinators for one term, with the seed, the replay command and a trace', () => {
    const r = runScenario({ scenario: 'steady', nodes: 7, seconds: 30, seed: 4, extraCores: [impostor] })
    assert.ok(r.summary.violations >= 1)
    const v = r.violations.find((x) => x.invariant === 'one-coordinator-per-term')
    assert.ok(v !== undefined, formatReport(r))
    assert.ok(v.trace.some((l) => l.includes('coordinator:elected')))
    const text = formatReport(r)
    assert.match(text, /VIOLATION one-coordinator-per-term/)
    assert.match(text, /npm run sim -- --scenario steady --nodes 7 --seconds 30 --seed 4/)
  })

  it('report a crashed node not yet dead everywhere when the bound is shorter than detection', () => {
    const r = runScenario({ scenario: 'crash', nodes: 7, seconds: 60, seed: 1, checkers: { deadWithinMs: 300 } })
    assert.ok(r.violations.some((v) => v.invariant === 'crashed-node-dead-everywhere'), formatReport(r))
  })

  it('report views that have not converged when the bound is shorter than convergence', () => {
    const r = runScenario({ scenario: 'partition', nodes: 7, seconds: 60, seed: 1, checkers: { convergeWithinMs: 10 } })
    assert.ok(r.violations.some((v) => v.invariant === 'converged-after-heal'), formatReport(r))
  })

  it('run a third core beside membership and election, over the same network', () => {
    const heard = new Map<string, number>()
    const r = runScenario({ scenario: 'steady', nodes: 5, seconds: 30, seed: 1, extraCores: [chatter(heard)] })
    assert.equal(r.summary.violations, 0)
    assert.equal(heard.size, 5)
    for (const n of heard.values()) assert.ok(n >= 4 * 29, `heard ${n}`)
  })
})
