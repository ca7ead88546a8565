// Every member this node knows, itself first: state, phi and its sparkline, heartbeat age, role,
// zone (a column only when some member reports one), mode, CPU and memory.
import { html } from './vendor/htm-preact.js'
import { fmtAge, fmtBytes, fmtPercent, fmtPhi, shortId } from './format.js'
import { Sparkline } from './sparkline.js'
import { ageNow, PHI_WINDOW_MS, sortedMembers, stateCounts } from './store.js'

function Row ({ m, now, coordinatorId, showZone }) {
  return html`<tr data-peer=${m.peerId} data-state=${m.state} class=${`member state-${m.state}${m.self ? ' self' : ''}`}>
    <td class="name">
      <span class="member-name">${m.name}</span>
      <span class="peer-id" title=${m.peerId}>${shortId(m.peerId)}</span>
      ${m.peerId === coordinatorId ? html`<span class="tag coord" title="the coordinator">coordinator</span>` : null}
      ${m.self ? html`<span class="tag" title="the node this page is served from">this node</span>` : null}
      ${m.authority !== null ? html`<span class="tag authority">${m.authority}</span>` : null}
    </td>
    <td class="state"><span class=${`badge state-${m.state}`}>${m.state}</span></td>
    <td class="phi num">${m.self ? '-' : fmtPhi(m.phi)}</td>
    <td class="spark-cell">${m.self ? null : html`<${Sparkline} history=${m.history} now=${now} windowMs=${PHI_WINDOW_MS} state=${m.state} />`}</td>
    <td class="age num">${m.self ? '-' : fmtAge(ageNow(m, now))}</td>
    <td class="role">${m.role}</td>
    ${showZone ? html`<td class="zone">${m.zone ?? '-'}</td>` : null}
    <td class="mode"><span class=${`mode-${m.mode ?? 'unknown'}`}>${m.mode ?? '-'}</span></td>
    <td class="cpu num">${fmtPercent(m.cpuPercent)}</td>
    <td class="mem num">${fmtBytes(m.rssBytes)}</td>
  </tr>`
}

export function Members ({ state, now }) {
  const members = sortedMembers(state)
  const counts = stateCounts(state)
  const showZone = members.some((m) => m.zone !== null)
  const coordinatorId = state.coordinator?.peerId ?? null
  return html`<section class="panel members-panel" aria-labelledby="members-h">
    <h2 id="members-h">Members <span class="counts">${members.length}: ${counts.alive} alive${counts.suspect > 0 ? `, ${counts.suspect} suspect` : ''}${counts.dead > 0 ? `, ${counts.dead} dead` : ''}${counts.left > 0 ? `, ${counts.left} left` : ''}</span></h2>
    <div class="scroll members-scroll">
      <table class="members">
        <thead><tr>
          <th>name</th><th>state</th><th class="num">phi</th><th class="spark-cell">phi, last ${Math.round(PHI_WINDOW_MS / 60_000)} min</th><th class="num">last heartbeat</th>
          <th>role</th>${showZone ? html`<th>zone</th>` : null}<th>mode</th><th class="num">cpu</th><th class="num">mem</th>
        </tr></thead>
        <tbody>${members.map((m) => html`<${Row} key=${m.peerId} m=${m} now=${now} coordinatorId=${coordinatorId} showZone=${showZone} />`)}</tbody>
      </table>
    </div>
  </section>`
}
