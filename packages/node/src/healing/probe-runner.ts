/**
 * Runs one health probe of an agent (issue 6) and says how it went: an HTTP GET that answers
 * 200-399 (a redirect still shows the agent alive), a TCP connect to 127.0.0.1:<port>, or a command
 * that exits 0. The deadline is the probe's `timeoutMs`; a run past it is aborted and reported as
 * `timeout`. The verdict is ProbeState's business; this is only the I/O.
 */
import { execFile } from 'node:child_process'
import { connect } from 'node:net'
import type { ProbeOutcome } from '@kos/core'
import type { ProbeSpec } from '../config/agent-spec.js'

export interface ProbeResult { outcome: ProbeOutcome, detail: string }

export async function runProbe (spec: ProbeSpec, env: Record<string, string>): Promise<ProbeResult> {
  if (spec.http !== undefined) return await httpProbe(spec.http, spec.timeoutMs)
  if (spec.tcp !== undefined) return await tcpProbe(spec.tcp, spec.timeoutMs)
  return await execProbe(spec.exec!, spec.timeoutMs, env)
}

async function httpProbe (url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' })
    await res.body?.cancel()
    return res.status >= 200 && res.status < 400
      ? { outcome: 'success', detail: `HTTP ${res.status}` }
      : { outcome: 'failure', detail: `HTTP ${res.status}` }
  } catch (err) {
    const e = err as Error
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { outcome: 'timeout', detail: `no answer within ${timeoutMs} ms` }
    return { outcome: 'failure', detail: (e.cause as Error | undefined)?.message ?? e.message }
  }
}

async function tcpProbe (port: number, timeoutMs: number): Promise<ProbeResult> {
  return await new Promise<ProbeResult>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    const timer = setTimeout(() => { socket.destroy(); resolve({ outcome: 'timeout', detail: `no connection within ${timeoutMs} ms` }) }, timeoutMs)
    socket.once('connect', () => { clearTimeout(timer); socket.destroy(); resolve({ outcome: 'success', detail: `port ${port} accepts` }) })
    socket.once('error', (err) => { clearTimeout(timer); resolve({ outcome: 'failure', detail: err.message }) })
  })
}

async function execProbe (argv: string[], timeoutMs: number, env: Record<string, string>): Promise<ProbeResult> {
  return await new Promise<ProbeResult>((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 }, (err) => {
      if (err === null) { resolve({ outcome: 'success', detail: 'exit 0' }); return }
      const e = err as NodeJS.ErrnoException & { killed?: boolean, code?: number | string }
      if (e.killed === true) resolve({ outcome: 'timeout', detail: `not done within ${timeoutMs} ms` })
      else resolve({ outcome: 'failure', detail: typeof e.code === 'number' ? `exit ${e.code}` : e.message })
    })
  })
}
