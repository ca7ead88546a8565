/**
 * Who counts as an authority, and where an escalation goes (issue #5). Pure functions.
 *
 * - A peer is an authority only if the config's `authorities` names its peer id, and its own
 *   role label (heartbeat, or `--role` for this node) is the designated role: a heartbeat claim
 *   alone counts for nothing, and a designated node started with another label does not count.
 * - The delivery plan follows the class's route chain (e.g. junzi → archon → operators): each
 *   role's designated peers, live ones with a closed breaker first, then the webhooks. The
 *   shell tries the plan in order and stops at the first target that acknowledges: failover.
 */
import type { Authorities, EscalationClass, EscalationRouting, OperatorWebhook } from './authorities.js'

export type AuthorityRole = 'junzi' | 'archon'
export type { Authorities }
export type Routing = EscalationRouting

/** The role `authorities` designates for a peer id, or null. */
export function designatedRole (peerId: string, authorities: Authorities): AuthorityRole | null {
  if (authorities.junzi.includes(peerId)) return 'junzi'
  if (authorities.archon.includes(peerId)) return 'archon'
  return null
}

/** The authority a peer counts as: designated, and its label agrees (a null label is not yet known: it counts). */
export function authorityOf (peerId: string, label: string | null, authorities: Authorities): AuthorityRole | null {
  const role = designatedRole(peerId, authorities)
  return role !== null && (label === null || label === role) ? role : null
}

/** A role claimed in a heartbeat that the designation does not back: to be refused and audited. */
export function refusedClaim (peerId: string, label: string, authorities: Authorities): AuthorityRole | null {
  if (label !== 'junzi' && label !== 'archon') return null
  return designatedRole(peerId, authorities) === label ? null : label
}

export type Target =
  | { kind: 'peer', key: string, peerId: string, role: AuthorityRole }
  | { kind: 'webhook', key: string, url: string, secret: string }

export interface PlanView {
  self: string
  /** Whether membership holds the peer alive now. */
  isAlive: (peerId: string) => boolean
  /** The peer's role label from its heartbeats, or null if none arrived yet. */
  labelOf: (peerId: string) => string | null
  /** Whether the target's breaker is open (skipped until half-open). */
  isBroken: (key: string) => boolean
}

export function peerTargetKey (peerId: string): string { return `peer:${peerId}` }
export function webhookTargetKey (url: string): string { return `webhook:${url}` }
/** The peer id of a peer target's key, or null for a webhook's. */
export function peerOfTargetKey (key: string): string | null { return key.startsWith('peer:') ? key.slice('peer:'.length) : null }

/**
 * The ordered targets of one delivery attempt of an escalation of class `cls`. Within a role,
 * alive peers with a closed breaker come first (in designation order), then the others, which
 * are still tried last: membership may be behind. Self is never a target. `route`, when the
 * escalation carries one, replaces the class's routing.
 */
export function deliveryPlan (cls: EscalationClass, cfg: { authorities: Authorities, escalationRouting: EscalationRouting, operatorWebhooks: readonly OperatorWebhook[] }, view: PlanView, route?: ReadonlyArray<'junzi' | 'archon' | 'operators'>): Target[] {
  const out: Target[] = []
  for (const step of route ?? cfg.escalationRouting[cls]) {
    if (step === 'operators') {
      const hooks = cfg.operatorWebhooks.map((w): Target => ({ kind: 'webhook', key: webhookTargetKey(w.url), url: w.url, secret: w.secret }))
      out.push(...hooks.filter((t) => !view.isBroken(t.key)), ...hooks.filter((t) => view.isBroken(t.key)))
      continue
    }
    const peers = cfg.authorities[step]
      .filter((id) => id !== view.self && authorityOf(id, view.labelOf(id), cfg.authorities) === step)
      .map((id): Target => ({ kind: 'peer', key: peerTargetKey(id), peerId: id, role: step }))
    const good = (t: Target): boolean => t.kind === 'peer' && view.isAlive(t.peerId) && !view.isBroken(t.key)
    out.push(...peers.filter(good), ...peers.filter((t) => !good(t)))
  }
  return out
}

/** Where a target's deliveries show in `deliveredTo`: the peer id or the webhook URL. */
export function targetName (t: Target): string {
  return t.kind === 'peer' ? t.peerId : t.url
}
