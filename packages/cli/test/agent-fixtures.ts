/** Canned AgentInfo answers, typed against the API contract, and the clock the tests pin. */

import type { AgentInfo, AgentsResponse } from '@kos/client'
import { ALPHA_ID } from './fixtures.js'

/** "Now" for every age in the agents tests. */
export const NOW = Date.parse('2025-01-01T01:00:00.000Z')
const before = (ms: number): string => new Date(NOW - ms).toISOString()

export const web: AgentInfo = {
  name: 'web',
  state: 'running',
  reason: 'liveness recovered',
  source: 'config',
  pid: 4242,
  ready: true,
  critical: true,
  essential: false,
  restarts: 2,
  lastExit: { code: 1, signal: null, at: before(3 * 60_000) },
  probes: {
    startup: { outcome: 'success', detail: 'HTTP 200', at: before(3 * 60_000) },
    liveness: { outcome: 'success', detail: 'HTTP 200', at: before(5_000) },
    readiness: { outcome: 'failure', detail: 'HTTP 503', at: before(2_000) }
  },
  quarantine: null,
  safeMode: false,
  memory: { rssBytes: 48 * 1024 * 1024, limitMb: 256, enforcement: 'rss-poll' },
  cpu: { limitPercent: null, enforcement: 'none' },
  errors: { lastRatePerMin: 0.5, baselinePerMin: 0.25, spiking: false },
  command: 'node',
  args: ['server.js', '--port', '8080'],
  logDir: '/var/kos/agents/web'
}

export const ethicsBot: AgentInfo = {
  name: 'ethics-bot',
  state: 'quarantined',
  reason: `quarantined by ${ALPHA_ID}: critical violation of no-exfiltration`,
  source: 'api',
  pid: null,
  ready: false,
  critical: false,
  essential: false,
  restarts: 0,
  lastExit: { code: null, signal: 'SIGKILL', at: before(65 * 60_000) },
  probes: { liveness: { outcome: 'timeout', detail: 'no answer in 1000 ms', at: before(66 * 60_000) } },
  quarantine: { by: ALPHA_ID, seq: 17, reason: 'critical violation of no-exfiltration', at: before(65 * 60_000) },
  safeMode: false,
  memory: { rssBytes: null, limitMb: null, enforcement: 'none' },
  cpu: { limitPercent: null, enforcement: 'none' },
  errors: { lastRatePerMin: 12, baselinePerMin: 1, spiking: true },
  command: 'python3',
  args: ['bot.py'],
  logDir: '/var/kos/agents/ethics-bot'
}

export const batch: AgentInfo = {
  name: 'batch',
  state: 'stopped',
  reason: 'stopped by an operator',
  source: 'config',
  pid: null,
  ready: false,
  critical: false,
  essential: true,
  restarts: 0,
  lastExit: null,
  probes: {},
  quarantine: null,
  safeMode: true,
  memory: { rssBytes: null, limitMb: 64, enforcement: 'rss-poll' },
  cpu: { limitPercent: null, enforcement: 'none' },
  errors: { lastRatePerMin: 0, baselinePerMin: 0, spiking: false },
  command: './batch',
  args: [],
  logDir: '/var/kos/agents/batch'
}

export const agentsResponse: AgentsResponse = { agents: [web, ethicsBot, batch] }
