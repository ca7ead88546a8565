/**
 * `kos audit tail [-f] [-n 20]`: the last entries, and with `-f` every new one as the node
 * receives it (GET /v1/audit/stream), until SIGINT/SIGTERM or the given AbortSignal.
 *
 * The query API pages forward in time, so the last n entries are found by reading every page
 * and keeping the last n (up to MAX_PAGES pages of MAX_QUERY_LIMIT). With `-f` the stream is
 * opened before that read, so nothing appended in between is lost; entries both read and
 * streamed are printed once.
 */

import type { Command } from 'commander'
import type { AuditEntryView, ApiClient } from '@kos/client'
import { ExitCode } from '../../exit-codes.js'
import type { Io } from '../../io.js'
import { addApiOptions, printJson, withClient } from '../api-options.js'
import type { ApiOptions } from '../api-options.js'
import { AUDIT_HEADER, auditRow, auditTable, followLine, parseCount } from './format.js'
import { MAX_PAGES, MAX_QUERY_LIMIT } from './query.js'
import { stopSignal } from '../stop-signal.js'

export const DEFAULT_TAIL_LINES = 20

export interface AuditTailOptions extends ApiOptions {
  follow?: boolean
  /** How many of the last entries to show first (text, as given). */
  lines?: string
  /** Ends `-f`; without one, SIGINT/SIGTERM do. */
  signal?: AbortSignal
}

const key = (e: AuditEntryView): string => `${e.origin}/${e.seq}`

/** The last `n` entries of the log, oldest first. */
export async function lastEntries (client: ApiClient, n: number, io: Io): Promise<AuditEntryView[]> {
  if (n === 0) return []
  const last: AuditEntryView[] = []
  let cursor: string | undefined
  for (let pages = 0; ; pages++) {
    if (pages === MAX_PAGES) {
      io.err(`warning: the log has more than ${MAX_PAGES * MAX_QUERY_LIMIT} entries; showing the last of the first ${MAX_PAGES * MAX_QUERY_LIMIT}`)
      break
    }
    const page = await client.queryAudit({ limit: MAX_QUERY_LIMIT, ...(cursor === undefined ? {} : { cursor }) })
    last.push(...page.entries)
    if (last.length > n) last.splice(0, last.length - n)
    if (page.next === null || page.next === cursor) break
    cursor = page.next
  }
  return last
}

export async function runAuditTail (options: AuditTailOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const n = parseCount('-n, --lines', options.lines, 0, MAX_PAGES * MAX_QUERY_LIMIT) ?? DEFAULT_TAIL_LINES
    if (options.follow !== true) {
      const entries = await lastEntries(client, n, io)
      if (options.json) printJson(io, entries)
      else for (const line of auditTable(entries)) io.out(line)
      return ExitCode.ok
    }

    const { signal, dispose } = stopSignal(options.signal)
    try {
      const stream = client.streamAudit(signal)[Symbol.asyncIterator]()
      // Connect now: entries appended while the history is read arrive on the stream.
      const first = stream.next()
      first.catch(() => {})
      const history = await lastEntries(client, n, io)
      const print = (entry: AuditEntryView): void => {
        io.out(options.json ? JSON.stringify(entry) : followLine(auditRow(entry)))
      }
      if (!options.json) io.out(followLine(AUDIT_HEADER))
      const printed = new Set<string>()
      for (const entry of history) { print(entry); printed.add(key(entry)) }
      for (let next = await first; next.done !== true; next = await stream.next()) {
        if (printed.delete(key(next.value))) continue
        print(next.value)
      }
      if (signal.aborted) return ExitCode.ok
      io.err('error: the node closed the audit stream')
      return ExitCode.failure
    } finally {
      dispose()
    }
  })
}

export function registerAuditTail (audit: Command, io: Io, setExit: (code: number) => void, signal?: AbortSignal): void {
  const command = audit.command('tail')
    .description('show the last audit entries; with -f, keep printing new ones until Ctrl-C')
    .option('-f, --follow', 'keep following new entries', false)
    .option('-n, --lines <n>', `how many of the last entries to show first (default: ${DEFAULT_TAIL_LINES})`)
  addApiOptions(command).action(async (flags: AuditTailOptions) => {
    setExit(await runAuditTail(signal === undefined ? flags : { ...flags, signal }, io))
  })
}
