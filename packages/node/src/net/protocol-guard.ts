/**
 * Refuses peers of another kOS protocol version (protocol-version.ts) as soon as libp2p's
 * identify says which version they speak: one warning a minute per peer naming both versions,
 * and the connection closed, so no gossip, election or audit message of theirs is taken. Such a
 * peer never enters the member table: the sync protocol it would join by is another id, and
 * every message it sends carries its version, which decoding refuses.
 */
import type { IdentifyResult } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { KosLibp2p } from './host.js'
import { peerProtocolVersion, PROTOCOL_VERSION } from './protocol-version.js'

const REPORT_EVERY_MS = 60_000
const MAX_REPORTED = 1024

export class ProtocolVersionGuard {
  private readonly libp2p: KosLibp2p
  private readonly cluster: string
  private readonly log: Logger
  private readonly reported = new Map<string, number>()
  private refusedCount = 0

  constructor (libp2p: KosLibp2p, cluster: string, log: Logger) {
    this.libp2p = libp2p
    this.cluster = cluster
    this.log = log
  }

  /** Peers refused so far (each connection counts). */
  get refused (): number { return this.refusedCount }

  start (): void { this.libp2p.addEventListener('peer:identify', this.onIdentify) }
  stop (): void { this.libp2p.removeEventListener('peer:identify', this.onIdentify) }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const version = peerProtocolVersion(this.cluster, evt.detail.protocols)
    if (version === null || version === PROTOCOL_VERSION) return
    this.refusedCount++
    const peer = evt.detail.peerId.toString()
    const now = Date.now()
    if (now - (this.reported.get(peer) ?? -Infinity) >= REPORT_EVERY_MS) {
      if (this.reported.size >= MAX_REPORTED) this.reported.clear()
      this.reported.set(peer, now)
      this.log.warn({ peer, peerVersion: version, version: PROTOCOL_VERSION, agent: evt.detail.agentVersion },
        `peer speaks kOS protocol version ${version}, this node speaks version ${PROTOCOL_VERSION}: refused (nodes of different versions cannot form one cluster; upgrade every node)`)
    }
    this.libp2p.hangUp(evt.detail.peerId).catch(() => {})
  }
}
