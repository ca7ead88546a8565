/**
 * @packageDocumentation
 *
 * `@kos/detect`: pure failure-detection algorithms for kOS mesh, with no I/O.
 *
 * - `Clock` is the time seam: every detector takes the current time from an injected monotonic
 *   clock in milliseconds and never reads `Date.now()`; `ManualClock` is the one tests and the
 *   simulator move by hand.
 * - `PhiAccrualDetector` is the φ accrual failure detector (see phi.ts for what φ means): one
 *   instance per monitored peer, fed with heartbeat arrivals, asked for `phi()` or
 *   `isAvailable()`. `PhiAccrualTable` holds many of them in typed arrays, one slot per peer
 *   (the membership core's choice: a heartbeat then touches two cache lines, not a dozen objects).
 * - `phi` and `HeartbeatHistory` are its pure parts, exported for timing tables, benchmarks and
 *   the simulator.
 *
 * Combined effect: with regular heartbeats every I ms, std floor S ms, acceptable pause A ms and
 * threshold 8, φ crosses 8 after about I + A + 5.2·S ms of silence.
 */
export type { Clock } from './clock.js'
export { ManualClock } from './manual-clock.js'
export { phi } from './phi.js'
export { HeartbeatHistory } from './heartbeat-history.js'
export { HeartbeatWindows } from './heartbeat-windows.js'
export type { PhiAccrualOptions } from './phi-accrual-options.js'
export { PhiAccrualDetector } from './phi-accrual-detector.js'
export { PhiAccrualTable } from './phi-accrual-table.js'
export { SlotSlab, type SlabFields } from './slot-slab.js'
export { seededRandom, Sfc32, splitmix32 } from './seeded-random.js'
