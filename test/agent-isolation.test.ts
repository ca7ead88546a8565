/**
 * An agent run as `agentUser` cannot read its node's secrets, and gets neither the node's
 * environment nor its working directory (issue 16, "Agents"). A real node runs as root and starts
 * a shell agent as `nobody` that tries to read the API token and the identity key, and prints
 * its environment and working directory into its stdout log. Needs root and a `nobody` user;
 * skips saying why otherwise.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, type KosProcess } from '@kos/testkit'
import type { AgentInfo } from '@kos/client'

function skipReason (): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs Linux and root to run agents as another user'
  try { execFileSync('getent', ['passwd', 'nobody']) } catch { return 'needs a user named nobody' }
  return undefined
}

describe('an agent run as agentUser', { skip: skipReason() }, () => {
  const cluster = new Cluster()
  let node: KosProcess

  before(async () => {
    await cluster.init()
    // A data directory lives under a path others may pass through (/var/lib, a home): the test's
    // private temporary directory stands in for one.
    await chmod(cluster.tmp, 0o711)
    const cfg = join(cluster.tmp, 'agents.json')
    const dataDir = join(cluster.tmp, 'node-data')
    await writeFile(cfg, JSON.stringify({
      agentUser: 'nobody',
      agents: [{
        name: 'snoop',
        command: '/bin/sh',
        args: ['-c', 'echo "token: $(cat "$DATA/api-token" 2>&1)"; echo "identity: $(cat "$DATA/identity.key" 2>&1 >/dev/null)"; echo "uid: $(id -u)"; echo "cwd: $(pwd)"; env | sed "s/^/env: /"; echo done; exec sleep 600'],
        env: { DATA: dataDir }
      }]
    }))
    node = await cluster.startNode({ name: 'iso', dataDir, extraArgs: ['--config', cfg] })
  })

  after(async () => { await cluster.cleanup() })

  it('cannot read the token or the identity, and sees only its own environment and directory', async () => {
    const log = join(node.dataDir, 'agents', 'snoop', 'stdout.log')
    const out = await cluster.waitFor('the agent has reported', async () => {
      const text = await readFile(log, 'utf8').catch(() => '')
      return text.includes('done') ? text : false
    }, { timeoutMs: 30_000 })
    const token = (await readFile(join(node.dataDir, 'api-token'), 'utf8')).trim()
    assert.ok(!out.includes(token), 'the agent read the API token')
    assert.match(out, /^token: .*Permission denied/m)
    assert.match(out, /^identity: .*Permission denied/m)
    assert.match(out, /^uid: 65534$/m)
    assert.match(out, new RegExp(`^cwd: ${join(node.dataDir, 'agents', 'snoop', 'work')}$`, 'm'))
    const names = [...out.matchAll(/^env: ([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]).sort()
    // sh adds PWD, SHLVL and _ of its own; HOME and the rest of the node's environment must be absent.
    assert.deepEqual(names.filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n ?? '')), ['DATA', 'KOS_AGENT_ID', 'KOS_API', 'KOS_TOKEN', 'PATH'])
    const agent = (await node.api<AgentInfo>('/v1/agents/snoop')).body
    assert.equal(agent.state, 'running')
  })
})
