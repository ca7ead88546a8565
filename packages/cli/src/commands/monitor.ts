/**
 * `kos monitor [--types member,coordinator] [--json]`: the node's events as they happen (GET
 * /v1/events), one line each, until Ctrl-C.
 *
 * A dropped connection is not the end: once the stream has been open, the command reconnects
 * with the last event id it saw, so the node replays what was missed, and says so on stderr (or
 * that the node restarted and what came between is gone). Only a first connection that fails
 * ends it, as any command that cannot reach its node.
 */

import type { Command } from 'commander'
import { ApiError, EVENT_NOUNS, EVENT_TYPES, NodeUnreachableError, UsageError, type StreamMessage } from '@kos/client'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { shortPeerId } from '../table.js'
import { eventLine } from './monitor-format.js'
import { addApiOptions, withClient } from './api-options.js'
import type { ApiOptions } from './api-options.js'
import { stopSignal } from './stop-signal.js'

export interface MonitorOptions extends ApiOptions {
  /** `--types`: comma-separated nouns or whole types. */
  types?: string
  /** Ends the command; without one, SIGINT/SIGTERM do. */
  signal?: AbortSignal
  /** The first reconnection delay, doubled up to RECONNECT_MAX_MS. @default 250 */
  reconnectDelayMs?: number
}

/** A drop is usually a node restarting: try soon, then back off to once every few seconds. */
const RECONNECT_FIRST_MS = 250
const RECONNECT_MAX_MS = 5000

const KNOWN: ReadonlySet<string> = new Set<string>([...EVENT_NOUNS, ...EVENT_TYPES])

/** `--types` as a list, checked here so that a typo is a usage error (exit 2) naming the flag. */
export function parseTypesFlag (raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined
  const types = raw.split(',').map((t) => t.trim()).filter((t) => t !== '')
  if (types.length === 0) throw new UsageError('--types: give at least one event type or noun')
  const unknown = types.filter((t) => !KNOWN.has(t))
  if (unknown.length > 0) throw new UsageError(`--types: unknown event type ${unknown.map((t) => JSON.stringify(t)).join(', ')}; give nouns (${EVENT_NOUNS.join(', ')}) or whole types such as member:dead`)
  return types
}

/** Whether a failed stream is worth reconnecting to: the node went away, or refused for now (503). */
function transient (err: unknown): boolean {
  return err instanceof NodeUnreachableError || (err instanceof ApiError && err.status === 503)
}

async function pause (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

export async function runMonitor (options: MonitorOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const types = parseTypesFlag(options.types)
    const firstDelayMs = options.reconnectDelayMs ?? RECONNECT_FIRST_MS
    const { signal, dispose } = stopSignal(options.signal)
    const print = (msg: StreamMessage): void => {
      io.out(options.json ? JSON.stringify(msg) : eventLine(msg, new Date()))
    }
    try {
      let lastId: string | undefined
      let opened = false
      let delayMs = firstDelayMs
      for (;;) {
        let reason = 'the node closed the stream'
        try {
          for await (const msg of client.streamEvents({ signal, types, ...(lastId === undefined ? {} : { lastEventId: lastId }) })) {
            if (msg.id !== null) lastId = msg.id
            if (msg.type === 'hello') {
              delayMs = firstDelayMs
              const replayed = Number(msg.data.replayed ?? 0)
              if (!opened) io.err(`kos monitor: following ${client.baseUrl} (node ${shortPeerId(String(msg.data.peerId))}); Ctrl-C ends`)
              else if (msg.data.resumed === true) io.err(`kos monitor: reconnected; ${replayed} missed event${replayed === 1 ? '' : 's'} follow`)
              opened = true
              continue
            }
            if (msg.type === 'reset') io.err(`kos monitor: reconnected, but events were missed: ${String(msg.data.reason)}`)
            print(msg)
          }
        } catch (err) {
          if (signal.aborted) return ExitCode.ok
          if (!opened || !transient(err)) throw err
          reason = err instanceof Error ? err.message : String(err)
        }
        if (signal.aborted) return ExitCode.ok
        io.err(`kos monitor: ${reason}; reconnecting in ${delayMs} ms${lastId === undefined ? '' : ` (from event ${lastId})`}`)
        await pause(delayMs, signal)
        if (signal.aborted) return ExitCode.ok
        delayMs = Math.min(delayMs * 2, RECONNECT_MAX_MS)
      }
    } finally {
      dispose()
    }
  })
}

export function registerMonitor (program: Command, io: Io, setExit: (code: number) => void, signal?: AbortSignal): void {
  const command = program
    .command('monitor')
    .description('print the node\'s events as they happen (membership, coordinator, agents, escalations, modes, audit entries) until Ctrl-C')
    .option('--types <list>', `comma-separated nouns (${EVENT_NOUNS.join(', ')}) or whole types (member:dead); default: every type but peers:sample`)
  addApiOptions(command).action(async (flags: MonitorOptions) => {
    setExit(await runMonitor(signal === undefined ? flags : { ...flags, signal }, io))
  })
}
