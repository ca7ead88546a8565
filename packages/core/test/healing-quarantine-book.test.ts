/**
 * The cluster-wide quarantine list (healing/quarantine-book.ts), folded from audit entries: who
 * may release, and entries that arrive out of order or twice.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { QuarantineBook, mayRelease, type QuarantineEntry } from '../src/healing/quarantine-book.js'

const M1 = 'm1'
const M2 = 'm2'
const J = 'junzi'
const quarantined = (origin: string, seq: number, agent = 'scribe'): QuarantineEntry => ({ origin, seq, ts: 1000 + seq, type: 'agent:quarantined', subject: agent, details: { reason: `r${seq}` } })
const released = (origin: string, qOrigin: string, qSeq: number, agent = 'scribe'): QuarantineEntry => ({ origin, seq: 99, ts: 2000, type: 'agent:released', subject: agent, details: { quarantinedBy: qOrigin, quarantinedSeq: qSeq, by: origin } })

describe('quarantine book', () => {
  it('may release: a designated Junzi or the quarantining node, nobody else', () => {
    const table: Array<[string, boolean]> = [[J, true], [M1, true], [M2, false]]
    for (const [by, ok] of table) assert.equal(mayRelease({ origin: M1 }, by, [J]), ok, by)
  })

  it('folds a quarantine and its release; a release by anyone else is refused and changes nothing', () => {
    const book = new QuarantineBook()
    assert.equal(book.apply(quarantined(M1, 5), [J])?.type, 'quarantined')
    assert.equal(book.apply(quarantined(M1, 5), [J]), null, 'the same entry twice')
    assert.equal(book.apply(quarantined(M2, 3), [J]), null, 'a second quarantine of a quarantined name')
    assert.equal(book.get('scribe')?.origin, M1)
    const refused = book.apply(released(M2, M1, 5), [J])
    assert.equal(refused?.type, 'refused')
    assert.notEqual(book.get('scribe'), undefined)
    assert.deepEqual(book.apply(released(J, M1, 5), [J]), { type: 'released', agent: 'scribe', by: J })
    assert.equal(book.get('scribe'), undefined)
  })

  it('a release that names another quarantine does not lift the current one', () => {
    const book = new QuarantineBook()
    book.apply(quarantined(M1, 7), [J])
    assert.equal(book.apply(released(J, M1, 5), [J]), null)
    assert.equal(book.get('scribe')?.seq, 7)
  })

  it('a release that arrives before its quarantine still lifts it', () => {
    const book = new QuarantineBook()
    assert.equal(book.apply(released(J, M1, 5), [J]), null)
    assert.equal(book.apply(quarantined(M1, 5), [J]), null)
    assert.equal(book.get('scribe'), undefined)
    assert.equal(book.apply(quarantined(M1, 6), [J])?.type, 'quarantined', 'a later quarantine is a new one')
  })

  it('refuses a release that names no quarantine entry', () => {
    const book = new QuarantineBook()
    book.apply(quarantined(M1, 1), [J])
    const e = released(J, M1, 1)
    assert.equal(book.apply({ ...e, details: { by: J } }, [J])?.type, 'refused')
  })
})
