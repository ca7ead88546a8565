/**
 * `kos status`: this node at a glance: who it is, where it listens, how the cluster looks from
 * here, and its health. Three API calls in parallel (GET /v1/node, /v1/peers, /v1/health).
 */

import type { Command } from 'commander'
import type { HealthResponse, MemberState, NodeInfo, PeersResponse, HealthResult } from '@kos/client'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { formatDuration, listRows, renderColumns, renderTable } from '../table.js'
import { addApiOptions, printJson, withClient } from './api-options.js'
import type { ApiOptions } from './api-options.js'

export interface StatusOptions extends ApiOptions {
  /** Wall clock for the uptime shown beside `startedAt`, in ms since the epoch. @default Date.now */
  now?: () => number
}

/** What `kos status --json` prints: the three API answers, each unchanged. */
export interface StatusJson {
  node: NodeInfo
  peers: PeersResponse
  health: HealthResponse
}

const STATE_ORDER: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left']

/** Prints the status (or `--json`: StatusJson). Resolves to the exit code; never rejects. */
export async function runStatus (options: StatusOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const [node, peers, health] = await Promise.all([client.node(), client.peers(), client.health()])
    if (options.json) {
      const json: StatusJson = { node, peers, health: health.body }
      printJson(io, json)
      return ExitCode.ok
    }
    const now = options.now ?? Date.now
    for (const line of statusLines(node, peers, health, client.baseUrl, now())) io.out(line)
    // A warning or critical node still answered: the command did its job. Scripts that gate on
    // health read `health.status` from --json, or GET /v1/health's HTTP status.
    return ExitCode.ok
  })
}

/** Member counts by state, the node itself included as alive (it is not always in `peers`). */
export function countStates (self: string, peers: PeersResponse): Record<MemberState, number> {
  const counts: Record<MemberState, number> = { alive: 1, suspect: 0, dead: 0, left: 0 }
  for (const peer of peers.peers) {
    if (peer.peerId !== self) counts[peer.state]++
  }
  return counts
}

/** The human view: aligned `Key: value` lines, then the health checks as a table. */
export function statusLines (
  node: NodeInfo, peers: PeersResponse, health: HealthResult, apiUrl: string, nowMs: number
): string[] {
  const counts = countStates(node.peerId, peers)
  const total = STATE_ORDER.reduce((sum, state) => sum + counts[state], 0)
  const started = Date.parse(node.startedAt)
  const uptime = Number.isNaN(started) ? '' : ` (up ${formatDuration(nowMs - started)})`
  const lines = renderColumns([
    ['Name:', node.name],
    ['Peer ID:', node.peerId],
    ['Cluster:', node.cluster],
    ['Role:', node.role],
    ['Mode:', node.mode],
    ['Coordinator:', node.coordinator === null ? 'none' : node.coordinator === node.peerId ? `${node.coordinator} (this node)` : node.coordinator],
    ['Term:', String(node.term)],
    ['Incarnation:', String(node.incarnation)],
    ['Version:', node.version],
    ['Started:', `${node.startedAt}${uptime}`],
    ['API:', apiUrl],
    ...listRows('Addresses:', node.addrs),
    ['Members:', `${total} (${STATE_ORDER.map(state => `${counts[state]} ${state}`).join(', ')})`],
    ['Health:', `${health.body.status} (HTTP ${health.httpStatus})`]
  ])
  if (health.body.checks.length > 0) {
    lines.push('', ...renderTable(['CHECK', 'STATUS', 'OUTPUT'],
      health.body.checks.map(check => [check.name, check.status, check.output])))
  }
  return lines
}

export function registerStatus (program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('status')
    .description("show this node's identity, addresses, cluster view and health")
  addApiOptions(command).action(async (flags: ApiOptions) => {
    setExit(await runStatus(flags, io))
  })
}
