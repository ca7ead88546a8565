/**
 * Default profiles. `lan` is the base; others derive from it by overriding the few timings
 * they change, so a new tunable gets its default in exactly one place.
 */
import { hostname } from 'node:os'
import { DEFAULT_RECOVER_AFTER_MS, LAN_TIMINGS, SERVICE_MODE_THRESHOLDS, TIMING_PROFILES, type ResourceThresholds } from '@kos/core'
import type { KosConfig } from './schema.js'

export const LAN_DEFAULTS: KosConfig = Object.freeze({
  cluster: 'kos',
  name: hostname().slice(0, 64) || 'kos-node',
  role: 'member',
  zone: '',
  profile: 'lan',
  listen: ['/ip4/127.0.0.1/tcp/7946'],
  bootstrap: [],
  api: '127.0.0.1:7070',
  apiTlsCertFile: '',
  apiTlsKeyFile: '',
  apiInsecure: false,
  // 32 streams: a team's dashboards and monitors with room to spare, at most 32 MiB of unsent
  // events if every one of them stalled (each is dropped past 1 MiB).
  eventStreamMaxClients: 32,
  dataDir: '.kos',
  // No key by default: a node on loopback (the default listen address) needs none, and a key is
  // a secret only the operator can hand out; beyond loopback a node refuses to start without one.
  clusterKeyFile: '',
  insecureNoClusterKey: false,
  logLevel: 'info',
  logFormat: 'auto',

  // The protocol timings (membership, election, connections, audit replication) are the
  // core's, shared with the simulator; the reasons for the election's are there.
  ...LAN_TIMINGS,

  // Audit retention: no age limit (the operator's policy), ≈ 0.5 GB of log per node, a pass a minute.
  auditRetentionMaxAgeMs: 0,
  auditRetentionMaxEntries: 1_000_000,
  auditCompactIntervalMs: 60_000,
  // Repeats of one observation: three entries at once (a degrade, the recovery, one flap),
  // then the latest once per 30 s with its count: a flapping node writes 6 a minute, not 60.
  auditRepeatWindowMs: 30_000,
  auditRepeatBurst: 3,

  // Peer breakers: three failures in a row, not one, because a single refused dial may be a race
  // with a restart. A dead voter then costs the coordinator three dials (0.3 s of heartbeats),
  // and a crash detected by the whole cluster (a direct ping plus one per ping-req, 1 + k)
  // opens every survivor's probe breaker at once. 2 s half-open: a trial dial to a dead peer is
  // a refused connection (ms), and one every 2 s per protocol costs nothing; a peer that returns
  // without a new incarnation (a healed link) is reached again within 2 s.
  peerBreakerThreshold: 3,
  peerBreakerHalfOpenMs: 2000,
  // Members sharing a host (tests, demos, benchmarks on 127.0.0.1) share one address: libp2p's
  // 5 new connections a second and 10 in handshake per host refused their joins (schema.ts).
  inboundConnectionsPerHostPerSecond: 100,
  maxPendingInboundConnections: 64,
  // The cap is a backstop; idle connections outside the kept set close after 5 s (schema.ts).
  maxConnections: 128,
  connectionIdleCloseMs: 5000,
  maxMessageBytes: 16 * 1024,
  gossipIpColocationFactorWeight: 0,
  gossipMeshDegree: 2,
  gossipLazyDegree: 1,

  auditMaxOrigins: 4096,
  auditMaxLamportLeap: 2 ** 32,

  // Escalation: no authorities or webhooks until the operator names them. On loopback a delivery
  // takes a few ms, so 2 s only trips on a dead or hung target; retries go 200 ms → 10 s.
  authorities: { junzi: [], archon: [] },
  operatorWebhooks: [],
  escalationRouting: {
    ethics: ['junzi', 'archon', 'operators'],
    node: ['archon', 'junzi', 'operators'],
    network: ['archon', 'junzi', 'operators'],
    resource: ['archon', 'junzi', 'operators'],
    agent: ['archon', 'junzi', 'operators']
  },
  escalationDeliveryTimeoutMs: 2000,
  escalationRetryInitialDelayMs: 200,
  escalationRetryMaxDelayMs: 10_000,
  escalationRetryMaxAttempts: 8,
  escalationBreakerThreshold: 3,
  escalationBreakerHalfOpenMs: 5000,
  escalationSweepIntervalMs: 5000,
  escalationMaxStored: 10_000,
  escalationMaxPerSender: 1000,

  // Agents: none until the operator defines some. Memory is polled twice a second, so a leak
  // of 100 MiB/s is caught within ~50 MiB of its limit; logs are bounded at 4 × 1 MiB per stream.
  agents: [],
  policyFile: '',
  agentUser: '',
  agentPollIntervalMs: 500,
  degradedHealthDetailEvery: 5,
  agentLogMaxBytes: 1024 * 1024,
  agentLogFiles: 3,
  leaveTimeoutMs: 3000,

  // Cluster services (issue 18): 1000 ports above the usual ephemeral-free 20000; a service
  // under-replicated for 30 s goes to the Archon.
  servicePortRange: { first: 20000, last: 20999 },
  serviceUnderReplicatedEscalateMs: 30_000,

  // Resources (issues 6 and 15). A 1 s sample matches the heartbeat: the mode is never staler
  // than what peers see. CPU is smoothed with a 1.5 s half-life, so only a burst of ≈ 3 s or more
  // sheds (a GC pause or a short compile does not). 5 s of calm per relaxing step: a node is
  // normal ≈ 10 s after its last overloaded sample, even from minimal, yet a lull of a few seconds
  // in a long overload does not bring the held-back work back. The machine's CPU warns from 95 %
  // (no idle core time left: the run queue is rarely empty) until below 85 %; a loop delayed 2 s
  // (two heartbeats missed) is blocked, and /v1/health answers 503.
  resources: {
    sampleIntervalMs: 1000,
    cpuSmoothingHalfLifeMs: 1500,
    recoverAfterMs: DEFAULT_RECOVER_AFTER_MS,
    machineCpuBusyPercent: { enter: 95, exit: 85 },
    eventLoopBlockedMs: 2000,
    // The levels and their reasons are the service mode's own (healing/service-mode.ts): CPU (the
    // node's own share of a core) and memory degrade at 85 % (room to shed before a saturated
    // thread or an OOM kill), minimal at 95 % (the last stop before either); event-loop delay at
    // 200 ms p99 (heartbeats start to be late), minimal at 1 s (they are missed); disk free below
    // 10 % (the audit log has little room to grow), minimal below 3 % (LevelDB compactions can fail).
    cpuPercent: bands(SERVICE_MODE_THRESHOLDS.cpuPercent),
    memoryPercent: bands(SERVICE_MODE_THRESHOLDS.memoryPercent),
    eventLoopDelayMs: bands(SERVICE_MODE_THRESHOLDS.eventLoopDelayMs),
    diskFreePercent: bands(SERVICE_MODE_THRESHOLDS.diskFreePercent)
  }
} satisfies KosConfig)

/** A resource's bands as config: the direction (`worse`) is the resource's nature, not a tunable. */
function bands (t: ResourceThresholds): KosConfig['resources']['cpuPercent'] {
  return { degraded: { ...t.degraded }, minimal: { ...t.minimal } }
}

/** Survives a 4 s stall (GC storm, VM pause) at the price of slower detection of silent failures. */
const TOLERANT: Partial<KosConfig> = { profile: 'tolerant', ...TIMING_PROFILES.tolerant }

export const PROFILES: Readonly<Record<string, Readonly<Partial<KosConfig>>>> = Object.freeze({
  lan: {},
  tolerant: TOLERANT
})

export function profileDefaults (name: string): KosConfig | undefined {
  const overrides = PROFILES[name]
  if (overrides === undefined) return undefined
  return Object.freeze({ ...LAN_DEFAULTS, ...overrides, profile: name })
}
