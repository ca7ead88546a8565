/**
 * The escalation benchmark's report (bench-escalation.ts): its results as markdown, with the
 * machine's facts, the command, and each target of issue 5 met or missed (computed, never
 * typed in). Apart from the runs so that what is measured and how it is judged read separately.
 */
import { describeMachine, percentile, stats, type MachineFacts, type Stats } from '@kos/testkit'
import type { EscalationBenchFlags } from './bench-escalation-flags.js'

const TARGET_LATENCY_MS = 200
const TARGET_FAILOVER_MS = 2000
const TARGET_RUN_MIN = 100

/** One escalation of the latency phase: ms from its POST. */
export interface LatencySample { id: string, postMs: number, heldMs: number, deliveredMs: number, deliveredTo: string }

/** One failover trial: ms from the SIGKILL (or SIGSTOP) of j1, and from j1's restart (or SIGCONT) until an escalation reached it again. */
export interface FailoverTrial { id: string, postMs: number, heldByJ2Ms: number, restartToJ1Ms: number }

/** The nothing-lost run: what was POSTed and acknowledged across the kills, and where it ended up. */
export interface RunResult {
  attempts: number
  acknowledged: number
  /** POSTs refused at connect while m1 was down: nothing reached it. */
  refusedPosts: number
  /** Other POSTs without a 200: cut by a kill mid-request (the escalation may have been written), or an error answer. */
  failedPosts: number
  kills: number
  /** Acknowledged ids in at least one authority's inbox. */
  delivered: number
  lost: number
  lostIds: string[]
  /** Acknowledged ids in more than one authority's inbox. */
  duplicates: number
  duplicateIds: string[]
  /** Acknowledged ids m1's outbox no longer holds after the restarts. */
  missingFromOutbox: number
  /** Unacknowledged attempts that were written before the kill and delivered anyway (not a loss). */
  unacknowledgedDelivered: number
  /** Where the acknowledged ones are, by authority name. */
  byAuthority: Record<string, number>
  /** The last POST acknowledged → every acknowledged id in an inbox and none of the run pending on m1. */
  settleMs: number
  restartMs: number[]
}

export interface EscalationResults { latency?: LatencySample[], failover?: FailoverTrial[], frozen?: FailoverTrial[], lost?: RunResult }

export interface ReportInput {
  facts: MachineFacts
  /** The command that reproduces the run (benchCommand). */
  command: string
  wallS: number
  flags: EscalationBenchFlags
  results: EscalationResults
  /** How often the latency phase polls, in ms. */
  pollMs: number
  /** POSTs in flight during the nothing-lost run. */
  inflight: number
}

