/**
 * Bad input gets a clear error and loses nothing (issue 2): every invalid flag or config key
 * makes `kos start` exit promptly with code 2 and a message on stderr naming the flag or key.
 * Each case is otherwise a valid start (fresh ports, a writable data directory), so the only
 * fault is the one under test; a node that starts anyway is killed by the harness.
 */
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Cluster, freePort } from '@kos/testkit'

/** A refused start must not hang: config errors are reported before any network wait. */
const EXIT_DEADLINE_MS = 15_000

describe('kos start refuses bad input with exit code 2', () => {
  const cluster = new Cluster()
  const servers: Server[] = []
  let count = 0

  before(async () => { await cluster.init() })
  after(async () => {
    await Promise.all(servers.map(async (s) => await new Promise((resolve) => s.close(resolve))))
    await cluster.cleanup()
  })

  /** Valid `kos start` flags, with `overrides` replacing or adding flags. */
  async function startArgs (overrides: Record<string, string | string[]> = {}, extra: string[] = []): Promise<string[]> {
    const n = ++count
    const flags: Record<string, string | string[]> = {
      '--name': `bad${n}`,
      '--listen': `/ip4/127.0.0.1/tcp/${await freePort()}`,
      '--api': `127.0.0.1:${await freePort()}`,
      '--data': join(cluster.tmp, `bad${n}`),
      ...overrides
    }
    const args = ['start', '--json', '--log-level', 'warn']
    for (const [flag, value] of Object.entries(flags)) {
      for (const v of Array.isArray(value) ? value : [value]) args.push(flag, v)
    }
    return [...args, ...extra]
  }

  /** Runs `kos start` with the args and asserts a prompt exit 2 whose stderr matches `names`. */
  async function expectRefused (args: string[], names: RegExp): Promise<string> {
    const res = await cluster.runCli(args, EXIT_DEADLINE_MS)
    const context = `kos ${args.join(' ')}\nexit: ${JSON.stringify({ code: res.code, signal: res.signal, timedOut: res.timedOut })}` +
      `\nstdout: ${res.stdout}\nstderr: ${res.stderr}`
    assert.equal(res.timedOut, false, `did not exit within ${EXIT_DEADLINE_MS} ms\n${context}`)
    assert.equal(res.code, 2, `exit code\n${context}`)
    assert.match(res.stderr, names, `stderr does not name the culprit\n${context}`)
    assert.equal(res.stdout.trim(), '', `a refused node printed a startup line\n${context}`)
    return res.stderr
  }

  /** Occupies a port on 127.0.0.1 until the end of the file. */
  async function occupy (): Promise<number> {
    const port = await freePort()
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: '127.0.0.1', port }, resolve)
    })
    servers.push(server)
    return port
  }

  it('a malformed multiaddr in --listen', async () => {
    await expectRefused(await startArgs({ '--listen': '/ip4/127.0.0.1/tcp/notaport' }), /--listen/)
  })

  it('a listen multiaddr that is not TCP', async () => {
    await expectRefused(await startArgs({ '--listen': '/ip4/127.0.0.1/udp/4001' }), /--listen/)
  })

  it('a malformed multiaddr in --bootstrap', async () => {
    await expectRefused(await startArgs({ '--bootstrap': '/ip4/not-an-ip/tcp/4001' }), /--bootstrap/)
  })

  it('a bootstrap that is not a multiaddr at all (host:port)', async () => {
    await expectRefused(await startArgs({ '--bootstrap': '127.0.0.1:4001' }), /--bootstrap/)
  })

  it('a busy listen port', async () => {
    const port = await occupy()
    await expectRefused(await startArgs({ '--listen': `/ip4/127.0.0.1/tcp/${port}` }), new RegExp(`--listen[^]*${port}`))
  })

  it('a busy API port', async () => {
    const port = await occupy()
    await expectRefused(await startArgs({ '--api': `127.0.0.1:${port}` }), new RegExp(`--api[^]*${port}`))
  })

  it('a malformed --api value', async () => {
    await expectRefused(await startArgs({ '--api': 'localhost' }), /--api/)
  })

  it('a data directory that cannot be written (a path under a regular file)', async () => {
    // Tests may run as root, whom chmod does not stop; a regular file in the path stops anyone.
    const file = join(cluster.tmp, 'a-regular-file')
    await writeFile(file, 'not a directory\n')
    await expectRefused(await startArgs({ '--data': join(file, 'sub') }), /--data/)
  })

  it('an unknown profile', async () => {
    await expectRefused(await startArgs({ '--profile': 'no-such-profile' }), /--profile/)
  })

  it('a bad --role', async () => {
    await expectRefused(await startArgs({ '--role': 'emperor' }), /--role/)
  })

  it('an unknown key in the config file', async () => {
    const dir = join(cluster.tmp, 'configs')
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'unknown-key.json')
    await writeFile(file, JSON.stringify({ heartbeatIntervalMs: 1000, heartbeatIntervallMs: 500 }))
    await expectRefused(await startArgs({ '--config': file }), /heartbeatIntervallMs/)
  })

  it('a config file that is not valid JSON', async () => {
    const dir = join(cluster.tmp, 'configs')
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'broken.json')
    await writeFile(file, '{ "heartbeatIntervalMs": 1000, ')
    await expectRefused(await startArgs({ '--config': file }), /--config/)
  })

  it('a config-file key with a value of the wrong type', async () => {
    const dir = join(cluster.tmp, 'configs')
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'bad-value.json')
    await writeFile(file, JSON.stringify({ heartbeatIntervalMs: 'fast' }))
    await expectRefused(await startArgs({ '--config': file }), /heartbeatIntervalMs/)
  })

  it('a malformed listen address given in the config file names the file key', async () => {
    const dir = join(cluster.tmp, 'configs')
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'bad-listen.json')
    await writeFile(file, JSON.stringify({ listen: ['/ip4/127.0.0.1/tcp/99999'] }))
    const args = (await startArgs({ '--config': file })).filter((_a, i, all) => all[i] !== '--listen' && all[i - 1] !== '--listen')
    await expectRefused(args, /listen/)
  })
  it('a policy file with a bad action names the file, line and key', async () => {
    const dir = join(cluster.tmp, 'configs')
    await mkdir(dir, { recursive: true })
    const policy = join(dir, 'policy.yaml')
    await writeFile(policy, 'version: 1\nrules:\n  - class: agent\n    when: { condition: exit }\n    actions: [restrat]\n')
    const file = join(dir, 'with-policy.json')
    await writeFile(file, JSON.stringify({ policyFile: policy }))
    const stderr = await expectRefused(await startArgs({ '--config': file }), /policyFile/)
    assert.match(stderr, /policy\.yaml:5:\d+: rules\[0\]\.actions\[0\]/)
  })

  it('an agent definition with a bad probe names the key', async () => {
    const dir = join(cluster.tmp, 'configs')
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'bad-agent.json')
    await writeFile(file, JSON.stringify({ agents: [{ name: 'web', command: 'true', liveness: { http: 'ftp://x/' } }] }))
    await expectRefused(await startArgs({ '--config': file }), /agents.*\[0\.liveness\.http\]/)
  })
})
