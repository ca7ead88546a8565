/** The pure part of GET /v1/events: ids, the ring, the resume decision, the types filter, the frames. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SseParser } from '@kos/client'
import { EventJournal, eventFrame, frameWithoutId, parseTypes, wants } from '../src/api/event-journal.js'

function journal (capacity: number, events: number): EventJournal {
  const j = new EventJournal('b00t', capacity)
  for (let i = 1; i <= events; i++) j.append('audit:entry', JSON.stringify({ i }))
  return j
}

const seqs = (d: ReturnType<EventJournal['resume']>): number[] => d.kind === 'replay' ? d.entries.map((e) => e.seq) : []

describe('EventJournal', () => {
  it('ids are <bootId>-<seq>, seq counting up by one from 1', () => {
    const j = new EventJournal('b00t', 4)
    assert.equal(j.lastId, 'b00t-0')
    assert.deepEqual([j.append('member:dead', '{}').id, j.append('member:alive', '{}').id], ['b00t-1', 'b00t-2'])
    assert.equal(j.lastId, 'b00t-2')
  })

  it('resume: exactly the events after Last-Event-ID while the ring holds them all', () => {
    const j = journal(4, 6) // holds 3..6
    const table: Array<[string | undefined, string, number[]]> = [
      [undefined, 'fresh', []],
      ['', 'fresh', []],
      ['b00t-6', 'replay', []],
      ['b00t-5', 'replay', [6]],
      ['b00t-2', 'replay', [3, 4, 5, 6]], // 3 is the oldest held: nothing between was lost
      ['b00t-1', 'reset', []], // 2 is gone
      ['b00t-0', 'reset', []],
      ['b00t-7', 'reset', []], // ahead of the stream
      ['0ther-5', 'reset', []], // another process
      ['nonsense', 'reset', []],
      ['b00t-5-1', 'reset', []]
    ]
    for (const [id, kind, expected] of table) {
      const d = j.resume(id)
      assert.equal(d.kind, kind, `Last-Event-ID ${String(id)}`)
      assert.deepEqual(seqs(d), expected, `Last-Event-ID ${String(id)}`)
    }
  })

  it('a fresh journal resumes from its own -0 id, and the first events are replayed', () => {
    const j = new EventJournal('b00t', 4)
    const at = j.lastId
    j.append('node:mode', '{}')
    assert.deepEqual(seqs(j.resume(at)), [1])
  })

  it('a reset says why', () => {
    const j = journal(4, 10)
    const gone = j.resume('b00t-2')
    assert.equal(gone.kind === 'reset' && gone.reason, '4 events after b00t-2 are no longer held (the node keeps the last 4)')
    const restarted = j.resume('cafe-9')
    assert.match(restarted.kind === 'reset' ? restarted.reason : '', /restarted/)
  })

  it('holds at most capacity entries, the replay in order across the ring\'s wrap', () => {
    const j = journal(3, 1000)
    assert.equal(j.oldestSeq, 998)
    assert.deepEqual(seqs(j.resume('b00t-997')), [998, 999, 1000])
    const d = j.resume('b00t-998')
    assert.deepEqual(d.kind === 'replay' && d.entries.map((e) => JSON.parse(e.json)), [{ i: 999 }, { i: 1000 }])
  })

  it('refuses a bootId that would make ids ambiguous, and a capacity below 1', () => {
    assert.throws(() => new EventJournal('a-b', 4), RangeError)
    assert.throws(() => new EventJournal('ab', 0), RangeError)
  })
})

describe('the types filter', () => {
  it('takes nouns and whole types, and names an unknown one', () => {
    const ok = parseTypes('member, coordinator:elected')
    assert.ok('filter' in ok)
    assert.deepEqual([...ok.filter!], ['member', 'coordinator:elected'])
    assert.deepEqual(parseTypes(undefined), { filter: null })
    for (const bad of ['members', 'member:bogus', 'hello', 'reset', '', ' , ']) assert.ok('error' in parseTypes(bad), bad)
    assert.ok('filter' in parseTypes('member,'), 'a trailing comma is harmless')
    const unknown = parseTypes('member,gossip')
    assert.match('error' in unknown ? unknown.error : '', /unknown event type "gossip"/)
  })

  it('a noun matches its types only; peers:sample only when asked for', () => {
    const f = (raw: string): Set<string> => new Set(raw.split(','))
    assert.equal(wants(f('member'), 'member:dead'), true)
    assert.equal(wants(f('member'), 'coordinator:elected'), false)
    assert.equal(wants(f('coordinator:elected'), 'coordinator:elected'), true)
    assert.equal(wants(f('coordinator:elected'), 'coordinator:lost'), false)
    assert.equal(wants(f('audit'), 'audit:entry'), true)
    assert.equal(wants(null, 'member:dead'), true)
    assert.equal(wants(null, 'peers:sample'), false)
    assert.equal(wants(f('peers'), 'peers:sample'), true)
    assert.equal(wants(f('member'), 'peers:sample'), false)
  })
})

describe('frames', () => {
  it('parse back to the same id, type and data', () => {
    const j = new EventJournal('b00t', 2)
    const e = j.append('member:dead', JSON.stringify({ member: { name: 'a\nb' } }))
    const parser = new SseParser()
    const [got, sample] = parser.push(eventFrame(e) + frameWithoutId('peers:sample', '{"x":1}'))
    assert.deepEqual(got, { event: 'member:dead', data: '{"member":{"name":"a\\nb"}}', id: 'b00t-1' })
    assert.deepEqual(sample, { event: 'peers:sample', data: '{"x":1}' })
  })
})
