/** The human side of the report: a short table per run, and the violations with their trace. */
import type { RunResult } from './run.js'

const ms = (v: number | null): string => v === null ? '–' : v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}ms`

export function formatReport (r: RunResult): string {
  const s = r.summary
  const m = s.metrics
  const d = m.detectionMs
  const conv = m.convergenceMs.length === 0 ? '–' : m.convergenceMs.map((c) => c.afterMs === null ? 'not converged' : ms(c.afterMs)).join(', ')
  const quietMs = s.audit?.quietMs ?? 0
  const rows: Array<[string, string]> = [
    ['run', `${s.scenario}, ${s.nodes} nodes, ${s.seconds} s simulated${quietMs > 0 ? ` (+ ${quietMs / 1000} s quiet for the audit check)` : ''}, seed ${s.seed}, profile ${s.profile}${s.maxSkewMs > 0 ? `, wall clocks skewed up to ±${s.maxSkewMs} ms` : ''}`],
    ['wall time', `${(r.wallMs / 1000).toFixed(1)} s (${((s.seconds * 1000 + quietMs) / Math.max(1, r.wallMs)).toFixed(1)}× real time)`],
    ['faults', `${s.faults.crashes} crashes, ${s.faults.restarts} restarts, ${s.faults.pauses} pauses, ${s.faults.partitions} partitions`],
    ['detection (crash → dead)', `median ${ms(d.median)}, p99 ${ms(d.p99)}, max ${ms(d.max)} over ${d.count} observations of ${d.crashes} crashes; ${d.undetected} not detected before restart`],
    ['false suspicions', causeLine(m.falseSuspicions)],
    ['false deaths', causeLine(m.falseDeaths)],
    ['convergence after heal', conv],
    ['coordinator', `${m.coordinator.elections} elections, final term ${m.coordinator.finalTerm}, ${ms(m.coordinator.timeWithoutMs)} without (longest ${ms(m.coordinator.longestWithoutMs)})`],
    ['traffic per node', `${m.traffic.msgsSentPerNodePerSec} msg/s, ${(m.traffic.bytesSentPerNodePerSec / 1024).toFixed(1)} KiB/s sent; ${m.traffic.msgsReceivedPerNodePerSec} msg/s, ${(m.traffic.bytesReceivedPerNodePerSec / 1024).toFixed(1)} KiB/s received; busiest sender ${(m.traffic.maxNodeBytesSentPerSec / 1024).toFixed(1)} KiB/s (wire bytes)`],
    ['received per node by kind', Object.entries(m.traffic.byKind).slice(0, 6).map(([k, t]) => `${k} ${(t.receivedBytesPerNodePerSec / 1024).toFixed(1)} KiB/s`).join('; ')],
    ['busiest sender by kind', `node ${m.traffic.busiestSender.node}: ${Object.entries(m.traffic.busiestSender.bytesPerSecByKind).slice(0, 4).map(([k, b]) => `${k} ${(b / 1024).toFixed(1)} KiB/s`).join('; ')}`],
    ['signature checks per node', `${m.traffic.signatureChecksPerNodePerSec}/s, ≈ ${m.traffic.signatureCpuPercent} % of a core`],
    ...auditRows(r),
    ['invariants', s.violations === 0 ? 'all held' : `${s.violations} violation(s)`],
    ['trace', `${s.traceLines} lines, sha256 ${s.traceHash.slice(0, 16)}…`]
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  const lines = rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`)
  for (const v of r.violations) {
    lines.push('', `VIOLATION ${v.invariant} at ${(v.atMs / 1000).toFixed(3)} s: ${v.detail}`, `  seed ${s.seed}, replay: ${r.replay}`, '  last relevant events:')
    for (const t of v.trace) lines.push(`    ${t}`)
  }
  return lines.join('\n')
}

function causeLine (c: { total: number, partition: number, pause: number, restart: number, none: number }): string {
  return `${c.total} (partition ${c.partition}, pause ${c.pause}, restart ${c.restart}, unexplained ${c.none})`
}

function auditRows (r: RunResult): Array<[string, string]> {
  const a = r.summary.audit
  if (a === undefined) return []
  const perNodeSec = r.summary.nodes * (r.summary.seconds + a.quietMs / 1000)
  const kinds = (Object.keys(a.msgs) as Array<keyof typeof a.msgs>).filter((k) => a.msgs[k] > 0)
  const msgs = kinds.reduce((n, k) => n + a.msgs[k], 0)
  const bytes = kinds.reduce((n, k) => n + a.bytes[k], 0)
  return [
    ['audit', `${a.appends} appends, ${a.quorumAcked} acked by a quorum, ${a.quorumTimedOut} quorum timeouts; ${a.stored} entries replicated, ${a.rejected} rejected, ${a.wireRefused} refused by the wire schema; checked after ${a.quietMs / 1000} s quiet`],
    ['audit traffic per node', `${(msgs / perNodeSec).toFixed(2)} msg/s, ${(bytes / perNodeSec / 1024).toFixed(2)} KiB/s sent (${kinds.map((k) => `${k} ${a.msgs[k]} / ${(a.bytes[k] / 1024).toFixed(0)} KiB`).join(', ')})`]
  ]
}
