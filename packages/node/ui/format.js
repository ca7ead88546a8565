// How the dashboard writes numbers and times: short, and "-" for what is not known.

export function fmtAge (ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-'
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}s`
  return `${Math.floor(ms / 3_600_000)}h${String(Math.floor(ms / 60_000) % 60).padStart(2, '0')}m`
}

export function fmtPhi (phi) {
  return phi === null || phi === undefined ? '-' : phi.toFixed(1)
}

export function fmtPercent (p) {
  return p === null || p === undefined ? '-' : `${p.toFixed(1)}%`
}

export function fmtBytes (b) {
  if (b === null || b === undefined) return '-'
  if (b < 1024 * 1024) return `${Math.round(b / 1024)}KiB`
  if (b < 1024 ** 3) return `${Math.round(b / 1024 / 1024)}MiB`
  return `${(b / 1024 ** 3).toFixed(1)}GiB`
}

/** Local wall-clock time of an ISO string or epoch ms: `14:03:27`. */
export function fmtTime (t) {
  if (t === null || t === undefined) return '-'
  const d = new Date(t)
  if (Number.isNaN(d.getTime())) return '-'
  return d.toLocaleTimeString([], { hour12: false })
}

/** `12D3Ko…wMTqhi`, as `kos peers` writes a peer id. */
export function shortId (id) {
  if (typeof id !== 'string') return '-'
  return id.length <= 14 ? id : `${id.slice(0, 6)}…${id.slice(-6)}`
}
