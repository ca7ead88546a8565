/**
 * SWIM probes over libp2p: a direct ping and indirect pings through k helpers
 * (`/kos/<cluster>/probe/1.0.0`, SWIM's ping-req). A probe succeeds if any path answers within
 * the probe timeout. A crashed peer refuses connections, so its probe fails in milliseconds; a
 * stalled one answers nothing, so its probe fails at the deadline.
 *
 * Every ping and ping-req runs through the probe breaker of the peer it goes to
 * (net/peer-breakers.ts). An open breaker fails that path at once: it counts as a path that did
 * not answer, exactly as a refused dial would, so the probe's verdict is the same, only sooner.
 * The indirect paths still run: a target our own link cannot reach may be reachable through a
 * helper (SWIM's point). A helper's breaker counts whether the helper answered, not its verdict:
 * "unreachable" is an answer. A ping served for another prober goes through our own breaker for
 * the target too: it is our link to the target that it tests.
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { KosLibp2p } from '../net/host.js'
import type { PeerGuard } from '../net/peer-breakers.js'
import { handle, request } from '../net/streams.js'
import { decodeMessage, encodeMessage, probeRequestSchema, probeResponseSchema, WIRE_VERSION } from '@kos/core'

/** A probe request or answer: a peer id and a few fields. */
export const MAX_PROBE_BYTES = 1024

export function probeProtocol (cluster: string): string {
  return `/kos/${cluster}/probe/1.0.0`
}

export class Prober {
  private readonly libp2p: KosLibp2p
  private readonly protocol: string
  private readonly timeoutMs: number
  private readonly guard: PeerGuard

  constructor (libp2p: KosLibp2p, cluster: string, timeoutMs: number, guard: PeerGuard) {
    this.libp2p = libp2p
    this.protocol = probeProtocol(cluster)
    this.timeoutMs = timeoutMs
    this.guard = guard
  }

  /** Serve ping-req for others: ping the target on their behalf, a little inside their deadline. */
  async start (): Promise<void> {
    await handle(this.libp2p, this.protocol, async (body) => {
      const req = decodeMessage(body, probeRequestSchema, MAX_PROBE_BYTES)
      const reachable = await this.ping(peerIdFromString(req.target), Math.floor(this.timeoutMs * 0.8))
      return encodeMessage({ v: WIRE_VERSION, t: 'probe-ack', target: req.target, reachable })
    }, { maxRequestBytes: MAX_PROBE_BYTES, timeoutMs: this.timeoutMs })
  }

  async stop (): Promise<void> {
    await this.libp2p.unhandle(this.protocol)
  }

  /** True as soon as any path reaches the target; false when all fail or the deadline passes. */
  async probe (target: string, via: string[]): Promise<boolean> {
    const targetId = peerIdFromString(target)
    const attempts = [
      this.ping(targetId, this.timeoutMs),
      ...via.map(async (helper) => await this.indirect(peerIdFromString(helper), target))
    ]
    return await new Promise<boolean>((resolve) => {
      let pending = attempts.length
      for (const a of attempts) {
        void a.then((ok) => {
          if (ok) resolve(true)
          else if (--pending === 0) resolve(false)
        })
      }
    })
  }

  private async ping (peer: PeerId, timeoutMs: number): Promise<boolean> {
    try {
      await this.guard(peer.toString(), async () => await this.libp2p.services.ping.ping(peer, { signal: AbortSignal.timeout(timeoutMs) }))
      return true
    } catch {
      return false
    }
  }

  private async indirect (helper: PeerId, target: string): Promise<boolean> {
    try {
      const body = encodeMessage({ v: WIRE_VERSION, t: 'probe', target })
      const res = await this.guard(helper.toString(), async () =>
        await request(this.libp2p, helper, this.protocol, body, { timeoutMs: this.timeoutMs, maxResponseBytes: MAX_PROBE_BYTES }))
      const ack = decodeMessage(res, probeResponseSchema, MAX_PROBE_BYTES)
      return ack.target === target && ack.reachable
    } catch {
      return false
    }
  }
}
