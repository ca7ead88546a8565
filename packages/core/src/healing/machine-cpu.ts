/**
 * The machine's CPU, as opposed to the node's own (issue 15). A machine kept busy by other
 * processes (other nodes starting on the host, a batch job) makes this node's work slower, but
 * it is not this node's overload: shedding this node's work would not give the machine back.
 * So it never changes the service mode; it is reported in the heartbeat's health summary and
 * raised as a `warning` check of /v1/health, so an operator sees why a node may be late.
 *
 * Pure: the resource monitor feeds the smoothed machine share.
 */
import type { Band } from './service-mode.js'

/** Is the machine busy, given whether it was? Enters at `enter`, leaves below `exit`. Pure. */
export function machineBusy (percent: number, band: Band, wasBusy: boolean): boolean {
  return percent >= (wasBusy ? band.exit : band.enter)
}

/**
 * The node's own share of a core, from its two readings: the event loop's utilisation counts
 * time the thread was runnable but descheduled (high when other processes hold the cores), the
 * process's CPU time counts GC helpers and the libuv pool; the lesser is what the node's own work
 * took of its thread. Pure.
 */
export function ownCpuPercent (reading: { loopUtilizationPercent: number, processPercent: number }): number {
  return Math.max(0, Math.min(100, reading.loopUtilizationPercent, reading.processPercent))
}
