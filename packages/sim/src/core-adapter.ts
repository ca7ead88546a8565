/**
 * The seam between the simulator and a pure core: the simulator plays each core's shell through
 * a small adapter, one per core per simulated process. Membership and election have one today;
 * the audit replication core plugs in the same way (a factory in the list handed to
 * `Simulation`), with no change to the world, the network or the checkers.
 *
 * An adapter drives its core the way the node's libp2p shell does (same timers, same inputs,
 * same order of outputs), but through `NodeHost` instead of libp2p, LevelDB and setInterval.
 */
import type { Clock } from '@kos/detect'

/** What one core of one simulated process may see of the world and ask of it. */
export interface NodeHost {
  /** This node's peer id (`n0000`…: zero-padded, so string order is index order). */
  readonly id: string
  readonly index: number
  /** Every node's id, in index order (the cluster as configured). */
  readonly allIds: readonly string[]
  /** The virtual clock (monotonic, ms), shared by every node. */
  readonly clock: Clock
  /**
   * This node's wall clock (ms since the Unix epoch): the virtual time from a fixed epoch plus
   * the node's own seeded skew (`--max-skew-ms`), as unsynchronised hosts would read `Date.now()`.
   * Only for stamping wall-clock fields for humans (the audit entry `ts`); a core that decided
   * anything on it would give different traces for different skews.
   */
  readonly wallClock: Clock
  /** This process's random source (a fresh seeded stream per process start). */
  readonly random: () => number
  /**
   * This node's disk: survives crashes and restarts; each core keeps its slice under its own
   * name. Writes are visible at once; a core that models fsync delays them with `after`.
   */
  readonly disk: Map<string, unknown>
  /** Point-to-point message (a libp2p stream): needs a direct link; may be lost, delayed, duplicated. */
  send: (to: string, core: string, message: unknown, bytes: number) => void
  /** Gossip (gossipsub): reaches every running node connected through relays; never duplicated. */
  broadcast: (core: string, message: unknown, bytes: number) => void
  /**
   * A probe: a direct ping and pings through `via`; `done` runs on this process when the
   * first path answers or all have failed, within `timeoutMs`.
   */
  probe: (target: string, via: readonly string[], timeoutMs: number, done: (reachable: boolean) => void) => void
  /** Runs `fn` on this process after `ms` (never if it crashed; late if it is paused). */
  after: (ms: number, fn: () => void) => void
  /** setInterval: the first call after `firstInMs`, then every `everyMs` after the previous call ran. */
  every: (everyMs: number, firstInMs: number, fn: () => void) => void
  /** Reports an event of this core to the observers (metrics, invariant checkers, trace). */
  emit: (core: string, event: CoreEvent) => void
  /**
   * Async work this core started (an in-memory store's promise chain; see memory-audit-db.ts):
   * the simulator lets it finish before the next event, with no virtual time passing, so the
   * run stays a function of the seed. Only `Simulation.runAsync` can wait; `run` refuses.
   */
  track: (work: Promise<unknown>) => void
  /** Another core of this process, by name (the election shell reads membership). */
  core: <T extends CoreAdapter>(name: string) => T
}

/** An event a core reports, with the name it is known by (`member:dead`, `coordinator:elected`). */
export interface CoreEvent { type: string, [key: string]: unknown }

export interface CoreAdapter {
  readonly name: string
  /** Called once all cores of the process exist; starts timers, joins, etc. */
  start: () => void
  /** A point-to-point or gossip message for this core from `from`. */
  receive: (from: string, message: unknown) => void
  /** The transport saw the connection to `peer` close (the peer crashed, or a link was cut). */
  peerLost: (peer: string) => void
  /**
   * Whether this core keeps a connection to `peer` (the transport's connection set is the union
   * over the process's cores). Only a process holding one hears that `peer`'s process died.
   * Absent: a connection to every member, as the node's redials keep (up to its cap).
   */
  holdsConnection?: (peer: string) => boolean
}

/** Builds one core's adapter for a process that starts (at the beginning or after a restart). */
export interface CoreFactory {
  readonly name: string
  create: (host: NodeHost, start: ProcessStart) => CoreAdapter
  /**
   * Optional: takes a gossip delivery to running node `to` without going through its adapter,
   * when the message is of the common kind that only writes shared tables; false to leave it to
   * `receive`. It must leave exactly what `receive` would; it exists because heartbeats are most
   * of a run's deliveries, and the receiver's adapter and core objects would be most of their cost.
   */
  receiveDirect?: (fromIndex: number, to: number, message: unknown) => boolean
}

/**
 * How the process starts: `warm` at time 0 of a run that begins with a formed cluster (every
 * member known, every node a voter); otherwise a fresh process start (a restart), which joins
 * through `bootstrap` with whatever its disk holds.
 */
export interface ProcessStart {
  warm: boolean
  bootstrap: readonly string[]
}
