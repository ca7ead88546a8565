import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildApi } from '../src/api/server.js'
import { hostAllowed } from '../src/api/request-guards.js'
import { stubApiDeps } from './helpers/api-deps.js'

const JSON_TOKEN = { 'content-type': 'application/json', authorization: 'Bearer tok' }

describe('the local API refuses what a web page could send', () => {
  it('421 for a Host that is neither loopback nor the configured API address (DNS rebinding), on reads too', async () => {
    let left = 0
    const app = buildApi(stubApiDeps({ leave: () => { left++ }, apiAddresses: () => ['10.1.2.3:7070'] }))
    for (const [method, url] of [['POST', '/v1/leave'], ['GET', '/v1/audit'], ['GET', '/v1/peers']] as const) {
      const res = await app.inject({ method, url, headers: { ...JSON_TOKEN, host: 'evil.example' }, ...(method === 'POST' ? { payload: '{}' } : {}) })
      assert.equal(res.statusCode, 421, `${method} ${url}`)
      assert.equal(res.json().error.code, 'misdirected_request')
    }
    assert.equal(left, 0)
    for (const host of ['127.0.0.1:7070', 'localhost:7070', '[::1]:7070', '10.1.2.3:7070']) {
      assert.equal((await app.inject({ method: 'GET', url: '/v1/peers', headers: { host } })).statusCode, 200, host)
    }
  })

  it('415 for anything but a read without Content-Type: application/json, body or no body', async () => {
    let left = 0
    const app = buildApi(stubApiDeps({ leave: () => { left++ } }))
    for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {}]) {
      const res = await app.inject({ method: 'POST', url: '/v1/leave', headers: { authorization: 'Bearer tok', ...headers }, payload: headers['content-type'] === undefined ? undefined : 'x=1' })
      assert.equal(res.statusCode, 415, JSON.stringify(headers))
      assert.equal(res.json().error.code, 'unsupported_media_type')
    }
    assert.equal(left, 0)
  })

  it('401 for join and leave without the token; with it, they run', async () => {
    let left = 0
    const app = buildApi(stubApiDeps({ leave: () => { left++ } }))
    const noToken = await app.inject({ method: 'POST', url: '/v1/leave', headers: { 'content-type': 'application/json' }, payload: '{}' })
    assert.equal(noToken.statusCode, 401)
    const join = await app.inject({ method: 'POST', url: '/v1/join', headers: { 'content-type': 'application/json' }, payload: { addrs: ['/ip4/127.0.0.1/tcp/1'] } })
    assert.equal(join.statusCode, 401)
    assert.equal(left, 0)
    assert.equal((await app.inject({ method: 'POST', url: '/v1/leave', headers: JSON_TOKEN, payload: '{}' })).statusCode, 200)
    assert.equal(left, 1)
  })
})

describe('hostAllowed', () => {
  it('takes loopback names and the API addresses, and nothing else', () => {
    for (const h of ['127.0.0.1', '127.0.0.1:7070', '127.9.9.9:1', 'localhost', 'LOCALHOST:7070', 'a.localhost', '[::1]:7070', '10.0.0.5:7070']) {
      assert.equal(hostAllowed(h, ['10.0.0.5:7070']), true, h)
    }
    for (const h of [undefined, '', 'evil.example', 'evil.example:7070', '127.0.0.1.evil.example', '10.0.0.6:7070', '[::2]:7070', 'localhost.evil.example']) {
      assert.equal(hostAllowed(h, ['10.0.0.5:7070']), false, String(h))
    }
  })
})
