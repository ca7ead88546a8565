/**
 * Circuit breakers per peer and protocol (docs/design/overview.md, Protocols: every request to a
 * peer has a deadline, a size limit and a breaker; issue 6), built with cockatiel like the
 * escalation targets' (escalation/delivery.ts).
 *
 * One breaker per (peer, protocol), not one per peer: the protocols fail for different reasons
 * and at different rates. The election channel dials a dead voter ten times a second, the probe
 * runs once per suspicion, an escalation waits on the authority's disk. A shared breaker would
 * let the election's dial failures fail-fast the one probe that decides a suspicion, or a slow
 * sync handler cut off the votes; per protocol, each breaker judges only calls alike.
 *
 * What a breaker changes, and what it must not:
 * - Closed: calls run. `threshold` consecutive failures (a thrown error: refused, timed out,
 *   reset) open it.
 * - Open: calls fail at once with BrokenCircuitError: no dial, no deadline waited out. Every
 *   caller treats that as the failure of its call, never as "no answer yet": a probe through an
 *   open breaker is a failed path, so failure detection is only faster, never blinded; a vote
 *   to an unreachable voter is lost at once, and the election timer retries as it would.
 * - After `halfOpenAfterMs` the next call is a trial (half-open): its success closes the
 *   breaker, its failure opens it again. Calls made while a trial runs wait for its outcome
 *   (cockatiel), which its own deadline bounds. So a suspect that comes back can always be
 *   reached again: at the latest by the first call after the half-open wait.
 * - Evidence that the peer runs again (it joined, or became alive at a higher incarnation)
 *   forgets its breakers: their failures belong to its previous life, and a restarted voter
 *   should get the coordinator's heartbeats now, not after a half-open wait. A reaped member's
 *   breakers are forgotten too, so the registry stays bounded by the member table.
 *
 * The state cockatiel reports is shown as is: a breaker stays `open` until a call comes after
 * the half-open wait (the state moves only on calls), so `open` means "fails fast, or would be
 * tried by the next call".
 *
 * Not a pure core: cockatiel reads Date.now() for the half-open wait. This is the shell's policy
 * around I/O; the unit tests drive it with node:test's mocked Date.
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel'
import type { BreakerStateName, PeerBreakerStates, PeerProtocolName } from '@kos/client'
import type { KosConfig } from '../config/schema.js'

export const PEER_PROTOCOLS = ['probe', 'sync', 'election', 'audit', 'escalation'] as const satisfies readonly PeerProtocolName[]
export type PeerProtocol = PeerProtocolName
export { BrokenCircuitError }

export interface BreakerTunables {
  /** Consecutive failures that open the breaker. */
  threshold: number
  /** How long an open breaker fails calls fast before one trial call. */
  halfOpenAfterMs: number
}

/** Runs `fn` against `peer` through one protocol's breaker. */
export type PeerGuard = <T>(peer: string, fn: () => Promise<T>) => Promise<T>

export interface PeerBreakersInit {
  tunables: Readonly<Record<PeerProtocol, BreakerTunables>>
  /** A breaker went from closed to open (a trial that fails again is the same outage: not called). Must not throw. */
  onOpened?: (protocol: PeerProtocol, peer: string) => void
}

/**
 * The tunables of each protocol from the config: the escalation protocol keeps its own
 * (`escalationBreaker*`, issue #5), the others share `peerBreaker*`.
 */
export function peerBreakerTunables (config: Pick<KosConfig, 'peerBreakerThreshold' | 'peerBreakerHalfOpenMs' | 'escalationBreakerThreshold' | 'escalationBreakerHalfOpenMs'>): Record<PeerProtocol, BreakerTunables> {
  const shared = { threshold: config.peerBreakerThreshold, halfOpenAfterMs: config.peerBreakerHalfOpenMs }
  return {
    probe: shared,
    sync: shared,
    election: shared,
    audit: shared,
    escalation: { threshold: config.escalationBreakerThreshold, halfOpenAfterMs: config.escalationBreakerHalfOpenMs }
  }
}

/** Events that say the peer runs again, or is gone for good. */
export interface MemberEventLike { type: string, member?: { peerId: string } }

