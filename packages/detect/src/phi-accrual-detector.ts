/**
 * The φ accrual failure detector for one monitored resource (one peer): a `PhiAccrualTable` of
 * one slot (see there for the algorithm and its rules). A caller
 * watching many peers holds a table instead, one slot per peer.
 */
import type { Clock } from './clock.js'
import type { PhiAccrualOptions } from './phi-accrual-options.js'
import { PhiAccrualTable } from './phi-accrual-table.js'

export class PhiAccrualDetector {
  readonly #table: PhiAccrualTable

  /** Throws RangeError naming the option when an option is out of range. */
  constructor (options: PhiAccrualOptions, clock: Clock) {
    this.#table = new PhiAccrualTable(options, clock, 1)
    this.#table.reset(0)
  }

  /** Records a heartbeat arrival at clock.now() (the first one only starts monitoring). */
  heartbeat (): void { this.#table.heartbeat(0) }

  /** Current suspicion level; 0 before the first heartbeat (an unmonitored resource counts as healthy). */
  phi (): number { return this.#table.phi(0) }

  /** phi() < threshold. */
  isAvailable (): boolean { return this.#table.isAvailable(0) }

  /** True once the first heartbeat has arrived. */
  get isMonitoring (): boolean { return this.#table.lastHeartbeatAt(0) !== undefined }

  /** clock.now() of the last accepted heartbeat, ms; undefined before the first. */
  get lastHeartbeatAt (): number | undefined { return this.#table.lastHeartbeatAt(0) }

  /** Milliseconds of silence after which phi reaches the threshold with the current history. */
  silenceToThresholdMs (): number { return this.#table.silenceToThresholdMs(0) }

  /** The earliest clock time at which φ may reach the threshold (a lower bound); Infinity before the first heartbeat. */
  earliestThresholdAtMs (): number { return this.#table.earliestThresholdAtMs(0) }
}
