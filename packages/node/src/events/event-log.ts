/**
 * How the node logs the events of its single event path: one line per event, at a level that
 * says how much it matters (a death, a refutation, a tamper attempt warn; joins inform).
 */
import type { Logger } from 'pino'
import type { KosEvent } from './kos-event.js'

export function logEvent (log: Logger, e: KosEvent): void {
  if (e.type === 'coordinator:elected' || e.type === 'coordinator:stepped-down' || e.type === 'coordinator:lost') {
    const { type, ...fields } = e
    log.info({ event: type, ...fields }, type)
  } else if (e.type === 'node:stalled') {
    log.warn({ event: e.type, stallMs: Math.round(e.stallMs) }, 'own event loop stalled; holding back suspicions')
  } else if (e.type === 'audit:tamper') {
    log.warn({ event: e.type, from: e.from, origin: e.origin, seq: e.seq, reason: e.reason, suppressed: e.suppressed }, 'invalid audit entry rejected')
  } else if (e.type === 'authority:claim-refused') {
    log.warn({ event: e.type, peer: e.peerId, name: e.name, claimed: e.claimed }, 'role claim refused: the peer is not a designated authority')
  } else if (e.type === 'member:refuted') {
    log.warn({ event: e.type, claim: e.claim, by: e.by, incarnation: e.incarnation }, 'refuted a claim about this node')
  } else if ('member' in e) {
    const level = e.type === 'member:dead' || e.type === 'member:suspect' ? 'warn' : 'info'
    log[level]({ event: e.type, peer: e.member.peerId, name: e.member.name, incarnation: e.member.incarnation }, e.type)
  } else {
    // escalation:*, agent:*, healing:detected and node:mode events
    const { type, ...fields } = e
    const warn = type === 'escalation:undelivered' || type === 'healing:detected' || type === 'agent:failed' || type === 'agent:quarantined' || type === 'node:mode'
    log[warn ? 'warn' : 'info']({ event: type, ...fields }, type)
  }
}
