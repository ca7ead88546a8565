/**
 * The kOS protocol version, and how a peer's is read. Version 2 (issue 17) bounds the voter set
 * and tells non-voters the coordinator by gossiped announcements: a version 1 node would follow
 * no coordinator, vote where it may not and audit every death itself, so the two cannot form one
 * cluster. Rolling upgrades across versions are out of scope; a node of another version must be
 * refused clearly, and never half-admitted (in one table and not in another).
 *
 * Every message carries the version (`v`, wire/messages.ts), and the join and state-sync
 * protocol's id carries it too: libp2p's identify tells each side, as soon as a connection opens,
 * which sync protocol the other speaks, hence its version, before any kOS message is exchanged.
 * Pure.
 */
import { WIRE_VERSION } from '@kos/core'

export const PROTOCOL_VERSION = WIRE_VERSION

/** The join and push/pull state sync protocol of this version. */
export function syncProtocolId (cluster: string): string {
  return `/kos/${cluster}/sync/${PROTOCOL_VERSION}.0.0`
}

/**
 * The kOS protocol version a peer speaks, from the protocols identify reported: the major of its
 * sync protocol for `cluster`, the highest if several; null if it speaks none (not a kOS node of
 * this cluster, or a tool such as a test's peer).
 */
export function peerProtocolVersion (cluster: string, protocols: readonly string[]): number | null {
  const prefix = `/kos/${cluster}/sync/`
  let best: number | null = null
  for (const p of protocols) {
    if (!p.startsWith(prefix)) continue
    const major = Number(p.slice(prefix.length).split('.')[0])
    if (Number.isSafeInteger(major) && major >= 0 && (best === null || major > best)) best = major
  }
  return best
}
