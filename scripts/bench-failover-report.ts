/**
 * The failover benchmark's report (bench-failover.ts): its rounds as markdown, a summary per
 * cluster size, and each target of issue 15 met or missed (computed, never typed in). Apart
 * from the runs so that what is measured and how it is judged read separately.
 */
import { describeMachine, stats, type MachineFacts, type Stats } from '@kos/testkit'

/** Issue 15's targets, per cluster size, over its rounds. */
export const TARGETS = Object.freeze({
  /** Rounds in which the returning node moved the term. */
  returnMovedTerm: 0,
  /** Rounds that needed a second election round, per 20 rounds. */
  secondRoundPer20: 1,
  medianMs: 1000,
  maxMs: 1500
})

/** One round: SIGKILL the coordinator, a new one agreed, the killed node restarted and settled. */
export interface Round {
  victim: string
  /** The coordinator's term before the kill, after the failover, and once the returning node settled. */
  oldTerm: number
  failoverTerm: number
  returnTerm: number
  /** Who coordinates after the failover, and once the returning node settled. */
  failoverCoordinator: string
  returnCoordinator: string
  /** SIGKILL → first survivor answer naming a new coordinator. */
  electedMs: number
  /** SIGKILL → every survivor names the same new coordinator in the same term. */
  allAgreeMs: number
  /** The failover's term is more than one above the old: at least one election round failed. */
  secondRound: boolean
  /** Some node reported a term above the failover's while the killed node returned. */
  returnMovedTerm: boolean
  /** The highest term any node reported from the restart until settled and held. */
  returnMaxTerm: number
  /** Restart of the killed node → settled again (all agree, N voters, all alive). */
  resettleMs: number
  /** Election events of the nodes while the term moved (name, event, term, reason), when it did. */
  returnEvents: string[]
  /** Election events of the survivors from the kill, when the failover needed a second round. */
  failoverEvents: string[]
}

export interface SizeResult { n: number, rounds: Round[] }

export interface ReportInput {
  facts: MachineFacts
  command: string
  wallS: number
  holdMs: number
  results: SizeResult[]
}

const f = (s: Stats): string => `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)}`
const verdict = (met: boolean): string => met ? 'met' : 'missed'

export function failoverReport ({ facts, command, wallS, holdMs, results }: ReportInput): string {
  const lines = [
    describeMachine(facts),
    `Command: \`${command}\` (${wallS.toFixed(0)} s). Default election timings unless the command names a profile.`,
    '',
    `Each round: SIGKILL the coordinator; time until every survivor names one new coordinator in one term (polled every 20 ms); restart the killed node on its data directory at once and watch every node's term until all N agree, hold N voters and see each other alive, and for ${holdMs} ms more. "Second round": the failover's term is more than one above the old. "Return moved the term": any node reported a term above the failover's while the killed node came back.`,
    '',
    '| N | rounds | SIGKILL → all survivors agree ms (min / median / max) | SIGKILL → first survivor names it ms (min / median / max) | second election round | return moved the term | restart → settled ms (median) |',
    '|---|---|---|---|---|---|---|'
  ]
  for (const r of results) {
    const all = stats(r.rounds.map((x) => x.allAgreeMs))
    const first = stats(r.rounds.map((x) => x.electedMs))
    lines.push(`| ${r.n} | ${r.rounds.length} | ${f(all)} | ${f(first)} | ${count(r.rounds, (x) => x.secondRound)} | ${count(r.rounds, (x) => x.returnMovedTerm)} | ${stats(r.rounds.map((x) => x.resettleMs)).median.toFixed(0)} |`)
  }
  for (const r of results) {
    lines.push('', `Rounds at N = ${r.n}:`, '',
      '| round | killed | terms (before → failover → returned) | all agree ms | first names it ms | second round | return moved the term | coordinator after the return | restart → settled ms |',
      '|---:|---|---|---:|---:|---|---|---|---:|')
    r.rounds.forEach((x, i) => {
      lines.push(`| ${i + 1} | ${x.victim} | t${x.oldTerm} → t${x.failoverTerm} → t${x.returnTerm} | ${x.allAgreeMs.toFixed(0)} | ${x.electedMs.toFixed(0)} | ${x.secondRound ? 'yes' : 'no'} | ${x.returnMovedTerm ? `yes (t${x.returnMaxTerm})` : 'no'} | ${x.returnCoordinator} | ${x.resettleMs.toFixed(0)} |`)
    })
    const moved = r.rounds.map((x, i) => ({ x, i })).filter(({ x }) => x.returnMovedTerm)
    for (const { x, i } of moved) lines.push('', `Round ${i + 1}, the term moved while ${x.victim} returned: ${x.returnEvents.join('; ') || 'no election events logged'}`)
    const second = r.rounds.map((x, i) => ({ x, i })).filter(({ x }) => x.secondRound)
    for (const { x, i } of second) lines.push('', `Round ${i + 1}, a second election round after ${x.victim} was killed: ${x.failoverEvents.join('; ') || 'no election events logged'}`)
  }
  lines.push('', '| target (issue 15) | measured | |', '| --- | --- | --- |')
  for (const r of results) {
    const n = r.rounds.length
    const all = stats(r.rounds.map((x) => x.allAgreeMs))
    const moved = r.rounds.filter((x) => x.returnMovedTerm).length
    const second = r.rounds.filter((x) => x.secondRound).length
    lines.push(
      `| N = ${r.n}: the returning node moves the term in ${TARGETS.returnMovedTerm} rounds | ${moved} of ${n} | ${verdict(moved <= TARGETS.returnMovedTerm)} |`,
      `| N = ${r.n}: a second election round in ≤ ${TARGETS.secondRoundPer20} of 20 rounds | ${second} of ${n} | ${verdict(second * 20 <= TARGETS.secondRoundPer20 * n)} |`,
      `| N = ${r.n}: failover (SIGKILL → all survivors agree) median ≤ ${TARGETS.medianMs} ms, max ≤ ${TARGETS.maxMs} ms | median ${all.median.toFixed(0)} ms, max ${all.max.toFixed(0)} ms over ${n} rounds | ${verdict(all.median <= TARGETS.medianMs && all.max <= TARGETS.maxMs)} |`
    )
  }
  return lines.join('\n')
}

function count (rounds: Round[], p: (r: Round) => boolean): string {
  return `${rounds.filter(p).length} of ${rounds.length}`
}
