/**
 * Plain-text rendering for humans: aligned columns (left-aligned, two
 * spaces between columns, no borders, no trailing spaces) and compact formats for the values
 * the API reports. Pure functions; `--json` is the format for scripts, not this.
 */

/** The placeholder for a value the API does not have (null) or a peer did not report. */
export const NONE = '-'

const GAP = '  '

/** Display width of a cell. Code points, not UTF-16 units, so `…` counts as one. */
function width (cell: string): number {
  return [...cell].length
}

/**
 * Aligns rows into columns. Every column is as wide as its widest cell; the last cell of a row is
 * not padded, so no line ends in spaces. Rows may be ragged.
 */
export function renderColumns (rows: ReadonlyArray<readonly string[]>): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, width(cell)) })
  }
  return rows.map(row => row
    .map((cell, i) => i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell)))
    .join(GAP)
    .trimEnd())
}

/** A label beside the first value and blanks beside the rest, so a list lines up under itself. */
export function listRows (label: string, values: readonly string[]): string[][] {
  if (values.length === 0) return [[label, NONE]]
  return values.map((value, i) => [i === 0 ? label : '', value])
}

/** A header line (conventionally upper case) above aligned rows. */
export function renderTable (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return renderColumns([header, ...rows])
}

/**
 * A duration, compact and at the precision a human reads it: `850ms`, `3.2s`, `5m`, `2h5m`,
 * `3d4h`. Rounds down above a minute (an age of 5m59s is "5m", as `kubectl` shows it).
 * Negative values (clock skew) show as 0ms; null as `-`.
 */
export function formatDuration (ms: number | null): string {
  if (ms === null || Number.isNaN(ms)) return NONE
  const t = Math.max(0, ms)
  if (t < 1000) return `${Math.round(t)}ms`
  // 59.96 s would print as "60.0s": let it fall through to minutes instead.
  if (t < 59_950) return `${(t / 1000).toFixed(1)}s`
  const minutes = Math.floor(t / 60_000)
  if (minutes < 60) return `${Math.max(1, minutes)}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  const days = Math.floor(hours / 24)
  return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const

/**
 * A byte count in binary units: `512B`, `1.5KiB`, `112MiB`. One decimal below 10 of a unit
 * (where it matters), none above. Null as `-`.
 */
export function formatBytes (bytes: number | null): string {
  if (bytes === null || Number.isNaN(bytes)) return NONE
  let value = Math.max(0, bytes)
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1
  let text = value.toFixed(digits)
  // 1023.6 KiB rounds to "1024KiB"; say 1.0MiB instead.
  if (text === '1024' && unit < BYTE_UNITS.length - 1) {
    text = '1.0'
    unit++
  }
  return `${text.replace(/\.0$/, '')}${BYTE_UNITS[unit] ?? ''}`
}

/**
 * A peer id short enough for a table: the first 6 and last 6 characters around `…`, e.g.
 * `12D3Ko…x7Yq2a`. The head shows the key type (every Ed25519 id starts `12D3KooW`), so it is the
 * tail that tells peers apart: 6 base58 characters are ~3.8e10 values, plenty for one cluster.
 * Ids of 13 characters or fewer are shown whole.
 */
export function shortPeerId (peerId: string): string {
  const chars = [...peerId]
  if (chars.length <= 13) return peerId
  return `${chars.slice(0, 6).join('')}…${chars.slice(-6).join('')}`
}

/** A phi value with one decimal (`0.8`, `12.3`); `-` for null (dead or left peers). */
export function formatPhi (phi: number | null): string {
  if (phi === null || Number.isNaN(phi)) return NONE
  return phi.toFixed(1)
}

/** A percentage of one core with one decimal: `3.5%`, `112.0%`. Null as `-`. */
export function formatPercent (percent: number | null): string {
  if (percent === null || Number.isNaN(percent)) return NONE
  return `${percent.toFixed(1)}%`
}

/**
 * A listen multiaddr without its trailing `/p2p/<peerId>`, which the table already shows in its
 * own column: `/ip4/10.0.0.2/tcp/4001/p2p/12D3…` → `/ip4/10.0.0.2/tcp/4001`.
 */
export function formatAddr (addr: string | undefined): string {
  if (addr === undefined || addr === '') return NONE
  return addr.replace(/\/p2p\/[^/]+$/, '')
}
