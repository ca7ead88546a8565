import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_API, parseApiAddress } from '@kos/client'

describe('parseApiAddress', () => {
  const valid: Array<[string, string]> = [
    [DEFAULT_API, 'http://127.0.0.1:7070'],
    ['localhost:1', 'http://localhost:1'],
    ['node-a.example.com:65535', 'http://node-a.example.com:65535'],
    ['[::1]:7070', 'http://[::1]:7070'],
    ['http://127.0.0.1:7070', 'http://127.0.0.1:7070'],
    ['http://127.0.0.1:7070/', 'http://127.0.0.1:7070'],
    ['http://proxy.local/kos/', 'http://proxy.local/kos'],
    ['https://10.0.0.5:7070', 'https://10.0.0.5:7070']
  ]
  for (const [value, expected] of valid) {
    it(`accepts ${value}`, () => { assert.equal(parseApiAddress(value), expected) })
  }

  const invalid = ['', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:port', ':7070',
    'ftp://x:1', 'http://', 'http://u:p@host:1', 'http://host:1/?a=b', 'http://host:0']
  for (const value of invalid) {
    it(`rejects "${value}" with a UsageError naming --api`, () => {
      assert.throws(() => parseApiAddress(value), (err: Error) => {
        assert.equal(err.name, 'UsageError')
        assert.match(err.message, /--api/)
        return true
      })
    })
  }
})
