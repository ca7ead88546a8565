import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError } from '../src/base/errors.js'
import { resolveConfig } from '../src/config/resolve.js'

function refusal (flags: Record<string, unknown>): string {
  try {
    resolveConfig({ flags })
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err))
    return err.message
  }
  return 'accepted'
}

describe('the API beyond loopback', () => {
  it('is refused over plain HTTP, naming the flags that allow it', () => {
    for (const api of ['0.0.0.0:7070', '10.0.0.5:7070', 'node-a.example:7070']) {
      assert.match(refusal({ api }), /^--api: .*--api-tls-cert.*--api-tls-key.*--api-insecure/, api)
    }
  })

  it('is allowed with TLS, or with --api-insecure; loopback needs neither', () => {
    for (const flags of [{ api: '0.0.0.0:7070', apiTlsCertFile: 'c.pem', apiTlsKeyFile: 'k.pem' }, { api: '0.0.0.0:7070', apiInsecure: true },
      { api: '127.0.0.1:7070' }, { api: '127.9.0.1:1' }, { api: 'localhost:7070' }]) {
      assert.equal(refusal(flags), 'accepted', JSON.stringify(flags))
    }
  })

  it('refuses half a TLS setting, or TLS and --api-insecure at once', () => {
    assert.match(refusal({ apiTlsCertFile: 'c.pem' }), /^--api-tls-key: /)
    assert.match(refusal({ apiTlsKeyFile: 'k.pem' }), /^--api-tls-cert: /)
    assert.match(refusal({ apiTlsCertFile: 'c.pem', apiTlsKeyFile: 'k.pem', apiInsecure: true }), /^--api-insecure: /)
  })
})
