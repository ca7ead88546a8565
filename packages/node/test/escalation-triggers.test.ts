/**
 * Which events escalate (reactions/escalation-triggers.ts): only the coordinator escalates a dead member,
 * with an id derived from the incident (so a later coordinator's repeat is deduplicated); a new
 * coordinator takes over the dead members it finds; tamper always escalates; a returning member
 * only retries pending deliveries.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { MemberView } from '@kos/core'
import { escalationTriggers, quorumLoss, type TriggerContext } from '../src/reactions/escalation-triggers.js'

const member = (peerId: string, state: MemberView['state'] = 'dead', incarnation = 3): MemberView => ({
  peerId, name: `n-${peerId}`, role: 'member', state, incarnation, addrs: [], phi: null, lastHeartbeatAgeMs: null, health: null, stateSinceMs: 0
})
const ctx = (coordinatorId: string | null, members: MemberView[] = []): TriggerContext => ({ selfId: 'me', coordinatorId, members: () => members })

describe('escalation triggers', () => {
  it('a dead member is escalated by the coordinator only, with an id from the peer and incarnation', () => {
    const dead = { type: 'member:dead' as const, member: member('x'), by: 'y' }
    assert.deepEqual(escalationTriggers(dead, ctx('other')), [])
    assert.deepEqual(escalationTriggers(dead, ctx(null)), [])
    const [a] = escalationTriggers(dead, ctx('me'))
    assert.equal(a?.kind, 'escalate')
    const again = escalationTriggers(dead, ctx('me'))[0]
    assert.deepEqual(again, a, 'the same incident gives the same id')
    const later = escalationTriggers({ type: 'member:dead', member: member('x', 'dead', 4), by: 'y' }, ctx('me'))[0]
    assert.notDeepEqual(later, a, 'a later death (higher incarnation) is a new incident')
  })

  it('a newly elected coordinator escalates the dead members it finds, and nobody else does', () => {
    const members = [member('x'), member('y', 'alive'), member('z')]
    const elected = { type: 'coordinator:elected' as const, coordinatorId: 'me', term: 4 } as Parameters<typeof escalationTriggers>[0]
    const actions = escalationTriggers(elected, ctx('me', members))
    assert.deepEqual(actions.map((a) => a.kind === 'escalate' ? a.escalation.subject : a.peerId), ['x', 'z'])
    const otherElected = { ...elected, coordinatorId: 'other' } as Parameters<typeof escalationTriggers>[0]
    assert.deepEqual(escalationTriggers(otherElected, ctx('other', members)), [])
  })

  it('cites the event\'s own audit entry as evidence', () => {
    const ref = { origin: 'QmOrigin', seq: 42 }
    const [a] = escalationTriggers({ type: 'member:dead', member: member('x'), by: 'y' }, { ...ctx('me'), evidence: ref })
    assert.deepEqual(a?.kind === 'escalate' ? a.escalation.evidence : undefined, [ref])
    const [b] = escalationTriggers({ type: 'member:dead', member: member('x'), by: 'y' }, ctx('me'))
    assert.deepEqual(b?.kind === 'escalate' ? b.escalation.evidence : undefined, [], 'no entry (not written): no evidence')
  })

  it('a tamper event escalates as critical; a member coming up only retries deliveries', () => {
    const tamper = escalationTriggers({ type: 'audit:tamper', from: 'p', origin: 'q', seq: 1, reason: 'signature', suppressed: 0 }, ctx(null))
    assert.equal(tamper.length, 1)
    assert.equal(tamper[0]?.kind === 'escalate' ? tamper[0].escalation.severity : undefined, 'critical')
    assert.deepEqual(escalationTriggers({ type: 'member:alive', member: member('a', 'alive'), previous: 'dead' }, ctx('me')), [{ kind: 'member-up', peerId: 'a' }])
  })

  it('a period without quorum reported by two nodes is one incident (one id), citing each report', () => {
    const report = (origin: string, seq: number): Parameters<typeof quorumLoss>[0] =>
      ({ origin, seq, subject: 'lost-coordinator', details: { lostTerm: 7, downMs: 12_000 } })
    const a = quorumLoss(report('m1', 10))
    const b = quorumLoss(report('m2', 4))
    assert.equal(a.id, b.id)
    assert.equal(a.class, 'network')
    assert.deepEqual(a.evidence, [{ origin: 'm1', seq: 10 }])
    assert.notEqual(quorumLoss({ ...report('m1', 11), details: { lostTerm: 8, downMs: 5000 } }).id, a.id, 'another term: another incident')
  })
})
