/**
 * The shared vocabulary alone, without the rules: `@kos/client` (and through it the `kos` CLI)
 * loads this entry point, which imports nothing, so a client command stays fast.
 */
export { ROLES, type MemberState, type Role } from './members.js'
export type { HealthDetail, HealthSummary, InstanceReport, ServiceMode } from './health.js'
