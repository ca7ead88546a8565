import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { prettyLogs } from '../src/logger.js'

describe('logFormat', () => {
  it('auto is pretty on a terminal and JSON lines otherwise; json and pretty are what they say', () => {
    assert.equal(prettyLogs('auto', true), true)
    assert.equal(prettyLogs('auto', false), false)
    assert.equal(prettyLogs('json', true), false)
    assert.equal(prettyLogs('pretty', false), true)
  })
})
