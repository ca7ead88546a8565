/**
 * The protocol timings of each profile: what membership, election, connections and audit
 * replication run with. The node's config profiles (packages/node/src/config/profiles.ts) take
 * them as they are, beside the node's own keys, and the simulator runs the shells with the
 * same values, so a simulated cluster keeps the time a real one does. `lan` is the base;
 * `tolerant` overrides the few timings it changes. Each key's meaning and reason are in the
 * node's config schema (config/schema.ts) and docs/config.md.
 */

export interface ProtocolTimings {
  heartbeatIntervalMs: number
  phiThreshold: number
  phiMaxSampleSize: number
  phiMinStdDeviationMs: number
  phiAcceptableHeartbeatPauseMs: number
  phiFirstHeartbeatEstimateMs: number
  probeTimeoutMs: number
  indirectProbes: number
  suspicionTimeoutMs: number
  tickIntervalMs: number
  localStallThresholdMs: number
  localStallGraceMs: number
  pushPullIntervalMs: number
  monitorsPerMember: number
  healthGossipIntervalMs: number
  syncMaxNewMembers: number
  syncMaxNewMembersPerMinute: number
  reapDeadAfterMs: number
  reapLeftAfterMs: number
  electionHeartbeatIntervalMs: number
  electionTimeoutMinMs: number
  electionTimeoutMaxMs: number
  electionLeaseMs: number
  electionRankStepMs: number
  electionTickIntervalMs: number
  removeAfterMs: number
  voters: 3 | 5 | 7
  coordinatorAnnounceIntervalMs: number
  redialInitialDelayMs: number
  redialMaxDelayMs: number
  dialTimeoutMs: number
  auditSyncIntervalMs: number
  auditQuorumTimeoutMs: number
}

export const LAN_TIMINGS: Readonly<ProtocolTimings> = Object.freeze({
  heartbeatIntervalMs: 1000,
  phiThreshold: 8,
  phiMaxSampleSize: 200,
  phiMinStdDeviationMs: 200,
  phiAcceptableHeartbeatPauseMs: 500,
  phiFirstHeartbeatEstimateMs: 1000,
  probeTimeoutMs: 500,
  indirectProbes: 3,
  suspicionTimeoutMs: 1000,
  tickIntervalMs: 100,
  localStallThresholdMs: 400,
  localStallGraceMs: 3000,
  pushPullIntervalMs: 30_000,
  // The bounded design (issue 17): the reasons are in the node's config schema.
  monitorsPerMember: 5,
  healthGossipIntervalMs: 30_000,
  syncMaxNewMembers: 2048,
  syncMaxNewMembersPerMinute: 4096,
  reapDeadAfterMs: 86_400_000,
  reapLeftAfterMs: 86_400_000,

  // A 600 ms lease (timeouts 750–850 ms): on 2 cores a node busy with a healing partition
  // (reconnects, gossip, audit catch-up) can hold its event loop a few hundred ms, and a shorter
  // lease lapses into extra elections then. Heartbeats stay at 100 ms: a stall longer
  // than lease − heartbeat − round trip lapses the lease, so a longer heartbeat (150 ms, a third
  // less idle CPU on the coordinator) would buy CPU with stall tolerance.
  electionHeartbeatIntervalMs: 100,
  electionTimeoutMinMs: 750,
  electionTimeoutMaxMs: 850,
  electionLeaseMs: 600,
  electionRankStepMs: 150,
  electionTickIntervalMs: 50,
  removeAfterMs: 30_000,
  voters: 5,
  coordinatorAnnounceIntervalMs: 1000,

  redialInitialDelayMs: 250,
  redialMaxDelayMs: 5000,
  dialTimeoutMs: 3000,

  // Gossip delivers almost every entry at once; anti-entropy repairs the rest, so 5 s of lag
  // after a restart or a lost message is cheap (one heads exchange of a few hundred bytes).
  auditSyncIntervalMs: 5000,
  // Several election timeouts: a quorum append only fails when a majority is really unreachable.
  auditQuorumTimeoutMs: 5000
} satisfies ProtocolTimings)

/** Survives a 4 s stall (GC storm, VM pause) at the price of slower detection of silent failures. */
const TOLERANT_TIMINGS: Readonly<Partial<ProtocolTimings>> = Object.freeze({
  phiMinStdDeviationMs: 300,
  phiAcceptableHeartbeatPauseMs: 2000,
  probeTimeoutMs: 1000,
  suspicionTimeoutMs: 2000,
  localStallGraceMs: 6000,
  electionHeartbeatIntervalMs: 200,
  electionTimeoutMinMs: 1000,
  electionTimeoutMaxMs: 1150,
  electionLeaseMs: 800,
  electionRankStepMs: 250
})

/** Each profile's changes to the `lan` timings. */
export const TIMING_PROFILES: Readonly<Record<string, Readonly<Partial<ProtocolTimings>>>> = Object.freeze({
  lan: {},
  tolerant: TOLERANT_TIMINGS
})

/** The timings of a named profile; undefined for an unknown name. */
export function protocolTimings (profile: string): ProtocolTimings | undefined {
  const overrides = TIMING_PROFILES[profile]
  return overrides === undefined ? undefined : Object.freeze({ ...LAN_TIMINGS, ...overrides })
}
