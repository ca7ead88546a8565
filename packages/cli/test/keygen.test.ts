/**
 * `kos keygen`: a fresh key each time, in the format the node reads (its own parser checks what
 * the command writes, since the command repeats the format to load no daemon code), written to a
 * new 0600 file with --out and never over an existing one.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLUSTER_KEY_PREFIX as NODE_PREFIX, parseClusterKeys } from '@kos/node'
import { CLUSTER_KEY_PREFIX } from '../src/commands/keygen.js'
import { runCli } from '../src/program.js'
import { captureIo } from './capture-io.js'

async function withDir (fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kos-keygen-'))
  try { await fn(dir) } finally { await rm(dir, { recursive: true, force: true }) }
}

describe('kos keygen', () => {
  it('prints a new key the node can read, a different one each time', async () => {
    assert.equal(CLUSTER_KEY_PREFIX, NODE_PREFIX)
    const lines: string[] = []
    for (let i = 0; i < 2; i++) {
      const io = captureIo()
      assert.equal(await runCli(['keygen'], io), 0, io.errText())
      assert.equal(io.stdout.length, 1)
      lines.push(io.stdout[0]!)
    }
    const keys = parseClusterKeys(lines.join('\n'))
    assert.equal(keys.length, 2)
    assert.equal(keys[0]!.length, 32)
    assert.notDeepEqual(keys[0], keys[1])
  })

  it('--out writes a new file of mode 0600 holding one key', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'cluster.key')
      const io = captureIo()
      assert.equal(await runCli(['keygen', '--out', file], io), 0, io.errText())
      assert.match(io.outText(), /wrote a new cluster key to .*cluster\.key \(mode 600\)/)
      assert.equal((await stat(file)).mode & 0o777, 0o600)
      assert.equal(parseClusterKeys(await readFile(file, 'utf8')).length, 1)
      assert.ok(!io.outText().includes(CLUSTER_KEY_PREFIX), 'the key is not printed')
    })
  })

  it('--out never overwrites a file: exit 2, naming --out, the file unchanged', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'cluster.key')
      await writeFile(file, 'the old key\n')
      const io = captureIo()
      assert.equal(await runCli(['keygen', '--out', file], io), 2)
      assert.match(io.errText(), /--out: .*cluster\.key exists/)
      assert.equal(await readFile(file, 'utf8'), 'the old key\n')
    })
  })

  it('--out into a directory that does not exist fails with exit 1', async () => {
    await withDir(async (dir) => {
      const io = captureIo()
      assert.equal(await runCli(['keygen', '--out', join(dir, 'none', 'cluster.key')], io), 1)
      assert.match(io.errText(), /--out: cannot write/)
    })
  })
})