export function escalationReport ({ facts, command, wallS, flags, results, pollMs, inflight }: ReportInput): string {
  const f = (s: Stats): string => `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)}`
  const verdict = (met: boolean): string => met ? 'met' : 'missed'

  const lines = [
    '### Escalation (issue 5)',
    '',
    describeMachine(facts),
    '',
    `Command: \`${command}\` (${wallS.toFixed(0)} s). Nodes: sender m1, Junzi j1 and j2, Archon a1 on 127.0.0.1, default escalation tunables.`,
    ''
  ]
  const targets: string[] = []
  if (results.latency !== undefined && results.latency.length > 0) {
    const l = results.latency
    const row = (what: string, xs: number[]): string => { const s = stats(xs); return `| ${what} | ${s.n} | ${s.median.toFixed(0)} | ${percentile(xs, 99).toFixed(0)} | ${s.max.toFixed(0)} |` }
    const to = new Map<string, number>()
    for (const x of l) to.set(x.deliveredTo, (to.get(x.deliveredTo) ?? 0) + 1)
    lines.push(
      `Latency: ethics escalations POSTed on m1 one at a time, ${flags.interval} ms apart; times from the POST, polled every ${pollMs} ms. Delivered to: ${[...to].map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      '',
      '| from the POST until | escalations | median ms | p99 ms | max ms |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('the POST is answered (durable in m1\'s outbox)', l.map((x) => x.postMs)),
      row('the authority holds it (its GET /v1/escalations/:id)', l.map((x) => x.heldMs)),
      row('m1\'s outbox shows it delivered (the authority acknowledged)', l.map((x) => x.deliveredMs)),
      ''
    )
    const median = stats(l.map((x) => x.deliveredMs)).median
    targets.push(`| Escalation to an acknowledging authority ≤ ${TARGET_LATENCY_MS} ms median | median ${median.toFixed(0)} ms (m1 shows it delivered) | ${verdict(median <= TARGET_LATENCY_MS)} |`)
  }
  if (results.failover !== undefined && results.failover.length > 0) {
    const fo = results.failover
    lines.push(
      'Failover: SIGKILL j1, POST an ethics escalation on m1 at once; time from the SIGKILL until j2 holds it. j1 is restarted and an escalation reaches it again before the next trial.',
      '',
      '| trials | SIGKILL → j2 holds it ms (min / median / max) | SIGKILL → POST answered ms (median) | j1 restart → first in the route again ms (median) |',
      '| ---: | ---: | ---: | ---: |',
      `| ${fo.length} | ${f(stats(fo.map((x) => x.heldByJ2Ms)))} | ${stats(fo.map((x) => x.postMs)).median.toFixed(0)} | ${stats(fo.map((x) => x.restartToJ1Ms)).median.toFixed(0)} |`,
      ''
    )
    const max = stats(fo.map((x) => x.heldByJ2Ms)).max
    targets.push(`| Failover to the next authority ≤ ${TARGET_FAILOVER_MS} ms after the first is dead | max ${max.toFixed(0)} ms over ${fo.length} trials | ${verdict(max <= TARGET_FAILOVER_MS)} |`)
  }
  if (results.frozen !== undefined && results.frozen.length > 0) {
    const fz = results.frozen
    lines.push(
      `Frozen authority: SIGSTOP j1 (its connections stay open, nothing answers), POST an ethics escalation on m1 at once; time from the SIGSTOP until j2 holds it. m1 finds j1 out by its delivery deadline (escalationDeliveryTimeoutMs) or by membership, not by a refused connection. j1 gets SIGCONT and an escalation reaches it again before the next trial.`,
      '',
      '| trials | SIGSTOP → j2 holds it ms (min / median / max) | SIGSTOP → POST answered ms (median) | j1 SIGCONT → first in the route again ms (median) |',
      '| ---: | ---: | ---: | ---: |',
      `| ${fz.length} | ${f(stats(fz.map((x) => x.heldByJ2Ms)))} | ${stats(fz.map((x) => x.postMs)).median.toFixed(0)} | ${stats(fz.map((x) => x.restartToJ1Ms)).median.toFixed(0)} |`,
      ''
    )
    const max = stats(fz.map((x) => x.heldByJ2Ms)).max
    targets.push(`| Failover to the next authority when the first is frozen (SIGSTOP): measured, no target in issue 5 | max ${max.toFixed(0)} ms over ${fz.length} trials | – |`)
  }
  if (results.lost !== undefined) {
    const r = results.lost
    lines.push(
      `Sender kill -9: ${r.attempts} POSTs on m1 (${inflight} in flight, each attempt a new id) while m1 was SIGKILLed and restarted ${r.kills} times; then every acknowledged id looked up in the authorities' inboxes.`,
      '',
      '| acknowledged | delivered | lost | duplicates | POSTs refused (m1 down) | POSTs cut or failed | unacknowledged, delivered anyway | acknowledged, missing from m1\'s outbox | last POST → all delivered ms | m1 restart ms (median) |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| ${r.acknowledged} | ${r.delivered} | ${r.lost} | ${r.duplicates} | ${r.refusedPosts} | ${r.failedPosts} | ${r.unacknowledgedDelivered} | ${r.missingFromOutbox} | ${Number.isNaN(r.settleMs) ? 'timed out' : r.settleMs.toFixed(0)} | ${stats(r.restartMs).median.toFixed(0)} |`,
      '',
      `Where they are: ${Object.entries(r.byAuthority).map(([k, v]) => `${k} ${v}`).join(', ') || 'nowhere'}.`,
      ''
    )
    const enough = r.acknowledged >= TARGET_RUN_MIN
    targets.push(`| 0 escalations lost across sender kill -9 in a run of ≥ ${TARGET_RUN_MIN} | ${r.lost} lost of ${r.acknowledged} acknowledged, ${r.kills} kills | ${enough ? verdict(r.lost === 0) : `not measured (run of ${r.acknowledged} < ${TARGET_RUN_MIN})`} |`)
  }
  if (targets.length > 0) lines.push('| target (issue 5) | measured | |', '| --- | --- | --- |', ...targets)
  return lines.join('\n')
}
