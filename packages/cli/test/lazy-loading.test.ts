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
  it('load no daemon module; only kos start does', async () => {
    const { runCli } = await import('../src/program.js')
    for (const argv of [['--version'], ['--help'], ['peers', '--help'], ['peers', '--api', '127.0.0.1:1'], ['status', '--api', '127.0.0.1:1', '--json'], ['keygen'], ['monitor', '--api', '127.0.0.1:1']]) {
      await runCli(argv, captureIo())
      assert.deepEqual(daemonModules(), [], `kos ${argv.join(' ')}`)
    }
    // policy check loads the node's policy file loader, and nothing else of the node; seeing that
    // module is also the control that the hook sees what a command loads from the node.
    await runCli(['policy', 'check', '/nonexistent/policy.yaml'], captureIo())
    const seen = daemonModules()
    assert.ok(seen.some((url) => url.endsWith('/healing/policy-file.js')), 'the hook saw policy check load the policy file loader')
    assert.deepEqual(seen.filter((url) => !url.endsWith('/healing/policy-file.js')), [], 'policy check loads no other daemon module')
  })
})
