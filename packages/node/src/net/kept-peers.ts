/**
 * The peers a node keeps connections to (docs/design/membership.md, "Connections"): its ring
 * neighbours (the monitors its heartbeats go to, and the members it monitors: their connection
 * closing starts a probe), and the voters while it votes or coordinates (heartbeats ten times a
 * second, and an election must not wait for dials). Every other connection serves an exchange
 * now and then and is closed once idle (connection-trim.ts).
 *
 * The gossip mesh needs no connections of its own: gossipsub grafts its mesh peers among the
 * connected ones, so once the idle connections are gone the mesh lies on the ring, whose
 * connections reach every member. A non-voter keeps none to the voters: each of them would
 * then hold one to every member.
 */
export interface KeptPeerSources {
  /** This node's monitors and the members it monitors; null when monitors are not bounded (every member is watched). */
  ring: () => readonly string[] | null
  /** The election's view, once it runs. */
  election: () => { selfId: string, voters: readonly string[], coordinatorId: string | null } | undefined
}

/** The kept set; null while every connection is kept (monitors not bounded). */
export function keptPeers (s: KeptPeerSources): Set<string> | null {
  const ring = s.ring()
  if (ring === null) return null
  const keep = new Set(ring)
  const e = s.election()
  if (e !== undefined && (e.voters.includes(e.selfId) || e.coordinatorId === e.selfId)) {
    for (const v of e.voters) keep.add(v)
    if (e.coordinatorId !== null) keep.add(e.coordinatorId)
    keep.delete(e.selfId)
  }
  return keep
}
