import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { ApiError, NodeUnreachableError, UsageError } from '@kos/client'
import { ExitCode, exitCodeForError } from '../src/exit-codes.js'
import { runCli } from '../src/program.js'
import { VERSION } from '../src/version.js'
import { captureIo } from './capture-io.js'

describe('exit codes', () => {
  it('are pinned: scripts depend on them', () => {
    assert.deepEqual(ExitCode, { ok: 0, failure: 1, usage: 2 })
  })

  it('map each error class, by its stable name', () => {
    const cases: Array<[Error, string, number]> = [
      [new NodeUnreachableError('http://x:1', 'refused', { cause: new Error('x') }), 'NodeUnreachableError', 1],
      [new ApiError(404, 'not_found', 'no such peer', { cause: null }), 'ApiError', 1],
      [new UsageError('bad --api'), 'UsageError', 2],
      [new Error('something else'), 'Error', 1]
    ]
    for (const [err, name, code] of cases) {
      assert.equal(err.name, name)
      assert.equal(exitCodeForError(err), code, name)
    }
  })
})

describe('kos', () => {
  it('--help lists the commands and exits 0', async () => {
    const io = captureIo()
    assert.equal(await runCli(['--help'], io), 0)
    for (const command of ['start', 'status', 'peers', 'join', 'leave']) {
      assert.match(io.outText(), new RegExp(`^  ${command}\\b`, 'm'), command)
    }
  })

  it('<command> --help shows the --api default and KOS_API, and exits 0', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peers', '--help'], io), 0)
    assert.match(io.outText(), /--api <host:port>.*default: "127\.0\.0\.1:7070", env: KOS_API/s)
    assert.match(io.outText(), /--json/)
  })

  it('--version prints the package version and exits 0', async () => {
    const io = captureIo()
    assert.equal(await runCli(['--version'], io), 0)
    assert.deepEqual(io.stdout, [VERSION])
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    assert.equal(VERSION, pkg.version)
  })

  it('exits 2 for an unknown command, with a suggestion', async () => {
    const io = captureIo()
    assert.equal(await runCli(['peer'], io), 2)
    assert.match(io.errText(), /unknown command 'peer'/)
    assert.match(io.errText(), /Did you mean peers\?/)
  })

  it('exits 2 without a command, showing the help on stderr', async () => {
    const io = captureIo()
    assert.equal(await runCli([], io), 2)
    assert.deepEqual(io.stdout, [])
    assert.match(io.errText(), /Usage: kos/)
  })

  it('exits 2 for excess arguments', async () => {
    const io = captureIo()
    assert.equal(await runCli(['leave', 'now'], io), 2)
    assert.match(io.errText(), /too many arguments/)
  })
})
