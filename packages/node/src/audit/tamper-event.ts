/**
 * The audit log's own events: an entry from a peer failed verification (bad hash, signature,
 * chain) or forked a chain. Emitted by the audit service (rate-limited) and, like every event,
 * appended to the log by the one audit reaction (reactions/record-in-audit.ts).
 */
export type AuditEvent = {
  type: 'audit:tamper'
  /** The peer that sent the entry. */
  from: string
  origin: string | null
  seq: number | null
  reason: string
  /** Tamper events dropped by the rate limit since the last one emitted. */
  suppressed: number
}