export class PeerBreakers {
  private readonly init: PeerBreakersInit
  /** peer → protocol → breaker; created on first use. */
  private readonly byPeer = new Map<string, Map<PeerProtocol, CircuitBreakerPolicy>>()

  constructor (init: PeerBreakersInit) {
    this.init = init
  }

  /** Runs `fn` through the (peer, protocol) breaker; rejects with BrokenCircuitError while it is open. */
  async execute<T> (peer: string, protocol: PeerProtocol, fn: () => Promise<T>): Promise<T> {
    return await this.policy(peer, protocol).execute(async () => await fn())
  }

  /** `execute` bound to one protocol, for a component that speaks only that one. */
  guard (protocol: PeerProtocol): PeerGuard {
    return async (peer, fn) => await this.execute(peer, protocol, fn)
  }

  /**
   * The cockatiel policy itself, for a caller that composes it (escalation delivery runs it
   * inside its retry). Do not nest `execute` inside a call already running through it: a
   * half-open trial would wait for itself.
   */
  policy (peer: string, protocol: PeerProtocol): CircuitBreakerPolicy {
    let protocols = this.byPeer.get(peer)
    if (protocols === undefined) { protocols = new Map(); this.byPeer.set(peer, protocols) }
    let b = protocols.get(protocol)
    if (b === undefined) {
      b = this.create(peer, protocol)
      protocols.set(protocol, b)
    }
    return b
  }

  /** Whether calls to the peer on this protocol fail fast now. */
  isOpen (peer: string, protocol: PeerProtocol): boolean {
    return stateName(this.byPeer.get(peer)?.get(protocol)) === 'open'
  }

  /** Every protocol's breaker state for the peer; `closed` where none was needed yet. */
  state (peer: string): PeerBreakerStates {
    const protocols = this.byPeer.get(peer)
    const out = {} as PeerBreakerStates
    for (const p of PEER_PROTOCOLS) out[p] = stateName(protocols?.get(p))
    return out
  }

  /** Breakers that exist, by protocol and state (for the metrics gauge). */
  counts (): Record<PeerProtocol, Record<BreakerStateName, number>> {
    const out = {} as Record<PeerProtocol, Record<BreakerStateName, number>>
    for (const p of PEER_PROTOCOLS) out[p] = { closed: 0, open: 0, 'half-open': 0 }
    for (const protocols of this.byPeer.values()) {
      for (const [p, b] of protocols) out[p][stateName(b)]++
    }
    return out
  }

  /** Peers that have at least one breaker. */
  get size (): number { return this.byPeer.size }

  /**
   * Drops the peer's breakers (all, or one protocol's): the next call starts from a closed one.
   * A call already running through a dropped breaker finishes and is counted by that one only.
   */
  forget (peer: string, protocol?: PeerProtocol): void {
    if (protocol === undefined) { this.byPeer.delete(peer); return }
    const protocols = this.byPeer.get(peer)
    protocols?.delete(protocol)
    if (protocols?.size === 0) this.byPeer.delete(peer)
  }

  /** The node's event path: forget a member that joined, came back alive, or was reaped. */
  onMemberEvent (event: MemberEventLike): void {
    const peer = event.member?.peerId
    if (peer === undefined) return
    if (event.type === 'member:join' || event.type === 'member:alive' || event.type === 'member:removed') this.forget(peer)
  }

  private create (peer: string, protocol: PeerProtocol): CircuitBreakerPolicy {
    const t = this.init.tunables[protocol]
    const b = circuitBreaker(handleAll, { halfOpenAfter: t.halfOpenAfterMs, breaker: new ConsecutiveBreaker(t.threshold) })
    let last = CircuitState.Closed
    b.onStateChange((s) => {
      if (s === CircuitState.Open && last === CircuitState.Closed) this.init.onOpened?.(protocol, peer)
      last = s
    })
    return b
  }
}

function stateName (b: CircuitBreakerPolicy | undefined): BreakerStateName {
  switch (b?.state) {
    case undefined:
    case CircuitState.Closed: return 'closed'
    case CircuitState.HalfOpen: return 'half-open'
    default: return 'open' // Open, or Isolated (held open by hand; never done here)
  }
}
