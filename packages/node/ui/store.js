// The dashboard's state and how each thing the node says changes it: a snapshot of the API's
// GET routes on load (and after a reset), then the events of GET /v1/events. Pure functions of
// (state, input, now): no DOM, no fetch, so a unit test runs them in Node
// (packages/node/test/ui-store.test.ts). `now` is the browser's Date.now().

/** How far back a member's phi sparkline goes. */
export const PHI_WINDOW_MS = 3 * 60_000
/** Audit entries kept for the tail. */
export const AUDIT_KEEP = 300
/** Elections kept for the timeline. */
export const TIMELINE_KEEP = 30

export function initialState () {
  return { node: null, members: {}, coordinator: null, elections: [], agents: [], inbox: [], outbox: [], audit: [], health: null }
}

/** A member row from a PeerInfo (GET /v1/peers, a member event) or a PeerSample (peers:sample). */
function memberFrom (p, now, prev, self) {
  const health = p.health ?? null
  const zone = health !== null && typeof health.zone === 'string' ? health.zone : prev?.zone ?? null
  return {
    peerId: p.peerId,
    name: p.name,
    role: p.role,
    state: p.state,
    phi: p.phi ?? null,
    ageMs: p.lastHeartbeatAgeMs ?? null,
    ageAt: now,
    mode: p.mode ?? health?.mode ?? prev?.mode ?? null,
    cpuPercent: p.cpuPercent ?? health?.cpuPercent ?? prev?.cpuPercent ?? null,
    rssBytes: p.rssBytes ?? health?.rssBytes ?? prev?.rssBytes ?? null,
    zone,
    authority: p.authority ?? prev?.authority ?? null,
    self,
    history: prev?.history ?? []
  }
}

function withPoint (history, now, phi) {
  const kept = history.filter((h) => h.t > now - PHI_WINDOW_MS)
  kept.push({ t: now, phi })
  return kept
}

/** This node's own row, from GET /v1/node. */
function selfFrom (node, now, prev) {
  return memberFrom({ peerId: node.peerId, name: node.name, role: node.role, state: 'alive', phi: null, lastHeartbeatAgeMs: null, mode: node.mode }, now, prev, true)
}

/**
 * Replaces what a snapshot holds. `snap` has any of node, peers (GET /v1/peers), coordinator,
 * agents, inbox, outbox, audit (entries, oldest first), health; a part that failed to load is
 * absent and keeps its old value. Members keep their phi history across snapshots. (The page
 * itself takes the health from the samples: GET /v1/health's 429 and 503 would show in the
 * browser's console as failed loads.)
 */
export function withSnapshot (state, snap, now) {
  const next = { ...state }
  if (snap.node !== undefined) next.node = snap.node
  if (snap.peers !== undefined) {
    const members = {}
    const node = next.node
    if (node !== null) members[node.peerId] = selfFrom(node, now, state.members[node.peerId])
    for (const p of snap.peers.peers) members[p.peerId] = memberFrom(p, now, state.members[p.peerId], false)
    next.members = members
  } else if (snap.node !== undefined && next.node !== null) {
    next.members = { ...state.members, [next.node.peerId]: selfFrom(next.node, now, state.members[next.node.peerId]) }
  }
  if (snap.coordinator !== undefined) next.coordinator = snap.coordinator
  if (snap.agents !== undefined) next.agents = snap.agents.agents
  if (snap.inbox !== undefined) next.inbox = snap.inbox.escalations
  if (snap.outbox !== undefined) next.outbox = snap.outbox.escalations
  if (snap.health !== undefined) next.health = snap.health
  if (snap.audit !== undefined) {
    const entries = snap.audit.slice(-AUDIT_KEEP)
    next.audit = entries.reverse()
    const self = next.node?.peerId
    next.elections = snap.audit.filter((e) => isElection(e, self)).slice(-TIMELINE_KEEP).map(electionOf).reverse()
  }
  return next
}

