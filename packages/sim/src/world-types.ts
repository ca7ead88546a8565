/**
 * The simulated world's vocabulary: the faults it injects, what observers (metrics, checkers)
 * are told, a process as the world holds it, the events on its queue, and the options of a
 * world. The world itself is simulation.ts.
 */
import type { CoreAdapter, CoreEvent, CoreFactory } from './core-adapter.js'
import type { NetworkOptions } from './network.js'

export type Fault =
  | { type: 'crash', node: number }
  | { type: 'restart', node: number }
  | { type: 'pause', node: number, ms: number }
  | { type: 'partition', label: string }
  | { type: 'heal' }

export interface Observer {
  onFault?: (atMs: number, fault: Fault) => void
  onCoreEvent?: (atMs: number, node: number, core: string, event: CoreEvent) => void
  /** Every `sampleEveryMs` of virtual time. */
  onSample?: (atMs: number) => void
  onEnd?: (atMs: number) => void
}

export interface Process {
  readonly index: number
  readonly id: string
  up: boolean
  /** Bumped at each crash: events for an earlier life of the process are dropped. */
  gen: number
  pausedUntil: number
  /** Survives crashes. */
  readonly disk: Map<string, unknown>
  cores: Map<string, CoreAdapter>
  /** Since when this life of the process runs. */
  upSince: number
  deferredTimers: Array<() => void>
  backlog: Array<() => void>
}

export type Scheduled =
  | { k: 'call', node: number, gen: number, timer: boolean, fn: () => void }
  | { k: 'msg', to: number, gen: number, from: string, core: string, message: unknown, bytes: number }
  /** Receivers `start` to `end` of a fan-out buffer (fanout.ts). */
  | { k: 'gossip', buffer: number, start: number, end: number, from: string, fromIndex: number, core: string, coreIndex: number, message: unknown, bytes: number }
  | { k: 'world', fn: () => void }

export interface SimulationOptions {
  nodes: number
  seed: number
  factories: CoreFactory[]
  network?: Partial<NetworkOptions>
  /** Peers a restarted node joins through (indices). */
  bootstrap?: number[]
  sampleEveryMs?: number
  /** Each node's wall clock is off by a seeded amount in [-maxSkewMs, maxSkewMs]. @default 0 */
  maxSkewMs?: number
}

/** Virtual time 0 on the nodes' wall clocks (before their skew): 2025-01-01T00:00:00Z. */
export const SIM_WALL_EPOCH_MS = Date.UTC(2025, 0, 1)
