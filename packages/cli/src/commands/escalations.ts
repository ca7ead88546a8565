/**
 * `kos escalations [id] [--box inbox|outbox] [--status s]`: the node's escalations (issue #5),
 * newest first: its outbox (what it escalated, and to whom it was delivered) or, on an
 * authority, its inbox; or one escalation in detail. `kos escalations ack|resolve <id>` is for an
 * authority's operators (needs the API token). GET /v1/escalations[/:id], POST …/:id/ack|resolve.
 */

import { Option } from 'commander'
import type { Command } from 'commander'
import { UsageError, type EscalationDetail } from '@kos/client'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { renderTable, shortPeerId } from '../table.js'
import { resolveToken } from '../token.js'
import { addApiOptions, addTokenOptions, printJson, withClient } from './api-options.js'
import type { ApiOptions } from './api-options.js'

export const ESCALATION_STATUSES = ['pending', 'delivered', 'acked', 'resolved'] as const
export const ESCALATIONS_HEADER = ['CREATED', 'ID', 'CLASS', 'SEVERITY', 'STATUS', 'DELIVERED TO', 'ORIGIN', 'SUMMARY'] as const

export interface EscalationsOptions extends ApiOptions {
  box: 'inbox' | 'outbox'
  status?: string
  /** `[id]`, or `ack`/`resolve` followed by the id. */
  args: string[]
  tokenFile?: string
  data?: string
}

function clean (s: string, max = 60): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, ' ')
  return t.length > max ? `${t.slice(0, max - 1)}…` : t
}

function target (to: string | null): string {
  if (to === null) return '-'
  return to.startsWith('http') ? clean(to, 40) : shortPeerId(to)
}

function describe (e: EscalationDetail): string[] {
  return [
    `ID:           ${e.id}`,
    `Box:          ${e.box}`,
    `Class:        ${e.class}`,
    `Severity:     ${e.severity}`,
    `Status:       ${e.status}`,
    `Subject:      ${clean(e.subject, 200)}`,
    `Summary:      ${clean(e.summary, 500)}`,
    `Origin:       ${e.origin}`,
    `Delivered to: ${e.deliveredTo ?? '-'}`,
    `By:           ${e.by ?? '-'}`,
    `Attempts:     ${e.attempts ?? '-'}${e.lastError === null ? '' : ` (last error: ${clean(e.lastError, 200)})`}`,
    `Evidence:     ${e.evidence.length === 0 ? '-' : e.evidence.map((r) => `${shortPeerId(r.origin)}#${r.seq}`).join(', ')}`,
    `Created:      ${e.createdAt}`,
    `Updated:      ${e.updatedAt}`
  ]
}

export async function runEscalations (options: EscalationsOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const [first, second, ...rest] = options.args
    if (first === 'ack' || first === 'resolve') {
      if (second === undefined || rest.length > 0) throw new UsageError(`kos escalations ${first} takes exactly one escalation id`)
      const token = await resolveToken({ tokenFile: options.tokenFile, data: options.data })
      const e = await client.advanceEscalation(second, first, token)
      if (options.json) printJson(io, e)
      else io.out(`${e.id}: ${e.status}`)
      return ExitCode.ok
    }
    if (second !== undefined) throw new UsageError('kos escalations takes at most one escalation id (or ack|resolve <id>)')
    if (first !== undefined) {
      const e = await client.escalation(first)
      if (options.json) printJson(io, e)
      else for (const line of describe(e)) io.out(line)
      return ExitCode.ok
    }
    const res = await client.escalations({ box: options.box, ...(options.status === undefined ? {} : { status: options.status }) })
    if (options.json) { printJson(io, res); return ExitCode.ok }
    const rows = res.escalations.map((e) => [
      e.createdAt, clean(e.id, 40), e.class, e.severity, e.status, target(e.deliveredTo), shortPeerId(e.origin), clean(e.summary)
    ])
    for (const line of renderTable(ESCALATIONS_HEADER, rows)) io.out(line)
    return ExitCode.ok
  })
}

export function registerEscalations (program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program.command('escalations')
    .description('list the node\'s escalations (outbox, or an authority\'s inbox), show one, or ack|resolve one')
    .argument('[args...]', '[id] to show one, or ack <id> / resolve <id> (authorities, needs the API token)')
    .addOption(new Option('--box <box>', 'which box to list').choices(['inbox', 'outbox']).default('outbox'))
    .addOption(new Option('--status <status>', 'only escalations in this status').choices(ESCALATION_STATUSES))
  addApiOptions(addTokenOptions(command)).action(async (args: string[], flags: Omit<EscalationsOptions, 'args'>) => {
    setExit(await runEscalations({ ...flags, args }, io))
  })
}
