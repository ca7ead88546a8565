/**
 * `kos audit append`: writes one application event to the node's audit log (POST /v1/audit), so
 * operators and scripts can record what they did. Sends the node's API token (token.ts).
 */

import { Option } from 'commander'
import type { Command } from 'commander'
import { AUDIT_ACKS, AUDIT_CLASSES, AUDIT_SEVERITIES, ApiError, type AuditAck, type AuditAppendRequest, type AuditClassName, type AuditSeverityName } from '@kos/client'
import { ExitCode } from '../../exit-codes.js'
import type { Io } from '../../io.js'
import { shortPeerId } from '../../table.js'
import { TOKEN_ENV, resolveToken } from '../../token.js'
import { addApiOptions, addTokenOptions, printJson, withClient } from '../api-options.js'
import type { ApiOptions } from '../api-options.js'
import { parseDetails, requireText } from './format.js'

export interface AuditAppendOptions extends ApiOptions {
  class: AuditClassName
  severity: AuditSeverityName
  type: string
  subject: string
  /** JSON object text. */
  details?: string
  ack: AuditAck
  tokenFile?: string
  data?: string
}

export async function runAuditAppend (options: AuditAppendOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const details = parseDetails(options.details)
    const fields: AuditAppendRequest = {
      class: options.class,
      type: requireText('--type', options.type),
      severity: options.severity,
      subject: requireText('--subject', options.subject),
      ...(details === undefined ? {} : { details })
    }
    const token = await resolveToken({ tokenFile: options.tokenFile, data: options.data })
    let result
    try {
      result = await client.appendAudit(fields, options.ack, token)
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        throw new ApiError(err.status, err.code, `${err.message}; the token was refused (is it this node's api-token? ` +
          `see --token-file, --data and ${TOKEN_ENV})`, { cause: err })
      }
      throw err
    }
    if (options.json) printJson(io, result)
    else io.out(`appended ${shortPeerId(result.origin)} seq ${result.seq} (${result.hash.slice(0, 12)}…)`)
    return ExitCode.ok
  })
}

export function registerAuditAppend (audit: Command, io: Io, setExit: (code: number) => void): void {
  const command = audit.command('append')
    .description('append an event to the node\'s audit log (needs the node\'s API token)')
    .addOption(new Option('--class <class>', 'what the event is about').choices(AUDIT_CLASSES).makeOptionMandatory())
    .addOption(new Option('--severity <severity>', 'how much it matters').choices(AUDIT_SEVERITIES).makeOptionMandatory())
    .requiredOption('--type <type>', 'the event type, e.g. deploy.started')
    .requiredOption('--subject <subject>', 'what it happened to, e.g. an agent or peer id')
    .option('--details <json>', 'a JSON object of further facts')
    .addOption(new Option('--ack <ack>', 'answer once the entry is durable here, or on a quorum of nodes')
      .choices(AUDIT_ACKS).default('local'))
  addApiOptions(addTokenOptions(command)).action(async (flags: AuditAppendOptions) => { setExit(await runAuditAppend(flags, io)) })
}
