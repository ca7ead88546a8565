// The API token, asked for once and kept for this tab only (sessionStorage: gone when the tab
// closes, never in a URL, a cookie or localStorage), and sent only in an Authorization header.

const KEY = 'kos.apiToken'

export function storedToken () {
  try { return sessionStorage.getItem(KEY) } catch { return null }
}

export function storeToken (token) {
  try { sessionStorage.setItem(KEY, token) } catch { /* storage disabled: asked again next time */ }
}

/** The API refused it (401): ask again next time. */
export function forgetToken () {
  try { sessionStorage.removeItem(KEY) } catch {}
}
