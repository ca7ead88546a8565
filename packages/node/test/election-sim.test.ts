/**
 * The election across many seeds on the simulated network (see helpers/election-sim.ts): random
 * crashes, restarts, pauses, partitions (isolation, majority/minority, overlapping-majority
 * rings, bridges), drops, duplicates and reordering, then a stable connected majority.
 *
 * Invariants, checked continuously: one coordinator per term; one vote per node and term, on
 * disk before it is sent; at most one valid lease at any instant, each backed by a quorum of
 * fresh acknowledgements. Liveness: once a majority is connected and stable, it agrees on a
 * coordinator within LIVENESS_BOUND_MS of virtual time.
 *
 *   ELECTION_SEED=<n>        replay one seed (prints its fault schedule and trace)
 *   ELECTION_SEEDS=<count>   run more (or fewer) seeds (default 500), from ELECTION_SEED_FROM (default 1)
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LIVENESS_BOUND_MS, runScenario, type ScenarioResult } from './helpers/election-faults.js'
import { ElectionSim } from './helpers/election-sim.js'

const TEST_FILE = 'packages/node/dist/test/election-sim.test.js'

function seedsToRun (): number[] {
  const one = process.env.ELECTION_SEED
  if (one !== undefined && one !== '') return [Number(one)]
  const from = Number(process.env.ELECTION_SEED_FROM ?? 1)
  const count = Number(process.env.ELECTION_SEEDS ?? 500)
  return Array.from({ length: count }, (_, i) => from + i)
}

function report (r: ScenarioResult): string {
  const problems = [...r.violations]
  if (problems.length === 0 && (r.convergedAfterMs === null || r.convergedAfterMs > LIVENESS_BOUND_MS)) problems.push(`no agreed coordinator within ${LIVENESS_BOUND_MS} ms of a stable majority`)
  return [
    `seed ${r.seed} (${r.n} nodes): ${problems.join('; ')}`,
    `replay: ELECTION_SEED=${r.seed} node --test ${TEST_FILE}`,
    'faults:', ...r.faults.map((f) => `  ${f}`),
    'last messages and events:', ...r.trace.map((t) => `  ${t}`)
  ].join('\n')
}

describe('election under faults, across seeds', () => {
  it('is safe throughout and live once a majority is stable', (t) => {
    const seeds = seedsToRun()
    const failures: ScenarioResult[] = []
    const converged: number[] = []
    for (const seed of seeds) {
      const r = runScenario(seed)
      if (r.violations.length > 0 || r.convergedAfterMs === null || r.convergedAfterMs > LIVENESS_BOUND_MS) failures.push(r)
      else converged.push(r.convergedAfterMs)
    }
    converged.sort((a, b) => a - b)
    t.diagnostic(`${seeds.length} seeds, ${failures.length} failing; stable majority → agreed coordinator: ` +
      `median ${converged[converged.length >> 1] ?? '-'} ms, max ${converged.at(-1) ?? '-'} ms (virtual)`)
    // A single replayed seed always shows its schedule and trace; a batch shows its first failures.
    if (seeds.length === 1 && failures.length === 0) console.error(report({ ...runScenario(seeds[0]!), violations: ['(none: this seed passes)'] }))
    for (const f of failures.slice(0, 3)) console.error(report(f))
    assert.equal(failures.length, 0, `failing seeds: ${failures.map((f) => f.seed).join(', ')}\n${failures.map((f) => `replay: ELECTION_SEED=${f.seed} node --test ${TEST_FILE}`).join('\n')}`)
  })
})

/** Boots a cluster and waits until every node agrees on a coordinator. */
function booted (seed: number, n: number): { sim: ElectionSim, leader: string } {
  const sim = new ElectionSim(seed, n)
  assert.ok(sim.run(3000, () => sim.agreedCoordinator(sim.ids) !== null), 'boot elects a coordinator')
  sim.run(500)
  const leader = sim.agreedCoordinator(sim.ids)
  assert.ok(leader !== null)
  return { sim, leader }
}

function assertSafe (sim: ElectionSim): void {
  assert.deepEqual(sim.violations, [], sim.recentTrace.join('\n'))
}

describe('election scenarios', () => {
  it('a follower cut off for a while rejoins without raising the term (pre-vote)', () => {
    const { sim, leader } = booted(11, 5)
    const term = sim.core(leader)!.term
    const loner = sim.ids.find((id) => id !== leader)!
    sim.setLinks(`isolate ${loner}`, (a, b) => a !== loner && b !== loner, false)
    sim.run(3000)
    assert.equal(sim.core(loner)!.coordinatorId, null, 'alone, it knows no coordinator')
    assert.equal(sim.core(loner)!.term, term, 'its failed pre-votes did not raise its term')
    sim.heal()
    sim.run(1000)
    assert.equal(sim.agreedCoordinator(sim.ids), leader)
    for (const id of sim.ids) assert.equal(sim.core(id)!.term, term)
    assertSafe(sim)
  })

  it('2 | 3: the minority has no coordinator, the majority has one; after healing, exactly one', () => {
    const { sim, leader } = booted(12, 5)
    const minority = [leader, sim.ids.find((id) => id !== leader)!]
    const majority = sim.ids.filter((id) => !minority.includes(id))
    sim.setLinks('2 | 3', (a, b) => minority.includes(a) === minority.includes(b))
    sim.run(2000)
    for (const id of minority) assert.equal(sim.core(id)!.coordinatorId, null, `${id} in the minority`)
    const next = sim.agreedCoordinator(majority)
    assert.ok(next !== null && majority.includes(next))
    sim.heal()
    sim.run(1500)
    assert.equal(sim.agreedCoordinator(sim.ids), next)
    assert.equal(sim.ids.filter((id) => sim.core(id)!.role === 'coordinator').length, 1)
    assertSafe(sim)
  })

  it('a coordinator paused beyond its lease stops acting, and after resuming does not act on the stale term', () => {
    const { sim, leader } = booted(13, 5)
    const oldTerm = sim.core(leader)!.term
    sim.pause(leader, 2000)
    sim.run(450)
    // Its lease has run out even though it has not run since: it claims nothing.
    assert.equal(sim.core(leader)!.coordinatorId, null)
    sim.run(1600)
    const others = sim.ids.filter((id) => id !== leader)
    const next = sim.agreedCoordinator(others)
    assert.ok(next !== null && next !== leader)
    for (const id of others) assert.equal(sim.core(id)!.acceptDecision(oldTerm), false, `${id} fences the old term`)
    sim.run(500)
    assert.equal(sim.core(leader)!.role, 'follower')
    assert.equal(sim.agreedCoordinator(sim.ids), next)
    assertSafe(sim)
  })

  it('the top-ranked node wins the first election without a split', (t) => {
    let wins = 0
    let oneRound = 0
    for (let seed = 1; seed <= 50; seed++) {
      const sim = new ElectionSim(seed, 5)
      const order = [...sim.ids].reverse() // prefer n4, then n3, …
      for (const id of sim.ids) sim.core(id)!.setRanking(order)
      sim.run(3000, () => sim.agreedCoordinator(sim.ids) !== null)
      const c = sim.agreedCoordinator(sim.ids)
      if (c === order[0]) wins++
      if (c !== null && sim.core(c)!.term === 1) oneRound++
      assertSafe(sim)
    }
    t.diagnostic(`top-ranked won ${wins}/50 first elections; ${oneRound}/50 in one round`)
    assert.ok(wins >= 49, `top-ranked won only ${wins}/50`)
    assert.ok(oneRound >= 49, `only ${oneRound}/50 first elections took one round`)
  })
})
