/**
 * The breaker registry per peer and protocol (net/peer-breakers.ts), and the probe path through
 * it (net/libp2p-transport.ts, the probe's ping): an open probe breaker makes a probe fail at once, never hides the
 * failure, and the first probe after the half-open wait is a trial that can find the peer back.
 * The message channel (election, audit) stops dialling a voter whose breaker is open.
 * cockatiel reads Date.now() for the half-open wait: node:test's mocked Date moves it, no sleeps.
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import { Libp2pTransport } from '../src/net/libp2p-transport.js'
import { MessageChannel } from '../src/net/channel.js'
import type { KosLibp2p } from '../src/net/host.js'
import { BrokenCircuitError, PeerBreakers, peerBreakerTunables, type PeerProtocol } from '../src/net/peer-breakers.js'
import { pino } from 'pino'

const A = '12D3KooWAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const B = '12D3KooWBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
/** A real peer id: the prober parses it. */
const REAL = '12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V'
const T = { threshold: 3, halfOpenAfterMs: 2000 }
const TUNABLES = { probe: T, sync: T, election: T, audit: T, escalation: { threshold: 1, halfOpenAfterMs: 5000 } }

function registry (): { breakers: PeerBreakers, opened: Array<[PeerProtocol, string]> } {
  const opened: Array<[PeerProtocol, string]> = []
  const breakers = new PeerBreakers({ tunables: TUNABLES, onOpened: (protocol, peer) => { opened.push([protocol, peer]) } })
  return { breakers, opened }
}

const fail = async (): Promise<never> => { throw new Error('connection refused') }
const ok = async (): Promise<string> => 'pong'

/** Calls `fn` through the breaker `n` times, ignoring the outcome. */
async function calls (b: PeerBreakers, peer: string, protocol: PeerProtocol, n: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i++) await b.execute(peer, protocol, fn).catch(() => {})
}

