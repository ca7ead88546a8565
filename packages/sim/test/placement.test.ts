/**
 * Service placement in the simulator (placement-checkers.ts): the @kos/core placement core run
 * for the coordinator over crashes, partitions and churn keeps its invariants, and the checker
 * catches a placement that breaks them.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ServiceDemand } from '@kos/core'
import { runScenario } from '../src/run.js'

const services: ServiceDemand[] = [{ name: 'web', replicas: 2, spread: 'node' }, { name: 'db', replicas: 3, spread: 'node' }]
const placementViolations = (v: Array<{ invariant: string }>): string[] => v.filter((x) => x.invariant.startsWith('placement-')).map((x) => x.invariant)

describe('service placement in the simulator', () => {
  for (const scenario of ['crash', 'partition', 'churn']) {
    it(`keeps the placement invariants under ${scenario} (7 nodes, 120 s, 3 seeds)`, () => {
      for (const seed of [1, 2, 3]) {
        const r = runScenario({ scenario, nodes: 7, seconds: 120, seed, placement: { services } })
        assert.deepEqual(placementViolations(r.violations), [], `${r.replay}: ${JSON.stringify(r.violations.filter((v) => v.invariant.startsWith('placement-')).slice(0, 2))}`)
      }
    })
  }

  it('reports a service with more replicas than nodes can hold as a table that is still valid, and catches over-replication', () => {
    // Eight replicas on seven nodes: the core leaves a slot empty rather than doubling up.
    const r = runScenario({ scenario: 'steady', nodes: 7, seconds: 30, seed: 4, placement: { services: [{ name: 'big', replicas: 8, spread: 'node' }] } })
    assert.deepEqual(placementViolations(r.violations), [])
    // A zero tolerance for over-replication sees the returning side of a partition run its
    // stale instances until it takes the majority's table: the checker does see them (in a run
    // of every member watching every member, whose heal takes long enough to show it).
    const strict = runScenario({ scenario: 'partition', nodes: 7, seconds: 120, seed: 1, monitors: 0, placement: { services, overReplicatedMaxMs: 0 } })
    assert.ok(placementViolations(strict.violations).includes('placement-over-replicated'), strict.replay)
  })
})
