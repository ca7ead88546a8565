/**
 * @packageDocumentation
 *
 * `@kos/testkit`: starts real `kos start` processes on 127.0.0.x and observes them over their
 * HTTP APIs. Used by the cluster tests in `test/` and by the benchmarks in `scripts/`, so both
 * drive the product exactly as a user does.
 */
export * from './cluster.js'
export * from './kos-process.js'
export { KOS_BIN, TailBuffer, type ExitInfo } from './child-processes.js'
export * from './agreement.js'
export * from './coordinator.js'
export * from './cpu-hogs.js'
export * from './cpu-burst.js'
export * from './peer-watch.js'
export * from './partition.js'
export * as grudges from './grudges.js'
export * from './bandwidth.js'
export { holdsFor, poll, type WaitOptions } from './poll.js'
export { freePort } from './ports.js'
export * from './views.js'
export * from './bench.js'
export * from './hostile-peer.js'
