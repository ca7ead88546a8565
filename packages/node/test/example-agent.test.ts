/**
 * The example agent (examples/agents/example-agent.mjs), run as a real child process: the
 * supervisor's tests rely on each of its switches doing what it says, so each is checked here.
 */

import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { EXAMPLE_AGENT, pollUntil, startExampleAgent, within } from './helpers/example-agent.js'
import type { AgentProcess } from './helpers/example-agent.js'

const started: AgentProcess[] = []
after(() => { for (const agent of started) agent.kill() })

async function start (args: string[] = [], env: Record<string, string> = {}): Promise<AgentProcess> {
  const agent = await startExampleAgent(args, env)
  started.push(agent)
  return agent
}

async function get (url: string): Promise<{ status: number, body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) })
  return { status: response.status, body: await response.json() }
}

async function post (url: string): Promise<{ status: number, body: unknown }> {
  const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(5000) })
  return { status: response.status, body: await response.json() }
}

const errorLines = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('ERROR '))

/** Resident set size of a process in bytes, from /proc (Linux only). */
async function rssBytes (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(kb) * 1024
}

describe('example agent', () => {
  it('logs its start line, answers /healthz with {"ok":true}, and exits 0 on SIGTERM', async () => {
    const agent = await start()
    assert.match(agent.stdout(), new RegExp(`^example-agent listening on 127\\.0\\.0\\.1:${agent.port} pid ${agent.child.pid}\\n`))
    assert.deepEqual(await get(`${agent.url}/healthz`), { status: 200, body: { ok: true } })
    agent.child.kill('SIGTERM')
    assert.deepEqual(await within(5000, 'exit after SIGTERM', agent.exited), { code: 0, signal: null })
  })

  it('exits with code 1 soon after answering POST /crash', async () => {
    const agent = await start()
    assert.equal((await post(`${agent.url}/crash`)).status, 202)
    assert.deepEqual(await within(5000, 'exit after /crash', agent.exited), { code: 1, signal: null })
  })

  it('answers /healthz with 500 under --fail-health, and 200 again after POST /heal', async () => {
    const agent = await start(['--fail-health'])
    assert.equal((await get(`${agent.url}/healthz`)).status, 500)
    assert.equal((await post(`${agent.url}/heal`)).status, 200)
    assert.deepEqual(await get(`${agent.url}/healthz`), { status: 200, body: { ok: true } })
  })

  it('writes ERROR lines to stderr under --errors-per-sec, and at the rate POST /errors sets', async () => {
    const flagged = await start(['--errors-per-sec', '50'])
    const lines = await pollUntil('10 ERROR lines from --errors-per-sec', () => errorLines(flagged.stderr()).length >= 10 && errorLines(flagged.stderr()))
    assert.match(lines[0] ?? '', /^ERROR example-agent simulated failure #1 /)
    assert.equal(errorLines(flagged.stdout()).length, 0, 'errors go to stderr only')

    const switched = await start()
    assert.equal(errorLines(switched.stderr()).length, 0)
    assert.deepEqual(await post(`${switched.url}/errors?perSec=50`), { status: 200, body: { errorsPerSec: 50 } })
    await pollUntil('ERROR lines after POST /errors', () => errorLines(switched.stderr()).length >= 10)
  })

  it('exits 1 by itself under --crash-after-ms', async () => {
    const agent = await start(['--crash-after-ms', '100'])
    assert.deepEqual(await within(5000, 'exit after --crash-after-ms', agent.exited), { code: 1, signal: null })
  })

  it('stops answering after POST /hang but stays alive (a probe times out)', async () => {
    const agent = await start()
    assert.equal((await post(`${agent.url}/hang`)).status, 202)
    // Polled, since the busy loop starts just after the answer: the first probes may still pass.
    await pollUntil('a /healthz probe that times out', async () => {
      try {
        await fetch(`${agent.url}/healthz`, { signal: AbortSignal.timeout(300) })
        return false
      } catch (err) {
        return (err as Error).name === 'TimeoutError'
      }
    })
    assert.equal(agent.child.exitCode, null, 'a hung agent has not exited')
    agent.kill()
    assert.equal((await within(5000, 'exit after SIGKILL', agent.exited)).signal, 'SIGKILL')
  })

  it('grows its RSS under POST /leak', { skip: process.platform !== 'linux' ? 'reads RSS from /proc' : false }, async () => {
    const agent = await start()
    const pid = agent.child.pid ?? -1
    const before = await rssBytes(pid)
    assert.equal((await post(`${agent.url}/leak?mbPerSec=40`)).status, 200)
    await pollUntil('RSS 30 MiB above the start', async () => (await rssBytes(pid)) - before >= 30 * 1024 * 1024)
  })

  it('reports POST /ethics to its node with the agent id and bearer token', async () => {
    const received: Array<{ method?: string, url?: string, headers: IncomingHttpHeaders, body: string }> = []
    const node = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body })
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}')
      })
    })
    await new Promise<void>((resolve) => { node.listen(0, '127.0.0.1', resolve) })
    try {
      const { port } = node.address() as AddressInfo
      const agent = await start([], { KOS_API: `http://127.0.0.1:${port}`, KOS_AGENT_ID: 'agent/7', KOS_TOKEN: 's3cret' })
      const answer = await post(`${agent.url}/ethics?verdict=violation&severity=critical&rule=no-exfiltration`)
      assert.equal(answer.status, 200)
      assert.equal((answer.body as { nodeStatus: number }).nodeStatus, 202)
      assert.equal(received.length, 1)
      const [request] = received
      assert.equal(request?.method, 'POST')
      assert.equal(request?.url, '/v1/agents/agent%2F7/ethics')
      assert.equal(request?.headers.authorization, 'Bearer s3cret')
      const body = JSON.parse(request?.body ?? '') as Record<string, unknown>
      assert.deepEqual({ verdict: body.verdict, severity: body.severity, rule: body.rule }, { verdict: 'violation', severity: 'critical', rule: 'no-exfiltration' })
      assert.equal(typeof body.details, 'object')
      await pollUntil('the answer status on stdout', () => /ethics report violation\/critical rule no-exfiltration -> HTTP 202/.test(agent.stdout()))
    } finally {
      node.close()
    }
  })

  it('refuses bad switches: 400 for a bad query value, 503 for /ethics when not supervised', async () => {
    const agent = await start()
    const cases: Array<[string, number]> = [
      ['/leak?mbPerSec=-1', 400],
      ['/errors?perSec=lots', 400],
      ['/ethics?verdict=maybe', 400],
      ['/ethics?verdict=violation', 503],
      ['/nope', 404]
    ]
    for (const [path, status] of cases) {
      assert.equal((await post(`${agent.url}${path}`)).status, status, path)
    }
  })

  it('exits 2 on a bad command line', async () => {
    const { PORT: _port, ...withoutPort } = process.env
    for (const args of [['--port', 'abc'], ['--port', '1', '--leak-mb-per-sec', 'x'], ['--port', '1', '--bogus'], []]) {
      const child = spawn(process.execPath, [EXAMPLE_AGENT, ...args], { stdio: 'ignore', env: withoutPort })
      const code = await within(5000, `exit for ${args.join(' ')}`, new Promise((resolve) => child.once('exit', resolve)))
      assert.equal(code, 2, args.join(' '))
    }
  })
})
