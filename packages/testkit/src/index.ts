/**
 * @packageDocumentation
 *
 * `@kos/testkit`: starts real `kos start` processes on 127.0.0.1 and observes them over their
 * HTTP APIs. Used by the cluster tests in `test/` and by the benchmarks in `scripts/`, so both
 * drive the product exactly as a user does.
 */
export * from './cluster.js'
