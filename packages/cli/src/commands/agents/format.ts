/**
 * How `kos agents` shows supervised agents (issue 6): the table, one agent in detail, and the
 * cells both use. Pure functions of the API's AgentInfo and the wall-clock time `nowMs`, which
 * the caller passes so that ages ("3m ago") are testable.
 */

import type { AgentInfo } from '@kos/client'
import { formatBytes, formatDuration, listRows, NONE, renderColumns, renderTable, shortPeerId } from '../../table.js'

export const AGENTS_HEADER = ['NAME', 'STATE', 'READY', 'PID', 'RESTARTS', 'LAST EXIT', 'PROBE', 'FLAGS', 'REASON'] as const

/** The REASON column's width: a table row should still fit a terminal; the detail view has it whole. */
const REASON_MAX = 40
const PROBE_KINDS = ['startup', 'liveness', 'readiness'] as const

/** The agents as table lines, sorted by name. */
export function agentsTable (agents: readonly AgentInfo[], nowMs: number): string[] {
  const sorted = [...agents].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  return renderTable(AGENTS_HEADER, sorted.map(a => [
    clean(a.name),
    a.state,
    a.ready ? 'yes' : 'no',
    a.pid === null ? NONE : String(a.pid),
    String(a.restarts),
    formatLastExit(a.lastExit, nowMs),
    formatProbe(a.probes),
    formatFlags(a),
    clean(a.reason, REASON_MAX) || NONE
  ]))
}

/** One agent as aligned `Key: value` lines: every AgentInfo field. */
export function describeAgent (a: AgentInfo, nowMs: number): string[] {
  const q = a.quarantine
  const rows: string[][] = [
    ['Name:', clean(a.name)],
    ['State:', a.state],
    ['Reason:', clean(a.reason, 500) || NONE],
    ['Source:', a.source === 'api' ? 'api (POST /v1/agents)' : a.source === 'service' ? 'service instance (kos services)' : 'config'],
    ['Command:', clean([a.command, ...a.args].join(' '), 500)],
    ['PID:', a.pid === null ? NONE : String(a.pid)],
    ['Ready:', a.ready ? 'yes' : 'no'],
    ['Restarts:', String(a.restarts)],
    ['Last exit:', a.lastExit === null ? NONE : `${formatLastExit(a.lastExit, nowMs)} (${a.lastExit.at})`],
    ['Critical:', a.critical ? 'yes' : 'no'],
    ['Essential:', a.essential ? 'yes' : 'no'],
    ['Safe mode:', a.safeMode ? 'yes' : 'no'],
    ['Quarantine:', q === null ? NONE : `by ${q.by} (seq ${q.seq}) ${ago(q.at, nowMs)}: ${clean(q.reason, 500)}`],
    ...listRows('Probes:', PROBE_KINDS.flatMap(kind => {
      const p = a.probes[kind]
      return p === undefined ? [] : [`${kind}: ${p.outcome} ${ago(p.at, nowMs)}${p.detail === '' ? '' : ` (${clean(p.detail, 200)})`}`]
    })),
    ['Memory:', formatMemory(a.memory)],
    ['CPU:', a.cpu.limitPercent === null ? 'no limit' : `limit ${a.cpu.limitPercent} % (${a.cpu.enforcement})`],
    ['Errors:', `${formatRate(a.errors.lastRatePerMin)}/min (baseline ${formatRate(a.errors.baselinePerMin)}/min)` +
      (a.errors.spiking ? ', spiking' : '')],
    ['Logs:', `${a.logDir} (stdout.log, stderr.log)`]
  ]
  return renderColumns(rows)
}

/** `code 1 3m ago`, `SIGKILL 5s ago`; `-` when it never exited. */
export function formatLastExit (exit: AgentInfo['lastExit'], nowMs: number): string {
  if (exit === null) return NONE
  const how = exit.signal !== null ? exit.signal : exit.code !== null ? `code ${exit.code}` : 'exited'
  return `${how} ${ago(exit.at, nowMs)}`
}

/**
 * The latest of the liveness and startup outcomes, which are the ones that restart an agent
 * (readiness only takes it out of service, and READY shows that): `liveness failure`.
 */
export function formatProbe (probes: AgentInfo['probes']): string {
  const runs = (['liveness', 'startup'] as const)
    .flatMap(kind => { const p = probes[kind]; return p === undefined ? [] : [{ kind, ...p }] })
    .sort((x, y) => Date.parse(y.at) - Date.parse(x.at))
  const last = runs[0]
  return last === undefined ? NONE : `${last.kind} ${last.outcome}`
}

/** `critical,essential,safe-mode,quarantined by 12D3Ko…x7Yq2a`; `-` for none. */
export function formatFlags (a: AgentInfo): string {
  const flags: string[] = []
  if (a.critical) flags.push('critical')
  if (a.essential) flags.push('essential')
  if (a.safeMode) flags.push('safe-mode')
  if (a.quarantine !== null) flags.push(`quarantined by ${shortPeerId(a.quarantine.by)}`)
  return flags.length === 0 ? NONE : flags.join(',')
}

function formatMemory (m: AgentInfo['memory']): string {
  const limit = m.limitMb === null ? 'no limit' : `limit ${formatBytes(m.limitMb * 1024 * 1024)}`
  const enforced = m.enforcement === 'none' ? '' : ` (${m.enforcement})`
  return `${formatBytes(m.rssBytes)} RSS, ${limit}${enforced}`
}

/** Rates are averages, so one decimal is all the precision they have. */
function formatRate (perMin: number): string {
  return perMin.toFixed(1).replace(/\.0$/, '')
}

/** `3m ago` from an ISO time; the text itself if it is not one (an API bug should still show). */
function ago (at: string, nowMs: number): string {
  const t = Date.parse(at)
  return Number.isNaN(t) ? at : `${formatDuration(nowMs - t)} ago`
}

/** Control characters (a newline in a reason) would break a row; long text is cut with `…`. */
function clean (s: string, max = Infinity): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, ' ')
  return [...t].length > max ? `${[...t].slice(0, max - 1).join('')}…` : t
}
