// Asks for the API token when an action needs it and none is kept for this tab yet. The token is
// the node's <data>/api-token; it stays in this tab's sessionStorage and goes out only in the
// Authorization header of an action.
import { html, useEffect, useRef } from './vendor/htm-preact.js'

export function TokenDialog ({ action, onToken, onCancel }) {
  const input = useRef(null)
  useEffect(() => { input.current?.focus() }, [])
  const submit = (ev) => {
    ev.preventDefault()
    const value = input.current?.value.trim() ?? ''
    if (value !== '') onToken(value)
  }
  return html`<div class="dialog-backdrop" role="presentation">
    <form class="dialog token-dialog" role="dialog" aria-modal="true" aria-labelledby="token-h" onSubmit=${submit}>
      <h2 id="token-h">API token</h2>
      <p>To ${action}, this page needs the node's API token: the contents of <code>api-token</code> in the node's data directory. It is kept in this tab only, until it closes.</p>
      <input ref=${input} type="password" name="token" autocomplete="off" spellcheck="false" aria-label="API token" />
      <div class="buttons">
        <button type="submit" class="primary">use token</button>
        <button type="button" onClick=${onCancel}>cancel</button>
      </div>
    </form>
  </div>`
}
