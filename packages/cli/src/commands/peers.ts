/**
 * `kos peers [peerId]`: the members this node knows, as a table; or one
 * peer in detail. Talks to the node only through ApiClient (GET /v1/peers, /v1/peers/:peerId).
 */

import { Option } from 'commander'
import type { Command } from 'commander'
import { UsageError, type MemberState, type PeerInfo, type PeersResponse } from '@kos/client'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import {
  formatAddr, formatBytes, formatDuration, formatPercent, formatPhi, listRows, NONE, renderColumns, renderTable,
  shortPeerId
} from '../table.js'
import { addApiOptions, printJson, withClient } from './api-options.js'
import type { ApiOptions } from './api-options.js'

/** The `--state` choices: the API's MemberState values, kept complete by the check below. */
const MEMBER_STATES = ['alive', 'suspect', 'dead', 'left'] as const satisfies readonly MemberState[]
// Fails to compile if MemberState gains a value that MEMBER_STATES lacks.
const statesComplete: Exclude<MemberState, typeof MEMBER_STATES[number]> extends never ? true : never = true
void statesComplete

export interface PeersOptions extends ApiOptions {
  /** Show only the peers in this state (the list only). */
  state?: MemberState
  /** Show this one peer in detail instead of the list. */
  peerId?: string
}

/** The list's columns. ZONE, CPU, MEM and MODE come from the peer's health summary, `-` before one (or with no zone). */
export const PEERS_HEADER = [
  'NAME', 'PEER ID', 'ADDRESS', 'STATE', 'PHI', 'LAST SEEN', 'ROLE', 'ZONE', 'CPU', 'MEM', 'MODE'
] as const

/**
 * The list (or one peer with `peerId`), as a table or `--json`. Resolves to the exit code
 * (exit-codes.ts) and never rejects: errors are printed on `io.err`.
 */
export async function runPeers (options: PeersOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    if (options.peerId !== undefined) {
      if (options.state !== undefined) {
        throw new UsageError('--state filters the list of peers; it cannot be combined with a peer id')
      }
      const peer = await client.peer(options.peerId)
      if (options.json) printJson(io, peer)
      else for (const line of describePeer(peer)) io.out(line)
      return ExitCode.ok
    }

    const response = await client.peers()
    const peers = options.state === undefined
      ? response.peers
      : response.peers.filter(peer => peer.state === options.state)
    if (options.json) {
      // The API's own shape; only the filter, if asked for, is applied.
      const filtered: PeersResponse = { ...response, peers }
      printJson(io, filtered)
    } else {
      for (const line of peersTable(peers)) io.out(line)
    }
    return ExitCode.ok
  })
}

/** The peer list as table lines, sorted by name (then peer id, for a stable order). */
export function peersTable (peers: readonly PeerInfo[]): string[] {
  const sorted = [...peers].sort((a, b) => compare(a.name, b.name) || compare(a.peerId, b.peerId))
  return renderTable(PEERS_HEADER, sorted.map(peer => [
    peer.name,
    shortPeerId(peer.peerId),
    formatAddr(peer.addrs[0]),
    peer.state,
    formatPhi(peer.phi),
    formatDuration(peer.lastHeartbeatAgeMs),
    peer.role,
    peer.zone ?? NONE,
    formatPercent(peer.health?.cpuPercent ?? null),
    formatBytes(peer.health?.rssBytes ?? null),
    peer.draining ? `${peer.health?.mode ?? NONE} draining` : peer.health?.mode ?? NONE
  ]))
}

/** One peer as aligned `Key: value` lines, with the health its heartbeats last reported. */
export function describePeer (peer: PeerInfo): string[] {
  const rows: string[][] = [
    ['Name:', peer.name],
    ['Peer ID:', peer.peerId],
    ['State:', peer.state],
    ['Role:', peer.role],
    ['Zone:', peer.zone ?? NONE],
    ['Phi:', formatPhi(peer.phi)],
    ['Last seen:', peer.lastHeartbeatAgeMs === null ? NONE : `${formatDuration(peer.lastHeartbeatAgeMs)} ago`],
    ['Incarnation:', String(peer.incarnation)],
    ['Connected:', peer.connected ? 'yes' : 'no'],
    ['Draining:', peer.draining ? 'yes (kos drain --undo ends it)' : 'no'],
    ['Breakers:', formatBreakers(peer.breakers)],
    ...listRows('Addresses:', peer.addrs)
  ]
  const h = peer.health
  if (h !== null) {
    rows.push(
      ['Version:', h.version],
      ['Uptime:', formatDuration(h.uptimeMs)],
      ['Mode:', h.mode],
      ['CPU:', formatPercent(h.cpuPercent ?? null)],
      ['Machine CPU:', formatPercent(h.machineCpuPercent ?? null)],
      ['Memory:', `${formatBytes(h.rssBytes ?? null)} RSS, ${formatBytes(h.heapUsedBytes ?? null)} heap`],
      ['Loop delay:', `${formatDuration(h.eventLoopDelayP99Ms ?? null)} p99`],
      ['Agents:', h.agents === undefined
        ? 'not reported yet'
        : `${h.agents.running}/${h.agents.total} running, ${h.agents.failed} failed, ${h.agents.quarantined} quarantined`]
    )
  } else {
    rows.push(['Health:', 'not reported yet'])
  }
  return renderColumns(rows)
}

/**
 * This node's breakers towards the peer: the ones not closed by name, since closed is the normal
 * case (`probe open, election half-open`), or `all closed`. An older node sends none: `-`.
 */
export function formatBreakers (breakers: PeerInfo['breakers'] | undefined): string {
  if (breakers === undefined) return NONE
  const notClosed = Object.entries(breakers).filter(([, state]) => state !== 'closed')
  return notClosed.length === 0 ? 'all closed' : notClosed.map(([protocol, state]) => `${protocol} ${state}`).join(', ')
}

/** Plain code-unit order: the same on every machine, unlike localeCompare. */
function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function registerPeers (program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('peers')
    .description('list the cluster members this node knows, or show one peer in detail')
    .argument('[peerId]', 'show this peer in detail')
    .addOption(new Option('--state <state>', 'only list peers in this state').choices(MEMBER_STATES))
  addApiOptions(command).action(async (peerId: string | undefined, flags: Omit<PeersOptions, 'peerId'>) => {
    setExit(await runPeers(peerId === undefined ? flags : { ...flags, peerId }, io))
  })
}
