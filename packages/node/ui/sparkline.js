// A member's phi over the last minutes as an inline SVG polyline: no chart library, nothing
// fetched. The scale starts at 0 and reaches at least SCALE_MIN, so a calm member's line stays
// flat near the bottom and a climbing one is plain to see.
import { html } from './vendor/htm-preact.js'

const WIDTH = 120
const HEIGHT = 22
const SCALE_MIN = 10

/** The polyline's points for `history` ([{ t, phi }], oldest first) over the `windowMs` before `now`. Pure. */
export function sparkPoints (history, now, windowMs, width = WIDTH, height = HEIGHT) {
  if (history.length === 0) return ''
  const max = Math.max(SCALE_MIN, ...history.map((h) => h.phi))
  return history.map((h) => {
    const x = width - ((now - h.t) / windowMs) * width
    const y = height - 1 - (Math.min(h.phi, max) / max) * (height - 2)
    return `${Math.max(0, x).toFixed(1)},${y.toFixed(1)}`
  }).join(' ')
}

export function Sparkline ({ history, now, windowMs, state }) {
  const points = sparkPoints(history, now, windowMs)
  const peak = history.reduce((m, h) => Math.max(m, h.phi), 0)
  const label = history.length === 0 ? 'no phi samples yet' : `phi over the last ${Math.round(windowMs / 60_000)} min, peak ${peak.toFixed(1)}`
  return html`<svg class=${`spark spark-${state}`} width=${WIDTH} height=${HEIGHT} viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label=${label}>
    <title>${label}</title>
    <line class="spark-base" x1="0" y1=${HEIGHT - 1} x2=${WIDTH} y2=${HEIGHT - 1} />
    ${points === '' ? null : html`<polyline points=${points} />`}
  </svg>`
}
