// The escalation inbox (what this node received as an authority, with ack and resolve) and
// outbox (what it escalated, and how far each got).
import { html } from './vendor/htm-preact.js'
import { fmtTime, shortId } from './format.js'

function Rows ({ items, box, act, nameOf }) {
  if (items.length === 0) return html`<tr><td colspan="5" class="muted">empty</td></tr>`
  return items.map((e) => html`<tr key=${e.id} data-escalation=${e.id} data-status=${e.status} class=${`escalation severity-${e.severity}`}>
    <td>${fmtTime(e.createdAt)}</td>
    <td><span class=${`badge severity-${e.severity}`}>${e.severity}</span> ${e.class}</td>
    <td class="summary" title=${e.id}>${e.summary}<div class="muted">${e.subject === e.origin ? '' : `about ${nameOf(e.subject)} · `}${box === 'inbox' ? `from ${nameOf(e.origin)}` : e.deliveredTo === null ? 'not delivered yet' : `to ${nameOf(e.deliveredTo)}`}</div></td>
    <td class="status"><span class=${`badge status-${e.status}`}>${e.status}</span></td>
    <td class="actions">${box === 'inbox'
      ? html`
        ${e.status === 'delivered' ? html`<button type="button" class="ack" onClick=${() => act(`ack ${shortId(e.id)}`, `v1/escalations/${encodeURIComponent(e.id)}/ack`, ['inbox', 'outbox'])}>ack</button>` : null}
        ${e.status === 'delivered' || e.status === 'acked' ? html`<button type="button" class="resolve" onClick=${() => act(`resolve ${shortId(e.id)}`, `v1/escalations/${encodeURIComponent(e.id)}/resolve`, ['inbox', 'outbox'])}>resolve</button>` : null}`
      : null}</td>
  </tr>`)
}

function Box ({ title, items, box, act, nameOf }) {
  return html`<div class=${`box box-${box}`}>
    <h3>${title} <span class="counts">${items.length}</span></h3>
    <div class="scroll"><table class="escalations">
      <thead><tr><th>created</th><th>severity, class</th><th>summary</th><th>status</th><th></th></tr></thead>
      <tbody><${Rows} items=${items} box=${box} act=${act} nameOf=${nameOf} /></tbody>
    </table></div>
  </div>`
}

export function Escalations ({ state, act, nameOf }) {
  return html`<section class="panel" aria-labelledby="esc-h">
    <h2 id="esc-h">Escalations</h2>
    <${Box} title="Inbox" items=${state.inbox} box="inbox" act=${act} nameOf=${nameOf} />
    <${Box} title="Outbox" items=${state.outbox} box="outbox" act=${act} nameOf=${nameOf} />
  </section>`
}
