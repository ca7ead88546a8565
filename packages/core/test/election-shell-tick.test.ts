/**
 * The election shell's tick over a recording transport and a virtual timer queue: a follower
 * sleeps until its deadline instead of waking every tick, and still stands for election the
 * moment its deadline passes.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@kos/detect'
import { electionChannels } from '../src/election/election-channels.js'
import { ElectionShell } from '../src/election/election-shell.js'
import { SILENT_LOG, type Cancel, type Timers, type Transport } from '../src/transport/transport.js'
import { WIRE_VERSION } from '../src/wire/messages.js'
import type { ElectionEnvelope } from '../src/wire/election-wire.js'

const TICK_MS = 50
const VOTERS = { term: 1, version: 1, voters: ['A', 'B', 'C'] }

/** Timers on a manual clock: `advance` runs every timer due, in time order, and counts them. */
function virtualTimers (clock: ManualClock): Timers & { advance: (ms: number) => void, fired: number } {
  let seq = 0
  const queue: Array<{ at: number, seq: number, fn: () => void }> = []
  const t = {
    clock,
    fired: 0,
    after: (ms: number, fn: () => void): Cancel => {
      const entry = { at: clock.now() + ms, seq: seq++, fn }
      queue.push(entry)
      return () => { const i = queue.indexOf(entry); if (i >= 0) queue.splice(i, 1) }
    },
    every: (ms: number, fn: () => void): Cancel => {
      let cancel: Cancel = () => {}
      const again = (): void => { cancel = t.after(ms, () => { again(); fn() }) }
      again()
      return () => { cancel() }
    },
    soon: (fn: () => void) => { fn() },
    advance: (ms: number) => {
      const until = clock.now() + ms
      for (let guard = 0; guard < 100_000; guard++) {
        queue.sort((a, b) => a.at - b.at || a.seq - b.seq)
        const next = queue[0]
        if (next === undefined || next.at > until) break
        queue.shift()
        clock.set(Math.max(clock.now(), next.at))
        t.fired++
        next.fn()
      }
      clock.set(until)
    }
  }
  return t
}

function follower (): { shell: ElectionShell, timers: ReturnType<typeof virtualTimers>, clock: ManualClock, sent: Array<{ to: string, env: ElectionEnvelope, atMs: number }>, deliver: (from: string, env: ElectionEnvelope) => void } {
  const clock = new ManualClock(1000)
  const timers = virtualTimers(clock)
  const sent: Array<{ to: string, env: ElectionEnvelope, atMs: number }> = []
  let listener: ((from: string, env: ElectionEnvelope) => void) | null = null
  const transport = {
    selfId: 'B',
    publish: () => {},
    subscribe: () => () => {},
    send: (_channel: unknown, to: string, env: ElectionEnvelope) => { sent.push({ to, env, atMs: clock.now() }) },
    listen: (_channel: unknown, fn: (from: string, env: ElectionEnvelope) => void) => { listener = fn; return () => {} },
    resetChannels: () => {},
    request: () => {},
    serve: () => () => {},
    ping: () => {},
    isConnected: () => true,
    onPeerLost: () => () => {}
  } as unknown as Transport
  const members = VOTERS.voters.map((id) => ({ peerId: id, state: 'alive' as const, zone: '', aliveSinceMs: 0 }))
  const shell = new ElectionShell({
    transport,
    channels: electionChannels('t', 65_536),
    timers,
    random: () => 0.5,
    store: { setVote: (_v, done) => { done() }, setVoters: (_v, done) => { done() } },
    members: () => members as never,
    ranking: () => ['A', 'B', 'C'],
    emit: () => {},
    log: SILENT_LOG
  }, {
    election: {},
    vote: { term: 1, votedFor: 'A' },
    voters: VOTERS,
    bounds: { max: 5, selfZone: '' },
    removeAfterMs: 30_000,
    tickIntervalMs: TICK_MS,
    announceIntervalMs: 1000
  })
  shell.start()
  return { shell, timers, clock, sent, deliver: (from, env) => { listener!(from, env) } }
}

function heartbeat (term: number, sentAt: number): ElectionEnvelope {
  return { v: WIRE_VERSION, t: 'election', m: { type: 'heartbeat', term, sentAt }, config: VOTERS }
}

describe('election shell tick', () => {
  it('a follower that hears its coordinator wakes a few times a second, not every tick', () => {
    const { shell, timers, clock, deliver } = follower()
    const start = timers.fired
    for (let i = 0; i < 20; i++) { // 2 s of heartbeats every 100 ms
      deliver('A', heartbeat(1, clock.now()))
      timers.advance(100)
    }
    const wakeups = timers.fired - start
    // The announce timer fires twice; a 50 ms tick would add 40.
    assert.ok(wakeups <= 12, `${wakeups} timer wakeups in 2 s`)
    shell.stop()
  })

  it('stands for election at its deadline once the coordinator goes quiet, to the millisecond', () => {
    const { shell, timers, clock, sent, deliver } = follower()
    // Off the 50 ms grid, so that a periodic tick would see the deadline only late.
    for (let i = 0; i < 5; i++) { deliver('A', heartbeat(1, clock.now())); timers.advance(93) }
    deliver('A', heartbeat(1, clock.now()))
    const deadline = shell.core.nextDeadlineMs()
    assert.ok(deadline > clock.now(), 'the deadline lies ahead')
    timers.advance(5000)
    const preVote = sent.find((s) => s.env.m.type === 'pre-vote')
    assert.ok(preVote !== undefined, `no pre-vote sent: ${JSON.stringify(sent.map((s) => s.env.m.type))}`)
    assert.equal(preVote.atMs, deadline)
    shell.stop()
  })
})
