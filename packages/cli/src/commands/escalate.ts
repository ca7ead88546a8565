/**
 * `kos escalate --class … --severity … --summary … [--subject] [--id]`: escalates to the
 * authorities the routing policy names for the class (POST /v1/escalations, issue #5). The node
 * answers once the escalation is durable in its outbox; delivery follows (`kos escalations`).
 */

import { Option } from 'commander'
import type { Command } from 'commander'
import { UsageError, type EscalationRequest } from '@kos/client'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { resolveToken } from '../token.js'
import { addApiOptions, addTokenOptions, printJson, withClient } from './api-options.js'
import type { ApiOptions } from './api-options.js'

export const ESCALATION_CLASSES = ['ethics', 'node', 'network', 'resource', 'agent'] as const
export const ESCALATION_SEVERITIES = ['info', 'notice', 'warning', 'error', 'critical'] as const

export interface EscalateOptions extends ApiOptions {
  class: EscalationRequest['class']
  severity: EscalationRequest['severity']
  summary: string
  subject?: string
  id?: string
  tokenFile?: string
  data?: string
}

export async function runEscalate (options: EscalateOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    if (options.summary.trim() === '') throw new UsageError('--summary must not be empty')
    if (options.subject?.trim() === '') throw new UsageError('--subject must not be empty')
    const body: EscalationRequest = {
      class: options.class,
      severity: options.severity,
      summary: options.summary,
      ...(options.subject === undefined ? {} : { subject: options.subject }),
      ...(options.id === undefined ? {} : { id: options.id })
    }
    const token = await resolveToken({ tokenFile: options.tokenFile, data: options.data })
    const res = await client.escalate(body, token)
    if (options.json) printJson(io, res)
    else io.out(res.created ? `escalated ${res.id}` : `already escalated ${res.id}`)
    return ExitCode.ok
  })
}

export function registerEscalate (program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program.command('escalate')
    .description('escalate to the Junzi/Archon authorities or operators (needs the node\'s API token)')
    .addOption(new Option('--class <class>', 'what it is about; decides the route').choices(ESCALATION_CLASSES).makeOptionMandatory())
    .addOption(new Option('--severity <severity>', 'how much it matters').choices(ESCALATION_SEVERITIES).makeOptionMandatory())
    .requiredOption('--summary <text>', 'what happened and what is asked of the authority')
    .option('--subject <subject>', 'what it is about, e.g. an agent or peer id (default: this node)')
    .option('--id <id>', 'idempotency key: repeating the command with the same id escalates once')
  addApiOptions(addTokenOptions(command)).action(async (flags: EscalateOptions) => { setExit(await runEscalate(flags, io)) })
}