/** A `peers:sample`: every member's numbers now, a point on each phi sparkline, and this node's health checks. */
export function withSample (state, sample, now) {
  const members = {}
  const self = sample.self
  members[self.peerId] = { ...memberFrom(self, now, state.members[self.peerId], true), history: [] }
  for (const p of sample.peers) {
    const prev = state.members[p.peerId]
    const row = memberFrom(p, now, prev, false)
    // A dead or left member has no phi: its line stops where it was, rather than falling to 0.
    row.history = p.phi === null || p.phi === undefined ? (prev?.history ?? []) : withPoint(prev?.history ?? [], now, p.phi)
    members[p.peerId] = row
  }
  const node = state.node === null ? null : { ...state.node, mode: self.mode ?? state.node.mode }
  return { ...state, node, members, health: sample.health ?? state.health }
}

/** One event of the stream (not hello or reset). */
export function withEvent (state, type, data, now) {
  if (type.startsWith('member:') && data.member !== undefined) {
    const p = data.member
    const members = { ...state.members }
    if (type === 'member:removed') delete members[p.peerId]
    else {
      const prev = members[p.peerId]
      const row = memberFrom(p, now, prev, false)
      row.history = p.phi === null || p.phi === undefined ? row.history : withPoint(row.history, now, p.phi)
      members[p.peerId] = row
    }
    return { ...state, members }
  }
  if (type === 'node:mode' && state.node !== null) {
    const node = { ...state.node, mode: data.to }
    const me = state.members[node.peerId]
    return { ...state, node, members: me === undefined ? state.members : { ...state.members, [node.peerId]: { ...me, mode: data.to } } }
  }
  if (type === 'audit:entry') {
    // Newest first by the writer's time: a replicated entry may arrive after a newer local one.
    const audit = [data, ...state.audit].sort((x, y) => y.ts - x.ts).slice(0, AUDIT_KEEP)
    const elections = isElection(data, state.node?.peerId) ? [electionOf(data), ...state.elections].slice(0, TIMELINE_KEEP) : state.elections
    return { ...state, audit, elections }
  }
  return state
}

/** What to fetch again after an event whose effect the event itself does not carry. */
export function refetchesFor (type) {
  const noun = type.slice(0, type.indexOf(':'))
  const parts = []
  if (noun === 'coordinator') parts.push('coordinator')
  if (noun === 'escalation') parts.push('inbox', 'outbox')
  if (noun === 'agent' || noun === 'healing') parts.push('agents')
  if (type === 'member:join' || type === 'member:dead' || type === 'member:left') parts.push('coordinator')
  return parts
}

/** A member's heartbeat age now: the age it had when last told, plus the time since. */
export function ageNow (member, now) {
  return member.ageMs === null ? null : member.ageMs + (now - member.ageAt)
}

/** Members in display order: this node first, then by name. */
export function sortedMembers (state) {
  return Object.values(state.members).sort((a, b) => (a.self === b.self ? a.name.localeCompare(b.name) || a.peerId.localeCompare(b.peerId) : a.self ? -1 : 1))
}

/** Counts by state, for the summary line. */
export function stateCounts (state) {
  const counts = { alive: 0, suspect: 0, dead: 0, left: 0 }
  for (const m of Object.values(state.members)) counts[m.state] = (counts[m.state] ?? 0) + 1
  return counts
}

/** Whether an audit entry matches the tail's filter: every word appears in its type, class, severity, subject, origin or their names. */
export function auditMatches (entry, filter, nameOf) {
  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== '')
  if (words.length === 0) return true
  const text = [entry.type, entry.class, entry.severity, entry.subject, entry.origin, nameOf(entry.subject), nameOf(entry.origin)].join(' ').toLowerCase()
  return words.every((w) => text.includes(w))
}

/** Elections as this node recorded them (its own audit entries of the coordinator class). */
function isElection (entry, self) {
  return entry.class === 'coordinator' && (self === undefined || entry.origin === self)
}

function electionOf (entry) {
  return { ts: entry.ts, type: entry.type, subject: entry.subject, term: entry.details?.term ?? entry.details?.lostTerm ?? null, reason: entry.details?.reason ?? null }
}
