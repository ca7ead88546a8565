/**
 * Starts the real example agent (examples/agents/example-agent.mjs) as a child process on a free
 * port, for tests of the agent and of the supervisor. Every wait is a poll with a deadline.
 */

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** From packages/node/dist/test/helpers/ up to the repository root. */
export const EXAMPLE_AGENT = fileURLToPath(new URL('../../../../../examples/agents/example-agent.mjs', import.meta.url))

export interface AgentProcess {
  child: ChildProcess
  port: number
  url: string
  /** Everything written so far: tests poll these. */
  stdout: () => string
  stderr: () => string
  /** Resolves once the process has exited, with its code and signal. */
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  /** SIGKILL unless it has exited; for `after` hooks, so that no test leaves a process behind. */
  kill: () => void
}

const LISTENING = /example-agent listening on 127\.0\.0\.1:(\d+) pid (\d+)/

/**
 * Spawns the agent with `--port 0` (so no other process can take the port between choosing and
 * binding) and resolves once its start line has told the port, or rejects on exit or deadline.
 */
export async function startExampleAgent (args: string[] = [], env: Record<string, string> = {}, timeoutMs = 10_000): Promise<AgentProcess> {
  const child = spawn(process.execPath, [EXAMPLE_AGENT, '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => { resolve({ code, signal }) })
  })
  const kill = (): void => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { finish(new Error(`no start line within ${timeoutMs} ms; stdout: ${out} stderr: ${err}`)) }, timeoutMs)
    const onData = (): void => {
      const match = LISTENING.exec(out)
      if (match !== null) finish(undefined, Number(match[1]))
    }
    const onExit = (code: number | null): void => { finish(new Error(`agent exited (code ${code}) before listening; stderr: ${err}`)) }
    function finish (error: Error | undefined, value?: number): void {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
      if (error !== undefined) {
        kill()
        reject(error)
      } else {
        resolve(value ?? 0)
      }
    }
    child.stdout.on('data', onData)
    child.once('exit', onExit)
  })
  return { child, port, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err, exited, kill }
}

/** Resolves to `fn()`'s value once it is not `false`; rethrows its last failure at the deadline. */
export async function pollUntil<T> (what: string, fn: () => Promise<T | false> | T | false, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs
  let last: unknown = 'never evaluated'
  for (;;) {
    try {
      const value = await fn()
      if (value !== false) return value
      last = 'condition was false'
    } catch (err) {
      last = err
    }
    if (performance.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : String(last)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Rejects if `promise` has not settled within `ms`: a deadline on an awaited exit. */
export async function within<T> (ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what}: not within ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}
