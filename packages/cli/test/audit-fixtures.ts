/**
 * What the audit command tests share: canned audit entries, typed against the CLI's audit types,
 * SSE bodies in awkward shapes, a stub handler that writes a stream in odd-sized pieces, and a
 * poll for a condition (the streaming tests wait on output, never on a fixed time).
 */
import type { ServerResponse } from 'node:http'
import type { AuditEntryView } from '@kos/client'

export const ORIGIN_A = '12D3KooWAuditOriginAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1'
export const ORIGIN_B = '12D3KooWAuditOriginBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2'
const T0 = Date.parse('2025-03-01T10:00:00.000Z')

/** An entry of `origin` at `seq`, its time `seq` seconds after T0; `over` replaces fields. */
export function entry (origin: string, seq: number, over: Partial<AuditEntryView> = {}): AuditEntryView {
  return {
    origin,
    seq,
    lamport: seq * 10,
    ts: T0 + seq * 1000,
    class: 'node',
    type: 'member.join',
    severity: 'info',
    subject: `peer-${seq}`,
    details: { n: seq },
    prev: '0'.repeat(64),
    hash: `${seq}`.padStart(64, 'a'),
    sig: 'c2ln',
    ...over
  }
}

export const e1 = entry(ORIGIN_A, 1)
export const e2 = entry(ORIGIN_B, 1, { class: 'ethics', severity: 'warning', type: 'policy.denied', subject: 'agent-7' })
export const e3 = entry(ORIGIN_A, 2, { severity: 'critical', type: 'disk.full', subject: 'line\nbreak' })
export const e4 = entry(ORIGIN_A, 3, { subject: 'héllo ✓' })

/**
 * Writes an SSE stream in deliberately odd pieces, with pauses so they arrive as separate reads
 * (the pauses pace the writer; no test waits on them). `onWritten` runs once every byte is out.
 */
export function writeChunked (res: ServerResponse, text: string, sizes: number[], end: boolean, onWritten?: () => void): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  res.flushHeaders()
  const bytes = Buffer.from(text, 'utf8')
  let pos = 0
  let i = 0
  const step = (): void => {
    if (res.destroyed) return
    if (pos >= bytes.length) { onWritten?.(); if (end) res.end(); return }
    const size = sizes[i++ % sizes.length] ?? 1
    res.write(bytes.subarray(pos, pos + size))
    pos += size
    setTimeout(step, 1)
  }
  step()
}

/** An SSE body with heartbeats, CRLF and LF lines, a multi-line data field, and an ignored event type. */
export function sseBody (entries: AuditEntryView[]): string {
  let text = ': heartbeat\n\n'
  entries.forEach((e, i) => {
    const json = JSON.stringify(e)
    if (i % 3 === 0) text += `data: ${json}\r\n\r\n`
    else if (i % 3 === 1) text += `: ping\nid: ${i}\ndata:${json.slice(0, 10)}\ndata:${json.slice(10)}\n\n`
    else text += `event: message\ndata: ${json}\n\n`
  })
  return text + 'event: other\ndata: {"not":"an entry"}\n\n: bye\n'
}
/** Polls `condition` every 5 ms; throws naming `what` after 5 s. */
export async function until (condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}
