/**
 * The timings the simulated shells use: the core's protocol timings of a real profile (`lan` by
 * default), the values a node's config profile takes too, so the simulator runs the shells with
 * what a node runs.
 */
import { protocolTimings, TIMING_PROFILES, type ProtocolTimings } from '@kos/core'

export type SimTimings = ProtocolTimings

/** The profiles' names. */
export const PROFILE_NAMES: readonly string[] = Object.keys(TIMING_PROFILES)

/** The timings of a named profile (`lan`, `tolerant`); undefined for an unknown name. */
export function profileTimings (profile: string): SimTimings | undefined {
  return protocolTimings(profile)
}
