// The newest audit entries, live, with a filter: every word must appear in the entry's type,
// class, severity, subject or origin (names of members count too).
import { html, useState } from './vendor/htm-preact.js'
import { fmtTime } from './format.js'
import { auditMatches } from './store.js'

const SHOWN = 100

export function AuditTail ({ state, nameOf }) {
  const [filter, setFilter] = useState('')
  const matching = state.audit.filter((e) => auditMatches(e, filter, nameOf))
  return html`<section class="panel audit-panel" aria-labelledby="audit-h">
    <h2 id="audit-h">Audit log <span class="counts">${matching.length === state.audit.length ? `newest ${Math.min(SHOWN, matching.length)}` : `${Math.min(SHOWN, matching.length)} of ${state.audit.length} match`}</span></h2>
    <label class="filter">filter <input type="search" placeholder="e.g. member:dead, ethics, a node's name" value=${filter} onInput=${(e) => setFilter(e.currentTarget.value)} /></label>
    <div class="scroll"><table class="audit">
      <thead><tr><th>time</th><th>origin</th><th>class</th><th>severity</th><th>type</th><th>subject</th></tr></thead>
      <tbody>${matching.slice(0, SHOWN).map((e) => html`<tr key=${`${e.origin}/${e.seq}`} class=${`severity-${e.severity}`}>
        <td>${fmtTime(e.ts)}</td><td>${nameOf(e.origin)}</td><td>${e.class}</td>
        <td><span class=${`badge severity-${e.severity}`}>${e.severity}</span></td><td class="type">${e.type}</td><td class="subject">${nameOf(e.subject)}</td>
      </tr>`)}</tbody>
    </table></div>
  </section>`
}
