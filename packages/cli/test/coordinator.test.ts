import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CoordinatorInfo } from '@kos/client'
import { runCli } from '../src/program.js'
import { captureIo } from './capture-io.js'
import { ALPHA_ID, SELF_ID } from './fixtures.js'
import { startStubApi } from './stub-api.js'
import type { StubApi } from './stub-api.js'

const elected: CoordinatorInfo = {
  peerId: ALPHA_ID, name: 'alpha', term: 7, since: '2025-01-01T00:00:00.000Z', leaseRemainingMs: 350,
  voters: [ALPHA_ID, SELF_ID], votersVersion: 3, quorum: 2
}
const none: CoordinatorInfo = { ...elected, peerId: null, name: null, since: null, leaseRemainingMs: 0 }

describe('kos coordinator', () => {
  let stub: StubApi
  before(async () => { stub = await startStubApi({ 'GET /v1/coordinator': { status: 200, body: elected } }) })
  after(async () => { await stub.close() })

  it('shows the coordinator, term, lease and voters', async () => {
    const io = captureIo()
    assert.equal(await runCli(['coordinator', '--api', stub.api], io), 0)
    assert.deepEqual(io.stdout.slice(0, 5), [
      `Coordinator:  alpha (${ALPHA_ID})`,
      'Term:         7',
      'Since:        2025-01-01T00:00:00.000Z',
      'Lease left:   350ms',
      'Quorum:       2 of 2 voters (voter set v3)'
    ])
    assert.match(io.stdout[5] ?? '', /^Voters: +12D3Ko…ALPHA1$/)
  })

  it('says so when there is none', async () => {
    stub.routes.set('GET /v1/coordinator', { status: 200, body: none })
    const io = captureIo()
    assert.equal(await runCli(['coordinator', '--api', stub.api], io), 0)
    assert.match(io.stdout[0] ?? '', /^Coordinator: +none \(no quorum/)
  })

  it('prints the API answer with --json', async () => {
    stub.routes.set('GET /v1/coordinator', { status: 200, body: elected })
    const io = captureIo()
    assert.equal(await runCli(['coordinator', '--json', '--api', stub.api], io), 0)
    assert.deepEqual(JSON.parse(io.stdout.join('\n')), elected)
  })
})
