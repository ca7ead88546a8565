/**
 * Ground truth for the observers: what the world did (crashes, pauses, partitions, heals), as
 * opposed to what the nodes believe. Metrics and checkers judge the nodes' beliefs against it.
 */
import type { Fault, Observer, Simulation } from './simulation.js'

/** How long after a fault its effects still explain a wrong belief (late notices, backlogs). */
export const AFTERMATH_MS = 10_000

export class WorldView implements Observer {
  /** Per node: when it last crashed, restarted, and when its last pause ends. */
  readonly crashedAt: number[]
  readonly restartedAt: number[]
  readonly pauseEndsAt: number[]
  /** When the current partition started (or -Infinity), and when the last one was healed. */
  partitionSince = -Infinity
  lastHealAt = -Infinity
  /** When anything last happened to the world. */
  lastFaultAt = -Infinity
  private readonly sim: Simulation

  constructor (sim: Simulation) {
    this.sim = sim
    this.crashedAt = new Array<number>(sim.size).fill(-Infinity)
    this.restartedAt = new Array<number>(sim.size).fill(-Infinity)
    this.pauseEndsAt = new Array<number>(sim.size).fill(-Infinity)
  }

  onFault (at: number, f: Fault): void {
    this.lastFaultAt = at
    switch (f.type) {
      case 'crash': this.crashedAt[f.node] = at; break
      case 'restart': this.restartedAt[f.node] = at; break
      case 'pause': this.pauseEndsAt[f.node] = Math.max(this.pauseEndsAt[f.node]!, at + f.ms); break
      case 'partition': if (this.partitionSince === -Infinity) this.partitionSince = at; break
      case 'heal': this.partitionSince = -Infinity; this.lastHealAt = at; break
    }
  }

  isUp (i: number): boolean { return this.sim.procs[i]!.up }

  /**
   * Why an observer could wrongly believe `target` failed, or null if nothing explains it: a
   * partition (now or recently healed), a pause of either (now or recently), a recent restart.
   */
  excuse (at: number, observer: number, target: number): 'partition' | 'pause' | 'restart' | null {
    if (this.partitionSince > -Infinity || at - this.lastHealAt < AFTERMATH_MS) return 'partition'
    if (at - this.pauseEndsAt[target]! < AFTERMATH_MS || at - this.pauseEndsAt[observer]! < AFTERMATH_MS) return 'pause'
    if (at - this.restartedAt[target]! < AFTERMATH_MS || at - this.restartedAt[observer]! < AFTERMATH_MS) return 'restart'
    return null
  }
}
