/**
 * One human line per event of `kos monitor`: the time it arrived, the type,
 * and what matters about it. Pure: the command prints what these return.
 */
import type { StreamMessage } from '@kos/client'
import { formatPhi, shortPeerId } from '../table.js'

/** `12:03:27.041`, the local time an event arrived. */
export function clockTime (date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`
}

const str = (v: unknown): string => typeof v === 'string' ? v : v === undefined || v === null ? '-' : JSON.stringify(v)
/** A peer id shortened as `kos peers` does; anything else as it is. */
const peer = (v: unknown): string => typeof v === 'string' && v.startsWith('12D3Koo') ? shortPeerId(v) : str(v)

/** The words after the type: the member, agent, escalation or entry it is about, and how. */
export function eventSummary (type: string, data: Record<string, unknown>): string {
  const m = data.member as Record<string, unknown> | undefined
  if (m !== undefined && type.startsWith('member:')) {
    const phi = typeof m.phi === 'number' ? ` phi ${formatPhi(m.phi)}` : ''
    const by = data.by === undefined ? '' : ` by ${peer(data.by)}`
    return `${str(m.name)} (${peer(m.peerId)}) ${str(m.state)}${phi} incarnation ${str(m.incarnation)}${by}`
  }
  if (type === 'audit:entry') {
    return `${peer(data.origin)}/${str(data.seq)} ${str(data.class)} ${str(data.severity)} ${str(data.type)} ${peer(data.subject)}`
  }
  if (type === 'coordinator:elected') return `${peer(data.coordinatorId)} term ${str(data.term)}`
  // The rest: each field but the type, as key=value, peer ids shortened.
  return Object.entries(data)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.map(peer).join(',') : peer(v)}`)
    .join(' ')
}

/** The line for one event. */
export function eventLine (msg: StreamMessage, at: Date): string {
  return `${clockTime(at)}  ${msg.type.padEnd(22)} ${eventSummary(msg.type, msg.data)}`.trimEnd()
}
