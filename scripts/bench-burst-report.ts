/**
 * The CPU-burst benchmark's report (bench-burst.ts): every trial as markdown and each target of
 * issue 15 met or missed, computed from the trials. Apart from the runs so that what is measured
 * and how it is judged read separately.
 */
import { describeMachine, describeNotHealthy, stats, type CpuBurstResult, type MachineFacts } from '@kos/testkit'

/** Issue 15's targets for each trial. */
export const TARGETS = Object.freeze({
  /** Nodes declared dead. */
  deaths: 0,
  /** Term moves (elections, or election rounds) the burst may cause. */
  termMoves: 1,
  /** From the end of the burst until every node answers GET /v1/health with 200. */
  backTo200Ms: 15_000
})

export interface ReportInput {
  facts: MachineFacts
  command: string
  wallS: number
  nodes: number
  trials: CpuBurstResult[]
}

const verdict = (met: boolean): string => met ? 'met' : 'missed'

/** `n3: 200 ×20, 429 ×108 (machine-cpu: warning)` for each node. */
function healthSeen (t: CpuBurstResult): string {
  return Object.entries(t.health).map(([name, h]) => {
    const codes = Object.entries(h.codes).map(([code, n]) => `${code === '0' ? 'no answer' : code} ×${n}`).join(', ')
    const modes = h.modes.filter((m) => m !== 'normal')
    return `${name}: ${codes}${h.failing.length > 0 ? ` (${h.failing.join(', ')})` : ''}${modes.length > 0 ? `, went ${modes.join(', ')}` : ''}`
  }).join('; ')
}

export function burstReport ({ facts, command, wallS, nodes, trials }: ReportInput): string {
  const first = trials[0]
  const back = trials.map((t) => t.backTo200Ms)
  const reached = back.filter((x): x is number => x !== null)
  const s = stats(reached)
  const dead = trials.filter((t) => t.deaths.length > 0 || t.deathsCounted > 0).length
  const moved = trials.filter((t) => t.termMoves > TARGETS.termMoves).length
  const late = trials.filter((t) => t.backTo200Ms === null || t.backTo200Ms > TARGETS.backTo200Ms).length
  const lines = [
    describeMachine(facts),
    `Command: \`${command}\` (${wallS.toFixed(0)} s). Every node at the defaults: no config key changed.`,
    '',
    `Each trial: ${nodes} nodes on 127.0.0.1 agree on a coordinator and all answer 200; ${first?.hogs ?? '?'} CPU-bound processes that are not nodes (\`node -e\` busy loops) run for ${((first?.burstMs ?? 0) / 1000).toFixed(0)} s beside them, then are killed by pid. Every node's /v1/peers and /v1/coordinator are polled every 250 ms from the start of the burst until every node answers GET /v1/health with 200 in one round (polled every 250 ms after the burst). "Deaths": a peer seen dead in any poll, or counted in kos_member_deaths_total. "Term moves": the highest term any node reported minus the term before.`,
    '',
    '| trial | burst ms | end of burst → every node 200, ms | waiting on (the last round before) | term moves | deaths (seen / counted) | /v1/health during and after the burst |',
    '|---:|---:|---:|---|---:|---|---|'
  ]
  trials.forEach((t, i) => {
    lines.push(`| ${i + 1} | ${t.burstMs} | ${t.backTo200Ms === null ? 'not within the deadline' : t.backTo200Ms} | ${t.waitingOn.map((h) => describeNotHealthy(h, true)).join('; ') || '–'} | ${t.termMoves} (t${t.termBefore} → t${t.termMax}) | ${t.deaths.length} / ${t.deathsCounted} | ${healthSeen(t)} |`)
  })
  lines.push('',
    `Back to 200 over ${trials.length} trials: ${reached.length === 0 ? 'never' : `min ${s.min} / median ${s.median} / max ${s.max} ms`}${reached.length < trials.length ? `; ${trials.length - reached.length} trial(s) never within the deadline` : ''}.`,
    '',
    '| target (each trial) | trials missing it | verdict |',
    '|---|---:|---|',
    `| no node declared dead | ${dead} of ${trials.length} | ${verdict(dead === 0)} |`,
    `| the term moves at most ${TARGETS.termMoves === 1 ? 'once' : `${TARGETS.termMoves} times`} | ${moved} of ${trials.length} | ${verdict(moved === 0)} |`,
    `| every node answers 200 within ${TARGETS.backTo200Ms / 1000} s of the burst's end | ${late} of ${trials.length} | ${verdict(late === 0)} |`)
  return lines.join('\n')
}
