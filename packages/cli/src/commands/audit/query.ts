/**
 * `kos audit query`: entries matching filters, in time order (GET /v1/audit). One page by
 * default; `--all` follows the `next` cursors, up to MAX_PAGES pages.
 */

import { Option } from 'commander'
import type { Command } from 'commander'
import { AUDIT_CLASSES, AUDIT_SEVERITIES, ApiError, type AuditClassName, type AuditEntryView, type AuditQueryParams, type AuditQueryResponse, type AuditSeverityName } from '@kos/client'
import { ExitCode } from '../../exit-codes.js'
import type { Io } from '../../io.js'
import { addApiOptions, printJson, withClient } from '../api-options.js'
import type { ApiOptions } from '../api-options.js'
import { auditTable, parseCount, parseTime } from './format.js'

/** The node's bound on `limit`. */
export const MAX_QUERY_LIMIT = 1000
/** How many pages `--all` reads at most, so a huge log cannot make the command run forever. */
export const MAX_PAGES = 1000

export interface AuditQueryOptions extends ApiOptions {
  origin?: string
  class?: AuditClassName
  severity?: AuditSeverityName
  since?: string
  until?: string
  limit?: string
  cursor?: string
  all?: boolean
}

/** The API query from the flags; throws a UsageError naming a bad flag. */
export function queryParams (options: AuditQueryOptions): AuditQueryParams {
  const params: AuditQueryParams = {}
  if (options.origin !== undefined) params.origin = options.origin
  if (options.class !== undefined) params.class = options.class
  if (options.severity !== undefined) params.severity = options.severity
  const since = parseTime('--since', options.since)
  const until = parseTime('--until', options.until)
  if (since !== undefined) params.since = since
  if (until !== undefined) params.until = until
  const limit = parseCount('--limit', options.limit, 1, MAX_QUERY_LIMIT)
  if (limit !== undefined) params.limit = limit
  if (options.cursor !== undefined) params.cursor = options.cursor
  return params
}

export async function runAuditQuery (options: AuditQueryOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const params = queryParams(options)
    let page = await client.queryAudit(params)
    const entries: AuditEntryView[] = [...page.entries]
    if (options.all === true) {
      const seen = new Set<string>()
      let pages = 1
      while (page.next !== null && pages < MAX_PAGES) {
        if (seen.has(page.next)) {
          throw new ApiError(200, 'bad_response', `the node returned the cursor ${page.next} twice; stopping`, { cause: page })
        }
        seen.add(page.next)
        page = await client.queryAudit({ ...params, cursor: page.next })
        entries.push(...page.entries)
        pages++
      }
    }
    const result: AuditQueryResponse = { entries, next: page.next }
    if (options.json) printJson(io, result)
    else for (const line of auditTable(entries)) io.out(line)
    if (result.next !== null) {
      io.err(options.all === true
        ? `stopped after ${MAX_PAGES} pages; continue with --cursor ${result.next}`
        : `more entries: continue with --cursor ${result.next}, or use --all`)
    }
    return ExitCode.ok
  })
}

export function registerAuditQuery (audit: Command, io: Io, setExit: (code: number) => void): void {
  const command = audit.command('query')
    .description('list audit entries matching the filters, in time order')
    .option('--origin <peerId>', 'only entries of this origin')
    .addOption(new Option('--class <class>', 'only this class').choices(AUDIT_CLASSES))
    .addOption(new Option('--severity <severity>', 'only this severity and above').choices(AUDIT_SEVERITIES))
    .option('--since <time>', 'only entries at or after this ISO time or ms since the epoch')
    .option('--until <time>', 'only entries before this ISO time or ms since the epoch')
    .option('--limit <n>', `entries per page, 1 to ${MAX_QUERY_LIMIT} (node default: 100)`)
    .option('--cursor <cursor>', 'start at this page (the `next` of an earlier query)')
    .option('--all', `follow the next cursors, up to ${MAX_PAGES} pages`, false)
  addApiOptions(command).action(async (flags: AuditQueryOptions) => { setExit(await runAuditQuery(flags, io)) })
}
