/**
 * What the `kos audit` subcommands share: the entry table, and parsing the flag values that
 * commander cannot check by itself (times, counts, JSON). Bad values are UsageErrors (exit 2)
 * that name the flag.
 */

import { UsageError, type AuditEntryView, type AuditDetails } from '@kos/client'
import { renderColumns, renderTable, shortPeerId } from '../../table.js'

export const AUDIT_HEADER = ['TIME', 'ORIGIN', 'SEQ', 'CLASS', 'SEVERITY', 'TYPE', 'SUBJECT'] as const

/** Column widths for `tail -f`, whose rows are printed one at a time and cannot be measured first. */
const FOLLOW_WIDTHS = [24, 13, 6, 11, 8, 24] as const

/** One entry as table cells. Control characters (a newline in a subject) would break the row. */
export function auditRow (entry: AuditEntryView): string[] {
  return [
    formatTs(entry.ts),
    shortPeerId(String(entry.origin)),
    String(entry.seq),
    String(entry.class),
    String(entry.severity),
    String(entry.type),
    String(entry.subject)
  ].map(clean)
}

/** Entries as an aligned table, header first; the header alone when there are none. */
export function auditTable (entries: readonly AuditEntryView[]): string[] {
  return renderTable(AUDIT_HEADER, entries.map(auditRow))
}

/** One row (or the header) at fixed widths, so rows printed one by one line up. */
export function followLine (cells: readonly string[]): string {
  const padded = cells.map((cell, i) => {
    const w = FOLLOW_WIDTHS[i]
    return w === undefined ? cell : cell + ' '.repeat(Math.max(0, w - [...cell].length))
  })
  return renderColumns([padded])[0] ?? ''
}

/** ISO 8601 in UTC; the raw number if it is not a valid time. */
export function formatTs (ts: number): string {
  const date = new Date(ts)
  return Number.isNaN(date.getTime()) ? String(ts) : date.toISOString()
}

function clean (cell: string): string {
  // eslint-disable-next-line no-control-regex
  return cell.replace(/[\u0000-\u001f\u007f]/g, ' ')
}

/** `--since`/`--until`: ms since the epoch (digits only), or an ISO 8601 date or date-time. */
export function parseTime (flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  let ms: number
  if (/^\d+$/.test(text)) {
    ms = Number(text)
  } else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(text)) {
    ms = Date.parse(text)
  } else {
    ms = Number.NaN
  }
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new UsageError(`invalid ${flag} value "${value}": give an ISO 8601 time (2025-01-31T12:00:00Z) or ms since the epoch`)
  }
  return ms
}

/** A whole number within [min, max] for `flag`. */
export function parseCount (flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`invalid ${flag} value "${value}": give a whole number from ${min} to ${max}`)
  }
  return n
}

/** `--details`: a JSON object. */
export function parseDetails (value: string | undefined): AuditDetails | undefined {
  if (value === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch (err) {
    throw new UsageError(`invalid --details value: not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('invalid --details value: give a JSON object, e.g. \'{"key":"value"}\'')
  }
  return parsed as AuditDetails
}

/** A non-empty string flag. */
export function requireText (flag: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`${flag} must not be empty`)
  return value
}
