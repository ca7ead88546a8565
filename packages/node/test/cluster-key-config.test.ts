/**
 * The cluster key in the config: a node listening beyond loopback needs one (or says it goes
 * without, on purpose), and the key file is read with its errors naming --cluster-key-file and
 * the line, and a file open to group or others made 0600.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isLoopbackMultiaddr } from '../src/config/loopback.js'
import { resolveConfig } from '../src/config/resolve.js'
import { ConfigError } from '../src/base/errors.js'
import { formatClusterKey } from '../src/net/cluster-key.js'
import { readClusterKeyFile } from '../src/net/cluster-key-file.js'

async function configError (fn: () => unknown): Promise<ConfigError> {
  try {
    await fn()
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    return err
  }
  assert.fail('expected a ConfigError')
}

describe('isLoopbackMultiaddr', () => {
  it('is true for 127.0.0.0/8, ::1 and localhost only', () => {
    for (const a of ['/ip4/127.0.0.1/tcp/7946', '/ip4/127.0.0.11/tcp/1', '/ip4/127.255.255.254/tcp/1', '/ip6/::1/tcp/1', '/dns4/localhost/tcp/1', '/dns/node.localhost/tcp/1']) {
      assert.equal(isLoopbackMultiaddr(a), true, a)
    }
    for (const a of ['/ip4/0.0.0.0/tcp/7946', '/ip4/10.0.0.5/tcp/1', '/ip4/128.0.0.1/tcp/1', '/ip6/::/tcp/1', '/ip6/fe80::1/tcp/1', '/dns4/node.example/tcp/1']) {
      assert.equal(isLoopbackMultiaddr(a), false, a)
    }
  })
})

describe('a node beyond loopback', () => {
  it('needs a cluster key, and says how to make one', async () => {
    const err = await configError(() => resolveConfig({ flags: { listen: ['/ip4/127.0.0.1/tcp/7001', '/ip4/0.0.0.0/tcp/7946'] } }))
    assert.equal(err.key, '--cluster-key-file')
    assert.match(err.message, /0\.0\.0\.0/)
    assert.match(err.message, /kos keygen/)
    assert.match(err.message, /--insecure-no-cluster-key/)
  })

  it('starts with a key file, or with --insecure-no-cluster-key', () => {
    const listen = ['/ip4/10.0.0.5/tcp/7946']
    assert.equal(resolveConfig({ flags: { listen, clusterKeyFile: '/etc/kos/cluster.key' } }).clusterKeyFile, '/etc/kos/cluster.key')
    assert.equal(resolveConfig({ flags: { listen, insecureNoClusterKey: true } }).insecureNoClusterKey, true)
    assert.equal(resolveConfig({ file: { listen, insecureNoClusterKey: true } }).insecureNoClusterKey, true)
  })

  it('names --cluster-key-file also when the config file set the listen address', async () => {
    const err = await configError(() => resolveConfig({ file: { listen: ['/ip4/10.0.0.5/tcp/7946'] }, filePath: 'node.json' }))
    assert.equal(err.key, '--cluster-key-file')
  })

  it('refuses a key file and --insecure-no-cluster-key together', async () => {
    const err = await configError(() => resolveConfig({ flags: { clusterKeyFile: 'k', insecureNoClusterKey: true } }))
    assert.equal(err.key, '--insecure-no-cluster-key')
  })
})

describe('on loopback', () => {
  it('the key stays optional', () => {
    assert.equal(resolveConfig().clusterKeyFile, '')
    assert.equal(resolveConfig({ flags: { listen: ['/ip6/::1/tcp/7946'] } }).insecureNoClusterKey, false)
  })
})

describe('readClusterKeyFile', () => {
  async function withDir (fn: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'kos-cluster-key-'))
    try { await fn(dir) } finally { await rm(dir, { recursive: true, force: true }) }
  }

  it('reads the keyring of a 0600 file', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'cluster.key')
      await writeFile(file, `${formatClusterKey(Buffer.alloc(32, 1))}\n${formatClusterKey(Buffer.alloc(32, 2))}\n`, { mode: 0o600 })
      const read = await readClusterKeyFile(file)
      assert.deepEqual(read.keyring, [Buffer.alloc(32, 1), Buffer.alloc(32, 2)])
      assert.equal(read.madeOwnerOnly, undefined)
    })
  })

  it('makes a file open to group or others 0600, and says so', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'cluster.key')
      await writeFile(file, formatClusterKey(Buffer.alloc(32, 1)))
      await chmod(file, 0o644)
      const read = await readClusterKeyFile(file)
      assert.match(read.madeOwnerOnly ?? '', /open to group or others \(mode 644\); made it 600/)
      assert.equal((await stat(file)).mode & 0o777, 0o600)
    })
  })

  it('names --cluster-key-file, the file and the line of a malformed key', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'cluster.key')
      await writeFile(file, `# keys\n${formatClusterKey(Buffer.alloc(32, 1))}\nnot-a-key\n`, { mode: 0o600 })
      const err = await configError(async () => await readClusterKeyFile(file))
      assert.equal(err.key, '--cluster-key-file')
      assert.match(err.message, new RegExp(`${file}: line 3: not a cluster key`))
    })
  })

  it('names --cluster-key-file for a missing file or a directory', async () => {
    await withDir(async (dir) => {
      assert.match((await configError(async () => await readClusterKeyFile(join(dir, 'none')))).message, /^--cluster-key-file: cannot read/)
      assert.match((await configError(async () => await readClusterKeyFile(dir))).message, /is not a file/)
    })
  })
})