describe('peer breakers', () => {
  beforeEach(() => { mock.timers.enable({ apis: ['Date'], now: 1_000_000 }) })
  afterEach(() => { mock.timers.reset() })

  it('opens after threshold consecutive failures, then fails calls without running them', async () => {
    const { breakers, opened } = registry()
    await calls(breakers, A, 'probe', 2, fail)
    assert.equal(breakers.state(A).probe, 'closed', 'two failures of three')
    await calls(breakers, A, 'probe', 1, fail)
    assert.equal(breakers.state(A).probe, 'open')
    assert.equal(breakers.isOpen(A, 'probe'), true)
    let ran = false
    await assert.rejects(breakers.execute(A, 'probe', async () => { ran = true }), BrokenCircuitError)
    assert.equal(ran, false, 'an open breaker does not call the peer')
    assert.deepEqual(opened, [['probe', A]])
  })

  it('counts consecutive failures only: a success in between starts the count again', async () => {
    const { breakers } = registry()
    await calls(breakers, A, 'sync', 2, fail)
    await calls(breakers, A, 'sync', 1, ok)
    await calls(breakers, A, 'sync', 2, fail)
    assert.equal(breakers.state(A).sync, 'closed')
  })

  it('keeps one breaker per peer and protocol', async () => {
    const { breakers } = registry()
    await calls(breakers, A, 'election', 3, fail)
    assert.deepEqual(breakers.state(A), { probe: 'closed', sync: 'closed', election: 'open', audit: 'closed', escalation: 'closed' })
    assert.deepEqual(breakers.state(B), { probe: 'closed', sync: 'closed', election: 'closed', audit: 'closed', escalation: 'closed' })
    assert.equal(await breakers.execute(A, 'probe', ok), 'pong', 'the election breaker does not stop probes')
    assert.equal(await breakers.execute(B, 'election', ok), 'pong', 'nor elections with another peer')
  })

  it('after the half-open wait, one trial call: success closes the breaker', async () => {
    const { breakers } = registry()
    await calls(breakers, A, 'probe', 3, fail)
    mock.timers.tick(1999)
    await assert.rejects(breakers.execute(A, 'probe', ok), BrokenCircuitError, 'still within the wait')
    mock.timers.tick(1)
    let release = (): void => {}
    const trial = breakers.execute(A, 'probe', async () => { await new Promise<void>((resolve) => { release = resolve }); return 'back' })
    assert.equal(breakers.state(A).probe, 'half-open', 'while the trial runs')
    release()
    assert.equal(await trial, 'back')
    assert.equal(breakers.state(A).probe, 'closed')
  })

  it('a failed trial opens the breaker again for another wait, as the same outage', async () => {
    const { breakers, opened } = registry()
    await calls(breakers, A, 'probe', 3, fail)
    mock.timers.tick(2000)
    await assert.rejects(breakers.execute(A, 'probe', fail), /connection refused/, 'the trial ran and failed')
    assert.equal(breakers.state(A).probe, 'open')
    await assert.rejects(breakers.execute(A, 'probe', ok), BrokenCircuitError)
    assert.equal(opened.length, 1, 'opened once: the failed trial is the same outage')
  })

  it('forgets a peer that joined, came back alive or was reaped, not one that was suspected', async () => {
    const { breakers } = registry()
    const member = { peerId: A }
    for (const type of ['member:suspect', 'member:dead']) {
      await calls(breakers, A, 'probe', 3, fail)
      breakers.onMemberEvent({ type, member })
      assert.equal(breakers.state(A).probe, 'open', type)
    }
    for (const type of ['member:alive', 'member:join', 'member:removed']) {
      await calls(breakers, A, 'probe', 3, fail)
      breakers.onMemberEvent({ type, member })
      assert.equal(breakers.state(A).probe, 'closed', type)
      assert.equal(breakers.size, 0, `${type}: nothing kept for the peer`)
    }
  })

  it('forgets one protocol of a peer', async () => {
    const { breakers } = registry()
    await calls(breakers, A, 'probe', 3, fail)
    await calls(breakers, A, 'escalation', 1, fail)
    breakers.forget(A, 'escalation')
    assert.deepEqual([breakers.state(A).probe, breakers.state(A).escalation], ['open', 'closed'])
  })

  it('counts the breakers by protocol and state', async () => {
    const { breakers } = registry()
    await calls(breakers, A, 'probe', 3, fail)
    await calls(breakers, B, 'probe', 1, ok)
    const counts = breakers.counts()
    assert.deepEqual(counts.probe, { closed: 1, open: 1, 'half-open': 0 })
    assert.deepEqual(counts.election, { closed: 0, open: 0, 'half-open': 0 })
  })

  it('takes the escalation tunables for escalation and the peer ones for the rest', () => {
    const t = peerBreakerTunables({ peerBreakerThreshold: 3, peerBreakerHalfOpenMs: 2000, escalationBreakerThreshold: 5, escalationBreakerHalfOpenMs: 9000 })
    assert.deepEqual(t.probe, { threshold: 3, halfOpenAfterMs: 2000 })
    assert.deepEqual(t.election, t.probe)
    assert.deepEqual(t.escalation, { threshold: 5, halfOpenAfterMs: 9000 })
  })
})

describe('probes through the probe breaker', () => {
  beforeEach(() => { mock.timers.enable({ apis: ['Date'], now: 1_000_000 }) })
  afterEach(() => { mock.timers.reset() })

  /** A libp2p with only what a direct probe touches: a ping that fails while `up` is false. */
  function stubLibp2p (): { libp2p: KosLibp2p, pings: () => number, setUp: (v: boolean) => void } {
    let pings = 0
    let up = false
    const libp2p = {
      peerId: { toString: () => 'self' },
      services: { ping: { ping: async () => { pings++; if (!up) throw new Error('connection refused'); return 1 } } }
    } as unknown as KosLibp2p
    return { libp2p, pings: () => pings, setUp: (v) => { up = v } }
  }

  it('a probe through an open breaker fails at once without pinging; the first after the wait is a trial', async () => {
    const { breakers } = registry()
    const net = stubLibp2p()
    const transport = new Libp2pTransport({ libp2p: net.libp2p, breakers, log: pino({ level: 'silent' }), dialTimeoutMs: 500, onInvalid: () => {} })
    const prober = { probe: async (peer: string): Promise<boolean> => await new Promise((resolve) => { transport.ping(peer, 500, resolve) }) }
    for (let i = 0; i < 3; i++) assert.equal(await prober.probe(REAL), false)
    assert.equal(net.pings(), 3)
    assert.equal(breakers.state(REAL).probe, 'open')

    // Open: still a failed probe (the detector accuses as before), only no dial and no deadline.
    assert.equal(await prober.probe(REAL), false)
    assert.equal(net.pings(), 3, 'no ping while open')

    // The peer is back; after the half-open wait the next probe reaches it and closes the breaker.
    net.setUp(true)
    mock.timers.tick(T.halfOpenAfterMs)
    assert.equal(await prober.probe(REAL), true)
    assert.equal(net.pings(), 4)
    assert.equal(breakers.state(REAL).probe, 'closed')
  })
})

