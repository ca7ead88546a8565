// The dashboard's calls to the node's API, same-origin and relative to the page (/ui/ → /v1/…),
// so it works behind a proxy that adds a path prefix. Reads need nothing; an action sends the
// API token in an Authorization header only, with the JSON content type and `{}` the API wants
// of every call that changes something (it refuses any other type: a page elsewhere could post
// a form here, never JSON).

/** An API URL relative to the page: `api('v1/peers')`. */
export function api (path) {
  return new URL(`../${path}`, document.baseURI).href
}

/** The API's `{ error: { code, message } }`, as an Error with its status and code. */
export class ApiCallError extends Error {
  constructor (status, code, message) {
    super(message)
    this.name = 'ApiCallError'
    this.status = status
    this.code = code
  }
}

async function answer (res) {
  let body = null
  try { body = await res.json() } catch { /* not JSON: said below */ }
  if (body !== null && typeof body === 'object' && body.error !== undefined) {
    throw new ApiCallError(res.status, body.error.code, body.error.message)
  }
  if (body === null) throw new ApiCallError(res.status, 'bad_response', `HTTP ${res.status} without a JSON body`)
  return body
}

/** GET a route; its JSON unless the API answered an error (GET /v1/health's 429 and 503 carry the health itself). */
export async function getJson (path) {
  return await answer(await fetch(api(path), { headers: { accept: 'application/json' } }))
}

/** POST an action with the token. Resolves to the API's answer; rejects with the API's error (its message is what the page shows). */
export async function postAction (path, token) {
  const res = await fetch(api(path), {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{}'
  })
  const body = await answer(res)
  if (!res.ok) throw new ApiCallError(res.status, 'bad_response', `HTTP ${res.status}`)
  return body
}
