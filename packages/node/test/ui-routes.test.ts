/**
 * GET /ui and /ui/*: the dashboard's files from the build's table, with the content types and
 * security headers the page needs, no way out of the table, and the API's Host rule; by
 * injection, on a fixture directory (and a check that the build really copied the dashboard).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApi } from '../src/api/server.js'
import { DEFAULT_UI_DIR, readUiFiles } from '../src/api/ui-routes.js'
import { stubApiDeps } from './helpers/api-deps.js'

describe('the dashboard routes', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kos-ui-'))
    await mkdir(join(dir, 'vendor'))
    await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="app.js"></script>')
    await writeFile(join(dir, 'app.js'), 'export {}')
    await writeFile(join(dir, 'style.css'), 'body {}')
    await writeFile(join(dir, 'vendor', 'lib.js'), 'export const x = 1')
    await writeFile(join(dir, 'notes.md'), 'not served: not a type the page uses')
  })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  const app = (uiDir = dir): ReturnType<typeof buildApi> => buildApi(stubApiDeps({ uiDir }))

  it('GET /ui redirects (relatively) to /ui/, which is the page', async () => {
    const a = app()
    const redirect = await a.inject({ url: '/ui' })
    assert.equal(redirect.statusCode, 302)
    assert.equal(redirect.headers.location, 'ui/')
    const page = await a.inject({ url: '/ui/' })
    assert.equal(page.statusCode, 200)
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8')
    assert.match(page.body, /src="app.js"/)
  })

  it('serves each file with its content type, and forbids everything the page does not need', async () => {
    const a = app()
    for (const [url, type] of [['/ui/app.js', 'text/javascript; charset=utf-8'], ['/ui/style.css', 'text/css; charset=utf-8'], ['/ui/vendor/lib.js', 'text/javascript; charset=utf-8']]) {
      const res = await a.inject({ url: url! })
      assert.equal(res.statusCode, 200, url)
      assert.equal(res.headers['content-type'], type)
      const csp = String(res.headers['content-security-policy'])
      assert.match(csp, /default-src 'none'/)
      assert.match(csp, /connect-src 'self'/)
      assert.match(csp, /script-src 'self';/)
      assert.equal(res.headers['x-content-type-options'], 'nosniff')
      assert.equal(res.headers['access-control-allow-origin'], undefined, 'no CORS: the page is same-origin')
    }
  })

  it('answers 304 to a copy the browser already holds', async () => {
    const a = app()
    const first = await a.inject({ url: '/ui/app.js' })
    const etag = String(first.headers.etag)
    const again = await a.inject({ url: '/ui/app.js', headers: { 'if-none-match': etag } })
    assert.equal(again.statusCode, 304)
    assert.equal(again.body, '')
  })

  it('serves only the files it read: no path leads out of the directory', async () => {
    const a = app()
    for (const url of ['/ui/../package.json', '/ui/..%2f..%2fpackage.json', '/ui/%2e%2e/%2e%2e/package.json', '/ui/vendor/../../notes.md', '/ui/notes.md', '/ui//etc/passwd', '/ui/nothing.js']) {
      const res = await a.inject({ url })
      assert.equal(res.statusCode, 404, url)
      assert.equal(res.json().error.code, 'not_found', url)
    }
    assert.deepEqual([...readUiFiles(dir).keys()].sort(), ['app.js', 'index.html', 'style.css', 'vendor/lib.js'])
  })

  it('obeys the API\'s Host rule', async () => {
    const res = await app().inject({ url: '/ui/', headers: { host: 'evil.example:7070' } })
    assert.equal(res.statusCode, 421)
  })

  it('says so when the dashboard was not built', async () => {
    const res = await app(join(dir, 'missing')).inject({ url: '/ui' })
    assert.equal(res.statusCode, 404)
    assert.match(res.json().error.message, /not built/)
  })

  it('the build copied the dashboard and its library next to dist/src', () => {
    for (const f of ['index.html', 'app.js', 'style.css', 'vendor/htm-preact.js']) {
      assert.ok(existsSync(join(DEFAULT_UI_DIR, f)), `${join(DEFAULT_UI_DIR, f)} is missing: npm run build copies packages/node/ui there`)
    }
  })
})