describe('the message channel through a breaker', () => {
  beforeEach(() => { mock.timers.enable({ apis: ['Date'], now: 1_000_000 }) })
  afterEach(() => { mock.timers.reset() })

  it('counts messages beyond the peer\'s queue as lost (queue-full) and warns once', async () => {
    // A dial that never ends: the stream is "still opening", so messages queue up to the bound.
    const libp2p = { handle: async () => {}, unhandle: async () => {}, dialProtocol: async () => await new Promise(() => {}) } as unknown as KosLibp2p
    const warnings: unknown[] = []
    const log = { debug: () => {}, warn: (o: unknown) => { warnings.push(o) } } as unknown as ConstructorParameters<typeof MessageChannel>[2]
    let lost = 0
    const channel = new MessageChannel(libp2p, {
      protocol: '/kos/test/election/1.0.0', maxMessageBytes: 1024, maxQueuedPerPeer: 4, dialTimeoutMs: 1000, onMessage: () => {},
      onDrop: (_peer, reason, n) => { if (reason === 'queue-full') lost += n },
      now: () => 0
    }, log)
    await channel.start()
    for (let i = 0; i < 10; i++) channel.send(REAL, new Uint8Array([i]))
    assert.equal(lost, 6)
    assert.equal(warnings.length, 1)
    await channel.stop()
  })

  it('stops dialling an unreachable peer once its breaker opens: sends fail at once', async () => {
    const { breakers } = registry()
    let dials = 0
    const libp2p = {
      handle: async () => {},
      unhandle: async () => {},
      dialProtocol: async () => { dials++; throw new Error('connection refused') }
    } as unknown as KosLibp2p
    const warnings: unknown[] = []
    const log = { debug: () => {}, warn: (o: unknown) => { warnings.push(o) } } as unknown as ConstructorParameters<typeof MessageChannel>[2]
    const drops: string[] = []
    let now = 0
    const channel = new MessageChannel(libp2p, {
      protocol: '/kos/test/election/1.0.0',
      maxMessageBytes: 1024,
      maxQueuedPerPeer: 8,
      dialTimeoutMs: 1000,
      onMessage: () => {},
      guard: breakers.guard('election'),
      name: 'election',
      onDrop: (peer, reason, n) => { drops.push(`${peer === REAL ? 'real' : peer} ${reason} ${n}`) },
      reportEveryMs: 10_000,
      now: () => now
    }, log)
    await channel.start()
    /** Sends one message and lets its stream attempt finish (the dial is asynchronous). */
    const sendAndSettle = async (): Promise<void> => {
      channel.send(REAL, new Uint8Array([1]))
      for (let i = 0; i < 10; i++) await new Promise((resolve) => { setImmediate(resolve) })
    }
    for (let i = 0; i < T.threshold; i++) await sendAndSettle()
    assert.equal(dials, T.threshold)
    assert.equal(breakers.state(REAL).election, 'open')
    for (let i = 0; i < 5; i++) await sendAndSettle()
    assert.equal(dials, T.threshold, 'no dial while the breaker is open')
    mock.timers.tick(T.halfOpenAfterMs)
    await sendAndSettle()
    assert.equal(dials, T.threshold + 1, 'one trial dial after the half-open wait')
    // Every lost message is counted, by reason; the log says so once per peer per reportEveryMs.
    assert.deepEqual(drops, [
      ...Array<string>(T.threshold).fill('real stream-failed 1'),
      ...Array<string>(5).fill('real breaker-open 1'),
      'real stream-failed 1'
    ])
    assert.equal(warnings.length, 1)
    assert.deepEqual((warnings[0] as { lost: unknown }).lost, { 'queue-full': 0, 'stream-failed': 1, 'breaker-open': 0 })
    now = 10_000
    await sendAndSettle()
    assert.equal(warnings.length, 2)
    assert.deepEqual((warnings[1] as { lost: unknown }).lost, { 'queue-full': 0, 'stream-failed': T.threshold, 'breaker-open': 6 })
    await channel.stop()
  })
})
