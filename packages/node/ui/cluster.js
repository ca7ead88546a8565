// The coordinator as this node sees it (term, lease, voters and the elections it recorded), and
// this node's own health checks.
import { html } from './vendor/htm-preact.js'
import { fmtAge, fmtTime, shortId } from './format.js'

export function Coordinator ({ state, nameOf }) {
  const c = state.coordinator
  return html`<section class="panel" aria-labelledby="coord-h">
    <h2 id="coord-h">Coordinator</h2>
    ${c === null
      ? html`<p class="muted">not loaded yet</p>`
      : html`<dl class="facts">
          <dt>coordinator</dt><dd class="coordinator-name">${c.peerId === null ? html`<span class="warn">none: no quorum of voters reachable from here</span>` : `${c.name ?? nameOf(c.peerId)} (${shortId(c.peerId)})`}</dd>
          <dt>term</dt><dd class="term">${c.term}</dd>
          <dt>since</dt><dd>${fmtTime(c.since)}</dd>
          <dt>lease left</dt><dd>${c.peerId === null ? '-' : fmtAge(c.leaseRemainingMs)}</dd>
          <dt>quorum</dt><dd>${c.quorum} of ${c.voters.length} voters</dd>
          <dt>voters</dt><dd class="voters">${c.voters.map((v) => html`<span class="voter" title=${v}>${nameOf(v)}</span>`)}</dd>
        </dl>`}
    <h3>Elections</h3>
    ${state.elections.length === 0
      ? html`<p class="muted">none recorded in the last half hour</p>`
      : html`<ol class="timeline">${state.elections.map((e) => html`<li class=${`election ${e.type.replace(':', '-')}`}>
          <time>${fmtTime(e.ts)}</time> <span class="what">${e.type.slice('coordinator:'.length)}</span>
          ${e.type === 'coordinator:stepped-down' ? '' : html` <span class="who">${nameOf(e.subject)}</span>`}
          ${e.term === null ? '' : html` <span class="muted">term ${e.term}</span>`}
          ${e.reason === null ? '' : html` <span class="muted">(${e.reason})</span>`}
        </li>`)}</ol>`}
  </section>`
}

export function Health ({ state }) {
  const h = state.health
  return html`<section class="panel" aria-labelledby="health-h">
    <h2 id="health-h">This node's health ${h === null ? null : html`<span class=${`badge health-${h.status}`}>${h.status}</span>`}</h2>
    ${h === null
      ? html`<p class="muted">not loaded yet</p>`
      : html`<table class="checks"><tbody>${h.checks.map((c) => html`<tr class=${`check check-${c.status}`} data-check=${c.name}>
          <td class="check-name">${c.name}</td><td><span class=${`badge health-${c.status}`}>${c.status}</span></td><td class="output">${c.output}</td>
        </tr>`)}</tbody></table>`}
  </section>`
}
