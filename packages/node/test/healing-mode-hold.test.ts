/**
 * A service-mode hold and the restart intensity (healing/supervised-agent.ts), with a real
 * crash-looping process: an agent held by a degraded mode while in backoff, and released when
 * the mode relaxes, keeps its restart-intensity window. Only an operator start gives a fresh one;
 * a mode that comes and goes must not let a crash loop escape its limit. Polled, no timing.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { pino } from 'pino'
import { agentSpecSchema } from '../src/config/agent-spec.js'
import { SupervisedAgent, type AgentState } from '../src/healing/supervised-agent.js'

async function until (what: string, fn: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!fn()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('a service-mode hold', () => {
  const dirs: string[] = []
  after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })

  it('released, the agent goes on in its restart-intensity window: a crash loop still fails after maxRestarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kos-hold-'))
    dirs.push(dir)
    const spec = agentSpecSchema.parse({
      name: 'looper',
      command: process.execPath,
      args: ['-e', 'setTimeout(() => process.exit(1), 100)'],
      restart: { initialBackoffMs: 400, jitter: 0, maxRestarts: 2, intensityWindowMs: 60_000 }
    })
    const states: AgentState[] = []
    const agent: SupervisedAgent = new SupervisedAgent(spec, {
      clock: { now: () => performance.now() },
      random: () => 0.5,
      dir,
      cgroupScope: `test-${process.pid}`,
      ownStall: { recently: () => false, thresholdMs: 400 },
      env: {},
      user: () => undefined,
      logger: pino({ level: 'silent' }),
      emit: () => { states.push(agent.state) },
      // What the built-in policy does: restart after an exit, fail past the intensity.
      detect: (a, d) => { if (d.condition === 'exit') a.restart(d.detail); else if (d.condition === 'intensity-exceeded') void a.fail(d.detail) }
    })
    try {
      await agent.boot()
      await until('the first exit, then backoff', () => agent.state === 'backoff')
      await agent.setModeHold('pause', 'service mode degraded')
      await until('the restart held back by the mode', () => agent.state === 'paused')
      await agent.setModeHold(null, 'service mode normal again')
      await until('the crash loop to fail', () => agent.state === 'failed')
      assert.equal(agent.totalRestarts, 2, `states: ${states.join(' ')}`)
    } finally {
      await agent.close()
    }
  })
})
