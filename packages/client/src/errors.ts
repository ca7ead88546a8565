/**
 * The errors the API client and the CLI raise. Each class has a stable `.name` that callers and
 * tests match on (messages may be reworded, names may not) and keeps what caused it in `cause`.
 * How each maps to an exit code is in exit-codes.ts.
 */

/** The hint every unreachable-node message ends with: the two usual fixes. */
const UNREACHABLE_HINT = '(is the node running? start one with "kos start", or pass --api host:port)'

/**
 * The node's API could not be reached at all: connection refused, no answer before the timeout,
 * or the host did not resolve. Distinct from ApiError, where the node answered with an error.
 */
export class NodeUnreachableError extends Error {
  override readonly name = 'NodeUnreachableError'
  /** The API base URL that was tried, e.g. `http://127.0.0.1:7070`. */
  readonly url: string

  constructor (url: string, reason: string, options: { cause: unknown }) {
    super(`cannot reach the kOS node API at ${url}: ${reason} ${UNREACHABLE_HINT}`, options)
    this.url = url
  }
}

/**
 * The node answered, but with an error: a `{ error: { code, message } }` body and a 4xx/5xx
 * status. Code `bad_response` (set by this client, not one of the API's codes) means the answer
 * was not the API's JSON at all, which usually means something other than a kOS node listens there.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  /** The HTTP status of the answer. */
  readonly status: number
  /** The API's stable error code from the body, e.g. `not_found`; `bad_response` if there was none. */
  readonly code: string

  /** `message` is the API's own message; `cause` is the parsed body or the parse failure. */
  constructor (status: number, code: string, message: string, options: { cause: unknown }) {
    super(message, options)
    this.status = status
    this.code = code
  }
}

/**
 * The user asked for something malformed: a bad `--api` value, a bad argument. Raised before any
 * request is sent. Its message names the flag or argument at fault.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError'

  constructor (message: string, options?: { cause: unknown }) {
    super(message, options)
  }
}
