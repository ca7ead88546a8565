/** The webhook signature (escalation/webhook.ts): HMAC-SHA256 of the raw body, as `sha256=<hex>`. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signBody, verifySignature } from '../src/escalation/webhook.js'

describe('webhook signature', () => {
  it('is sha256=<hex> of HMAC-SHA256 (a known vector)', () => {
    assert.equal(signBody('key', 'The quick brown fox jumps over the lazy dog'),
      'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8')
  })
  it('verifies the right body and secret only', () => {
    const body = JSON.stringify({ id: 'e1', summary: 'x' })
    const sig = signBody('s3cret', body)
    assert.equal(verifySignature('s3cret', body, sig), true)
    assert.equal(verifySignature('other', body, sig), false)
    assert.equal(verifySignature('s3cret', body + ' ', sig), false)
    assert.equal(verifySignature('s3cret', body, undefined), false)
    assert.equal(verifySignature('s3cret', body, 'sha256=00'), false)
  })
})
