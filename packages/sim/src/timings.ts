/**
 * The node's timings the simulated shells use: the same config keys, taken from a real profile
 * (`lan` by default), so the simulator runs the cores with what a node runs.
 */
import { profileDefaults, type KosConfig } from '@kos/node'

export type SimTimings = Pick<KosConfig,
  'heartbeatIntervalMs' | 'phiThreshold' | 'phiMaxSampleSize' | 'phiMinStdDeviationMs' | 'phiAcceptableHeartbeatPauseMs' |
  'phiFirstHeartbeatEstimateMs' | 'probeTimeoutMs' | 'indirectProbes' | 'suspicionTimeoutMs' | 'tickIntervalMs' |
  'localStallThresholdMs' | 'localStallGraceMs' | 'pushPullIntervalMs' | 'syncMaxNewMembers' | 'syncMaxNewMembersPerMinute' | 'reapDeadAfterMs' | 'reapLeftAfterMs' |
  'electionHeartbeatIntervalMs' | 'electionTimeoutMinMs' | 'electionTimeoutMaxMs' | 'electionLeaseMs' | 'electionRankStepMs' |
  'electionTickIntervalMs' | 'removeAfterMs' | 'voters' | 'coordinatorAnnounceIntervalMs' | 'redialInitialDelayMs' | 'redialMaxDelayMs' | 'dialTimeoutMs' |
  'auditSyncIntervalMs' | 'auditQuorumTimeoutMs'>

/** The timings of a named profile (`lan`, `tolerant`); undefined for an unknown name. */
export function profileTimings (profile: string): SimTimings | undefined {
  return profileDefaults(profile)
}
