/**
 * Every decoder and validator that sees network or API input, fuzzed at a fixed seed (issue 16,
 * "Fuzzing"): each target's inputs (mostly mutations of valid messages) must end in its typed
 * refusal or a valid value, each call within the deadline. `npm run fuzz` runs the same targets
 * with random seeds (test/fuzz/run.ts); a counterexample it finds becomes a test of its own
 * (fuzz-findings.test.ts).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { fuzzTargets } from './fuzz/targets.js'
import { fuzzProperty, newTally, TEST_CASES } from './fuzz/target.js'

/** Any fixed seed; the number. */
const SEED = 16

/** Every decoder and validator that sees network or API input (docs/testing.md, "Fuzzing"). */
const EXPECTED = [
  'wire.heartbeat', 'wire.notice', 'wire.sync', 'wire.probe-request', 'wire.probe-response', 'wire.election',
  'audit.entry-decode', 'audit.entry-verify-content', 'audit.entry-verify', 'audit.received-precheck',
  'audit.direct', 'audit.push', 'audit.checkpoint-decode', 'audit.checkpoint-verify',
  'escalation.request', 'escalation.answer', 'net.cluster-key-file', 'net.cluster-key-handshake',
  'api.audit-body', 'api.audit-query', 'api.audit-ack-query', 'api.join-body', 'api.escalation-input',
  'api.escalation-list-query', 'api.agent-spec', 'api.ethics-body', 'api.errors-body', 'api.inject',
  'services.table', 'services.request', 'services.response', 'api.service-spec', 'api.drain-body'
]

const targets = await fuzzTargets()

describe('fuzzing at a fixed seed', () => {
  it('has a target for every decoder and validator, each run at least 10,000 times (HTTP injection excepted)', () => {
    assert.deepEqual(targets.map((t) => t.name).sort(), [...EXPECTED].sort())
    for (const t of targets) if (t.name !== 'api.inject') assert.ok((t.testCases ?? TEST_CASES) >= 10_000, t.name)
  })

  for (const target of targets) {
    const numRuns = target.testCases ?? TEST_CASES
    it(`${target.name}: ${numRuns} cases, each a typed refusal or a valid value`, async () => {
      const tally = newTally()
      await fc.assert(fuzzProperty(target, tally), { seed: SEED, numRuns })
      // The mutations must reach the accepting path too, or the fuzzing stays at the surface.
      assert.ok(tally.accepted > 0 && tally.refused > 0, `${tally.accepted} accepted, ${tally.refused} refused`)
    })
  }
})
