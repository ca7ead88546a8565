import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareDataDir } from '../src/net/identity.js'

describe('prepareDataDir', () => {
  it('makes a data directory and secrets readable by others owner-only again, and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kos-perm-'))
    try {
      await writeFile(join(dir, 'api-token'), 'x')
      await writeFile(join(dir, 'identity.key'), 'x')
      await chmod(dir, 0o755)
      await chmod(join(dir, 'api-token'), 0o644)
      await chmod(join(dir, 'identity.key'), 0o640)
      const fixed = await prepareDataDir(dir)
      assert.equal(fixed.length, 3, fixed.join('\n'))
      assert.match(fixed[1]!, /identity\.key was open to group or others \(mode 640\); made it 600/)
      assert.equal((await stat(dir)).mode & 0o777, 0o700)
      assert.equal((await stat(join(dir, 'api-token'))).mode & 0o777, 0o600)
      assert.equal((await stat(join(dir, 'identity.key'))).mode & 0o777, 0o600)
      assert.deepEqual(await prepareDataDir(dir), [], 'nothing left to fix')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
