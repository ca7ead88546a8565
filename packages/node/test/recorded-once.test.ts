/** Who audits a member's join, death, return or leaving (reactions/recorded-once.ts): one node, not every observer. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { factRecorder, recordsHere } from '../src/reactions/recorded-once.js'
import { detectClusterFailures } from '../src/reactions/detect-cluster-failures.js'
import type { KosEvent } from '../src/events/kos-event.js'
import type { MemberView } from '@kos/core'

const member = (peerId: string): MemberView => ({ peerId, name: peerId, role: 'member', state: 'dead', incarnation: 1, addrs: [], phi: null, lastHeartbeatAgeMs: null, health: null, stateSinceMs: 0 })
const dead = (id: string): KosEvent => ({ type: 'member:dead', member: member(id), by: 'x' })
const ctx = (selfId: string, coordinatorId: string | null, alive: string[]) => ({ selfId, coordinatorId, aliveIds: () => alive })

describe('a fact recorded once', () => {
  it('the coordinator audits a join, a death, a return and a leave; no one else does', () => {
    const nodes = ['a', 'b', 'c', 'd']
    for (const e of [{ type: 'member:join', member: member('d') } as KosEvent, dead('d'), { type: 'member:alive', member: member('d'), previous: 'dead' } as KosEvent, { type: 'member:left', member: member('d') } as KosEvent]) {
      const writers = nodes.filter((self) => recordsHere(e, ctx(self, 'b', nodes.filter((n) => n !== self && n !== 'd'))))
      assert.deepEqual(writers, ['b'], e.type)
    }
  })

  it('with no coordinator known, or the coordinator itself the subject, the first alive member by peer id other than the subject', () => {
    const nodes = ['a', 'b', 'c']
    const others = (self: string): string[] => nodes.filter((n) => n !== self)
    assert.deepEqual(nodes.filter((self) => recordsHere(dead('c'), ctx(self, null, others(self)))), ['a'])
    // The coordinator a died: b and c still follow it (their trust has not run out yet).
    assert.deepEqual(['b', 'c'].filter((self) => recordsHere(dead('a'), ctx(self, 'a', others(self).filter((n) => n !== 'a')))), ['b'])
  })

  it('an election is audited by its winner alone (each follower keeps whom it followed in its state store)', () => {
    const elected: KosEvent = { type: 'coordinator:elected', coordinatorId: 'b', term: 2 }
    assert.deepEqual(['a', 'b', 'c'].filter((self) => recordsHere(elected, ctx(self, 'b', []))), ['b'])
  })

  it('every other event is audited by whoever emits it', () => {
    assert.equal(recordsHere({ type: 'node:stalled', stallMs: 900, holdBackUntilMs: 0 }, ctx('c', 'b', [])), true)
    assert.equal(recordsHere({ type: 'coordinator:lost', previous: 'b', term: 2 } as KosEvent, ctx('c', null, [])), true)
  })
})

describe('a dead peer detected once (detect-cluster-failures.ts)', () => {
  it("only the node that records a member's death files the peer-dead detection", () => {
    const nodes = ['a', 'b', 'c', 'd']
    const filed: string[] = []
    for (const self of nodes) {
      const detect = detectClusterFailures(() => ({ detectNode: (d) => { filed.push(`${self}:${d.condition}`) } }), factRecorder({
        selfId: self, election: () => ({ coordinatorId: 'b' }), members: () => nodes.filter((n) => n !== self && n !== 'd').map((n) => ({ ...member(n), state: 'alive' }))
      }))
      detect(dead('d'))
    }
    assert.deepEqual(filed, ['b:peer-dead'])
  })
})

describe('a suspicion recorded by its accuser', () => {
  it('the node that raised it records it; the nodes its gossip reaches do not', () => {
    const suspect: KosEvent = { type: 'member:suspect', member: { ...member('d'), state: 'suspect' }, by: 'a' }
    const writers = ['a', 'b', 'c'].filter((self) => recordsHere(suspect, ctx(self, 'b', ['a', 'b', 'c', 'd'].filter((n) => n !== self))))
    assert.deepEqual(writers, ['a'])
  })
})
