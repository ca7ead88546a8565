/** The example agent (examples/agents) as the cluster tests define it, and a process finder. */
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export const EXAMPLE_AGENT = fileURLToPath(new URL('../../../examples/agents/example-agent.mjs', import.meta.url))

/** An example-agent definition on `port` with fast probes (the test's time is short, not the defaults'). */
export function exampleAgent (name: string, port: number, extra: Record<string, unknown> = {}, flags: string[] = []): Record<string, unknown> {
  const health = `http://127.0.0.1:${port}/healthz`
  return {
    name,
    command: process.execPath,
    args: [EXAMPLE_AGENT, '--port', String(port), ...flags],
    startup: { http: health, periodMs: 100, failureThreshold: 300 },
    liveness: { http: health, periodMs: 500, timeoutMs: 400, failureThreshold: 2 },
    restart: { initialBackoffMs: 300, maxBackoffMs: 2000 },
    ...extra
  }
}

/** Pids of live processes whose command line holds `needle`. */
export async function pidsRunning (needle: string): Promise<number[]> {
  const out: number[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '')
    if (cmd.split('\0').join(' ').includes(needle) && !/\) Z /.test(stat)) out.push(Number(name))
  }
  return out
}

