// The kOS mesh dashboard (issue 19): one node's view of its cluster, live from GET /v1/events,
// served by the node itself at /ui. preact + htm (vendor/htm-preact.js, copied at build time),
// plain ES modules, nothing fetched from any other host.
import { html, render, useCallback, useEffect, useReducer, useRef, useState } from './vendor/htm-preact.js'
import { Agents } from './agents.js'
import { postAction } from './api.js'
import { AuditTail } from './audit-tail.js'
import { Coordinator, Health } from './cluster.js'
import { startController } from './controller.js'
import { Escalations } from './escalations.js'
import { shortId } from './format.js'
import { Members } from './members.js'
import { initialState, withEvent, withSample, withSnapshot } from './store.js'
import { forgetToken, storedToken, storeToken } from './token.js'
import { TokenDialog } from './token-dialog.js'

function reduce (state, action) {
  switch (action.kind) {
    case 'snapshot': return withSnapshot(state, action.snap, action.now)
    case 'sample': return withSample(state, action.sample, action.now)
    case 'event': return withEvent(state, action.type, action.data, action.now)
    default: return state
  }
}

function ConnectionBadge ({ connection }) {
  const text = { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…', paused: 'paused while hidden' }[connection.status] ?? connection.status
  return html`<span class=${`badge connection connection-${connection.status}`} data-connection=${connection.status}>${text}</span>`
}

function App () {
  const [state, dispatch] = useReducer(reduce, undefined, initialState)
  const [connection, setConnection] = useState({ status: 'connecting', note: '' })
  const [notice, setNotice] = useState(null)
  const [tokenRequest, setTokenRequest] = useState(null)
  const [now, setNow] = useState(Date.now())
  const controller = useRef(null)

  useEffect(() => {
    controller.current = startController({ dispatch, setConnection })
    // Ages and sparklines move on between samples.
    const tick = setInterval(() => { setNow(Date.now()) }, 1000)
    return () => { clearInterval(tick); controller.current?.stop() }
  }, [])

  const nameOf = useCallback((id) => {
    if (typeof id !== 'string') return '-'
    return state.members[id]?.name ?? (id.startsWith('http') ? id : shortId(id))
  }, [state.members])

  // An action: the token (asked once per tab), then POST with it; the API's refusal is shown as it said it.
  const act = useCallback(async (label, path, refetch) => {
    let token = storedToken()
    if (token === null) {
      token = await new Promise((resolve) => { setTokenRequest({ action: label, resolve }) })
      setTokenRequest(null)
      if (token === null) return
      storeToken(token)
    }
    setNotice({ ok: null, text: `${label}…` })
    try {
      await postAction(path, token)
      setNotice({ ok: true, text: `${label}: done` })
    } catch (err) {
      if (err.status === 401) forgetToken()
      setNotice({ ok: false, text: `${label} refused: ${err.message}${err.code === undefined ? '' : ` (${err.code})`}` })
    }
    controller.current?.refetch(refetch)
  }, [])

  const node = state.node
  return html`
    <header class="top">
      <h1>kOS mesh <span class="node-name">${node === null ? '' : `${node.name} · cluster ${node.cluster}`}</span></h1>
      <div class="status">
        <${ConnectionBadge} connection=${connection} />
        ${node === null ? null : html`<span class=${`badge mode-${node.mode}`} title="this node's service mode">${node.mode}</span>`}
      </div>
    </header>
    ${connection.note === '' ? null : html`<p class=${`banner ${connection.status === 'live' ? 'info' : 'warn'}`} role="status" data-banner="connection">${connection.note}</p>`}
    ${notice === null ? null : html`<p class=${`banner ${notice.ok === false ? 'error' : notice.ok === true ? 'ok' : 'info'}`} role="alert" data-banner="action">${notice.text} <button type="button" class="link" onClick=${() => setNotice(null)}>dismiss</button></p>`}
    <main class="grid">
      <${Members} state=${state} now=${now} />
      <${Coordinator} state=${state} nameOf=${nameOf} />
      <${Health} state=${state} />
      <${Escalations} state=${state} act=${act} nameOf=${nameOf} />
      <${Agents} state=${state} act=${act} nameOf=${nameOf} />
      <${AuditTail} state=${state} nameOf=${nameOf} />
    </main>
    ${tokenRequest === null ? null : html`<${TokenDialog} action=${tokenRequest.action} onToken=${(t) => tokenRequest.resolve(t)} onCancel=${() => tokenRequest.resolve(null)} />`}
  `
}

const root = document.getElementById('app')
root.textContent = ''
render(html`<${App} />`, root)
