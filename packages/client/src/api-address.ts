/**
 * The `--api` value: where the node's local HTTP API listens. Validated here, once, before any
 * request, so that a typo is a usage error naming `--api` rather than a confusing network error.
 */

import { UsageError } from './errors.js'

/** The node's API listens on loopback port 7070 unless configured otherwise. */
export const DEFAULT_API = '127.0.0.1:7070'

/** The environment variable that overrides DEFAULT_API (an explicit `--api` beats both). */
export const API_ENV = 'KOS_API'

/** `host:port` or `[ipv6]:port`; the port range is checked separately for a clearer message. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/

/**
 * Turns `host:port` or `http(s)://host:port[/prefix]` into a base URL without a trailing slash, e.g.
 * `http://127.0.0.1:7070`. Throws a UsageError naming `--api` (and KOS_API, where it may come
 * from) for anything else: a missing or out-of-range port, another scheme, credentials, a query.
 */
export function parseApiAddress (value: string): string {
  const bad = (why: string, cause?: unknown): UsageError => new UsageError(
    `invalid --api value "${value}" (from --api or ${API_ENV}): ${why}; expected host:port ` +
    `(port 1-65535) or an http:// or https:// URL, e.g. ${DEFAULT_API}`, cause === undefined ? undefined : { cause })

  const trimmed = value.trim()
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(trimmed)) {
    let url: URL
    try {
      url = new URL(trimmed)
    } catch (err) {
      throw bad('not a valid URL', err)
    }
    // Plain HTTP on loopback, HTTPS where the node was given a certificate; nothing else.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`the scheme must be http:// or https://, not ${url.protocol}//`)
    if (url.username !== '' || url.password !== '') throw bad('credentials are not supported')
    if (url.search !== '' || url.hash !== '') throw bad('a query or fragment is not supported')
    if (url.port === '0') throw bad('port 0 is not a port one can connect to')
    // A path prefix is kept: a reverse proxy may mount the API under one.
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
  }

  const match = HOST_PORT.exec(trimmed)
  if (match === null) throw bad('not host:port')
  const port = Number(match[2])
  if (port < 1 || port > 65535) throw bad(`port ${match[2]} is out of range`)
  return `http://${match[1] ?? ''}:${port}`
}
