// The agents this node supervises, with start, stop and (for a quarantined one) release.
import { html } from './vendor/htm-preact.js'

function actions (a, act) {
  const path = (verb) => `v1/agents/${encodeURIComponent(a.name)}/${verb}`
  const button = (verb) => html`<button type="button" class=${verb} onClick=${() => act(`${verb} ${a.name}`, path(verb), ['agents'])}>${verb}</button>`
  const running = a.state === 'running' || a.state === 'starting' || a.state === 'backoff'
  return html`${a.quarantine !== null ? button('release') : null}${running ? button('stop') : button('start')}`
}

export function Agents ({ state, act, nameOf }) {
  const agents = state.agents
  return html`<section class="panel" aria-labelledby="agents-h">
    <h2 id="agents-h">Agents <span class="counts">${agents.length}</span></h2>
    ${agents.length === 0
      ? html`<p class="muted">this node supervises no agent</p>`
      : html`<div class="scroll"><table class="agents">
          <thead><tr><th>name</th><th>state</th><th>ready</th><th class="num">restarts</th><th>reason</th><th></th></tr></thead>
          <tbody>${agents.map((a) => html`<tr key=${a.name} data-agent=${a.name} data-state=${a.state}>
            <td>${a.name}${a.critical ? html` <span class="tag">critical</span>` : null}${a.quarantine !== null ? html` <span class="tag danger" title=${a.quarantine.reason}>quarantined by ${nameOf(a.quarantine.by)}</span>` : null}</td>
            <td><span class=${`badge agent-${a.state}`}>${a.state}</span></td>
            <td>${a.ready ? 'yes' : 'no'}</td>
            <td class="num">${a.restarts}</td>
            <td class="reason">${a.reason}</td>
            <td class="actions">${actions(a, act)}</td>
          </tr>`)}</tbody>
        </table></div>`}
    <p class="muted small">Services and their instances by node will show here once the node has them.</p>
  </section>`
}
