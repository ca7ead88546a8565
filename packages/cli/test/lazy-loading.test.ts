/**
 * Client commands must not load the daemon (libp2p, LevelDB, fastify): that is what makes
 * `kos peers` start in tens of milliseconds. A resolve hook records every module this process
 * loads from here on; node --test runs each test file in a process of its own, so nothing was
 * loaded before.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { registerHooks } from 'node:module'
import { captureIo } from './capture-io.js'

const loaded: string[] = []
registerHooks({
  resolve: (specifier, context, next) => {
    const result = next(specifier, context)
    loaded.push(result.url)
    return result
  }
})

const DAEMON = /\/(libp2p|@libp2p|@chainsafe|fastify|classic-level|level|packages\/node)\//

function daemonModules (): string[] {
  return loaded.filter((url) => DAEMON.test(url))
}

describe('the kos client commands', () => {
  it('load no daemon module; only kos start and policy check do', async () => {
    const { runCli } = await import('../src/program.js')
    for (const argv of [['--version'], ['--help'], ['peers', '--help'], ['peers', '--api', '127.0.0.1:1'], ['status', '--api', '127.0.0.1:1', '--json'], ['keygen'], ['monitor', '--api', '127.0.0.1:1']]) {
      await runCli(argv, captureIo())
      assert.deepEqual(daemonModules(), [], `kos ${argv.join(' ')}`)
    }
    // The control: the hook does see the daemon when a command loads it.
    await runCli(['policy', 'check', '/nonexistent/policy.yaml'], captureIo())
    assert.ok(daemonModules().some((url) => url.includes('packages/node/')), 'policy check loads @kos/node')
  })
})
