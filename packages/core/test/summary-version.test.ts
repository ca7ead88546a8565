/** Versioned health summaries (membership/summary-version.ts) and the digest that covers them (table-digest.ts). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { HealthSummary } from '../src/vocabulary/index.js'
import { heldSummaryVersion, mergeSummary, syncedSummaryIsNewer } from '../src/membership/summary-version.js'
import { entryHash } from '../src/membership/table-digest.js'

const base: HealthSummary = { name: 'b', role: 'member', incarnation: 3, version: 't', uptimeMs: 1, mode: 'normal' }
const full = (summaryVersion: number | undefined, over: Partial<HealthSummary> = {}): HealthSummary => ({
  ...base, agents: { total: 1, running: 1, failed: 0, quarantined: 0 }, services: [], ...(summaryVersion === undefined ? {} : { summaryVersion }), ...over
})

describe('versioned health summaries', () => {
  it('merge: a newer or equal version replaces, an older one is ignored, a beat keeps the held detail and version', () => {
    const v2 = full(2)
    assert.equal(mergeSummary(null, v2), v2)
    assert.equal(mergeSummary(v2, full(1)), v2, 'older: ignored')
    const v3 = full(3, { mode: 'degraded' })
    assert.equal(mergeSummary(v2, v3), v3)
    const beat = { ...base, uptimeMs: 9, mode: 'degraded' as const }
    const merged = mergeSummary(v2, beat)
    assert.equal(merged.summaryVersion, 2)
    assert.deepEqual(merged.services, [])
    assert.equal(merged.uptimeMs, 9)
    assert.equal(mergeSummary(v2, { ...beat, incarnation: 4 }).summaryVersion, undefined, 'another life: the beat alone')
    assert.equal(mergeSummary(full(7), full(1, { incarnation: 4 })).summaryVersion, 1, 'a new life starts its versions again')
    const degraded = { ...base, summaryVersion: 3, services: [] }
    assert.deepEqual(mergeSummary(v2, degraded).agents, v2.agents, 'a versioned summary without the detail keeps the held detail')
  })

  it('a summary relayed by a sync replaces the held one only when newer, of the life held', () => {
    const table: Array<[HealthSummary | null, HealthSummary, number, boolean]> = [
      [null, full(1), 3, true],
      [full(1), full(2), 3, true],
      [full(2), full(2), 3, false],
      [full(3), full(2), 3, false],
      [full(2, { incarnation: 2 }), full(1), 3, true],
      [full(1), full(1, { incarnation: 4 }), 3, false],
      [full(undefined), full(undefined), 3, false],
      [{ ...base }, full(1), 3, true]
    ]
    for (const [held, incoming, inc, want] of table) assert.equal(syncedSummaryIsNewer(held, incoming, inc), want, JSON.stringify([held?.summaryVersion, incoming.summaryVersion, held?.incarnation, incoming.incarnation]))
  })

  it('the digest covers the version held: a missed summary makes the bucket differ', () => {
    assert.equal(heldSummaryVersion(full(5), 3), 5)
    assert.equal(heldSummaryVersion(full(5), 4), 0, 'of another life')
    assert.equal(heldSummaryVersion({ ...base }, 3), 0, 'a beat: none')
    assert.equal(heldSummaryVersion(null, 3), 0)
    assert.notEqual(entryHash(17, 'alive', 3, 1), entryHash(17, 'alive', 3, 2))
    assert.equal(entryHash(17, 'alive', 3), entryHash(17, 'alive', 3, 0))
  })
})
