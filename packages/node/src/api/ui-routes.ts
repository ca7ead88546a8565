/**
 * The dashboard (issue 19): `GET /ui` and its files under `/ui/…`, on the API's own listener, so
 * the page is same-origin with the API it reads and the request guards (Host, content type) and
 * the token rules are the API's. The files are those the build copied to `dist/ui`
 * (scripts/copy-ui.mjs), read once when the API is built: a request only looks a name up in that
 * table, so no path can reach outside it.
 *
 * Every answer forbids what the page does not need (content-security-policy): scripts, styles
 * and connections to this origin only, no frames, no forms posted anywhere, so the page fetches
 * nothing from any other host even if a bug tried.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { ApiError } from './errors.js'
import { ESSENTIAL } from './load-shedding.js'

/** Where the build puts the dashboard: packages/node/dist/ui, beside dist/src. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url))

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8'
}

export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Revalidated on every load (a 304 when unchanged): a node upgraded in place serves its new page at once.
  'cache-control': 'no-cache'
}

interface UiFile { body: Buffer, contentType: string, etag: string }

/** The files under `dir` by their path relative to it (`/`-separated); files of unknown types are left out. */
export function readUiFiles (dir: string): Map<string, UiFile> {
  const files = new Map<string, UiFile>()
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) { walk(path); continue }
      const contentType = CONTENT_TYPES[extname(name)]
      if (contentType === undefined) continue
      const body = readFileSync(path)
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
      files.set(relative(dir, path).split(sep).join('/'), { body, contentType, etag })
    }
  }
  try { walk(dir) } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  return files
}

export function registerUiRoutes (app: FastifyInstance, dir: string = DEFAULT_UI_DIR): void {
  const files = readUiFiles(dir)
  const notBuilt = (): ApiError => new ApiError('not_found', `the dashboard is not built: ${dir} has no index.html (npm run build copies packages/node/ui there)`)

  // A relative redirect, so the page's relative URLs work behind a proxy that adds a path prefix too.
  app.get('/ui', { config: ESSENTIAL }, async (_req, reply) => {
    if (!files.has('index.html')) throw notBuilt()
    return await reply.status(302).header('location', 'ui/').send()
  })

  app.get<{ Params: { '*': string } }>('/ui/*', { config: ESSENTIAL }, async (req, reply) => {
    const name = req.params['*'] === '' ? 'index.html' : req.params['*']
    const file = files.get(name)
    if (file === undefined) {
      if (name === 'index.html') throw notBuilt()
      throw new ApiError('not_found', `no dashboard file ${JSON.stringify(name.slice(0, 100))}`)
    }
    void reply.headers(UI_SECURITY_HEADERS).header('etag', file.etag).type(file.contentType)
    if (req.headers['if-none-match'] === file.etag) return await reply.status(304).send()
    return await reply.send(file.body)
  })
}
