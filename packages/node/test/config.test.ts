/**
 * The config schema: defaults pinned, unknown keys refused, every error naming its flag or key,
 * and the combined effect the profiles promise.
 */
import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ManualClock, PhiAccrualDetector } from '@kos/detect'
import { LAN_DEFAULTS, profileDefaults } from '../src/config/profiles.js'
import { loadConfigFile, resolveConfig } from '../src/config/resolve.js'
import { configSchema, type KosConfig } from '../src/config/schema.js'
import { ConfigError } from '../src/base/errors.js'

function configError (fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    assert.equal(err.name, 'ConfigError')
    return err
  }
  assert.fail('expected a ConfigError')
}

/** Silence after which a peer is dead in the worst case, from the profile's numbers. */
function silenceToDeathMs (c: KosConfig): number {
  const clock = new ManualClock(0)
  const d = new PhiAccrualDetector({
    threshold: c.phiThreshold,
    maxSampleSize: c.phiMaxSampleSize,
    minStdDeviationMs: c.phiMinStdDeviationMs,
    acceptableHeartbeatPauseMs: c.phiAcceptableHeartbeatPauseMs,
    firstHeartbeatEstimateMs: c.phiFirstHeartbeatEstimateMs
  }, clock)
  for (let i = 0; i < 100; i++) { d.heartbeat(); clock.advance(c.heartbeatIntervalMs) }
  return d.silenceToThresholdMs() + c.probeTimeoutMs + c.suspicionTimeoutMs
}

describe('config', () => {
  it('pins the lan defaults', () => {
    const c = resolveConfig()
    const { name, ...rest } = c
    assert.equal(typeof name, 'string')
    assert.deepEqual(rest, {
      cluster: 'kos', role: 'member', zone: '', profile: 'lan', listen: ['/ip4/127.0.0.1/tcp/7946'], bootstrap: [],
      api: '127.0.0.1:7070', apiTlsCertFile: '', apiTlsKeyFile: '', apiInsecure: false, eventStreamMaxClients: 32, dataDir: '.kos', clusterKeyFile: '', insecureNoClusterKey: false, logLevel: 'info', logFormat: 'auto',
      heartbeatIntervalMs: 1000, phiThreshold: 8, phiMaxSampleSize: 200, phiMinStdDeviationMs: 200,
      phiAcceptableHeartbeatPauseMs: 500, phiFirstHeartbeatEstimateMs: 1000, probeTimeoutMs: 500,
      indirectProbes: 3, suspicionTimeoutMs: 1000, tickIntervalMs: 100, localStallThresholdMs: 400,
      localStallGraceMs: 3000, pushPullIntervalMs: 30_000, monitorsPerMember: 5, healthGossipIntervalMs: 30_000, syncMaxNewMembers: 2048, syncMaxNewMembersPerMinute: 4096,
      auditRetentionMaxAgeMs: 0, auditRetentionMaxEntries: 1_000_000, auditCompactIntervalMs: 60_000,
      electionHeartbeatIntervalMs: 100, electionTimeoutMinMs: 750, electionTimeoutMaxMs: 850, electionLeaseMs: 600,
      electionRankStepMs: 150, electionTickIntervalMs: 50, removeAfterMs: 30_000, voters: 5, coordinatorAnnounceIntervalMs: 1000, reapDeadAfterMs: 86_400_000, reapLeftAfterMs: 86_400_000,
      redialInitialDelayMs: 250, redialMaxDelayMs: 5000, dialTimeoutMs: 3000, peerBreakerThreshold: 3, peerBreakerHalfOpenMs: 2000, maxMessageBytes: 16384,
      gossipIpColocationFactorWeight: 0, gossipMeshDegree: 2, gossipLazyDegree: 1, inboundConnectionsPerHostPerSecond: 100, maxPendingInboundConnections: 64, maxConnections: 128, connectionIdleCloseMs: 5000, auditSyncIntervalMs: 5000, auditQuorumTimeoutMs: 5000, auditMaxOrigins: 4096, auditMaxLamportLeap: 2 ** 32, auditRepeatWindowMs: 30_000, auditRepeatBurst: 3, leaveTimeoutMs: 3000,
      authorities: { junzi: [], archon: [] },
      operatorWebhooks: [],
      escalationRouting: {
        ethics: ['junzi', 'archon', 'operators'],
        node: ['archon', 'junzi', 'operators'],
        network: ['archon', 'junzi', 'operators'],
        resource: ['archon', 'junzi', 'operators'],
        agent: ['archon', 'junzi', 'operators']
      },
      escalationDeliveryTimeoutMs: 2000, escalationRetryInitialDelayMs: 200, escalationRetryMaxDelayMs: 10_000,
      escalationRetryMaxAttempts: 8, escalationBreakerThreshold: 3, escalationBreakerHalfOpenMs: 5000,
      escalationSweepIntervalMs: 5000, escalationMaxStored: 10_000, escalationMaxPerSender: 1000,
      agents: [], policyFile: '', agentUser: '', agentPollIntervalMs: 500, degradedHealthDetailEvery: 5, agentLogMaxBytes: 1024 * 1024, agentLogFiles: 3,
      servicePortRange: { first: 20000, last: 20999 }, serviceUnderReplicatedEscalateMs: 30_000,
      resources: {
        sampleIntervalMs: 1000, cpuSmoothingHalfLifeMs: 1500, recoverAfterMs: 5000,
        machineCpuBusyPercent: { enter: 95, exit: 85 }, eventLoopBlockedMs: 2000,
        cpuPercent: { degraded: { enter: 85, exit: 70 }, minimal: { enter: 95, exit: 85 } },
        memoryPercent: { degraded: { enter: 85, exit: 75 }, minimal: { enter: 95, exit: 88 } },
        eventLoopDelayMs: { degraded: { enter: 200, exit: 100 }, minimal: { enter: 1000, exit: 400 } },
        diskFreePercent: { degraded: { enter: 10, exit: 15 }, minimal: { enter: 3, exit: 5 } }
      }
    })
  })

  it('every default passes the schema and every schema key has a default', () => {
    assert.equal(configSchema.safeParse(LAN_DEFAULTS).success, true)
    assert.deepEqual(Object.keys(LAN_DEFAULTS).sort(), Object.keys(configSchema.shape).sort())
  })

  it('is frozen', () => {
    const c = resolveConfig()
    assert.ok(Object.isFrozen(c))
    assert.ok(Object.isFrozen(c.listen))
  })

  it('flags override the file, which overrides the profile', () => {
    const c = resolveConfig({ file: { name: 'from-file', heartbeatIntervalMs: 500, profile: 'tolerant' }, flags: { name: 'from-flag', api: undefined } })
    assert.equal(c.name, 'from-flag')
    assert.equal(c.heartbeatIntervalMs, 500)
    assert.equal(c.profile, 'tolerant')
    assert.equal(c.phiAcceptableHeartbeatPauseMs, 2000)
    assert.equal(c.api, '127.0.0.1:7070')
  })

  it('refuses an unknown key, naming it', () => {
    const err = configError(() => resolveConfig({ file: { heartbeatMs: 5 }, filePath: 'kos.json' }))
    assert.match(err.message, /heartbeatMs/)
    assert.match(err.message, /kos\.json/)
  })

  it('refuses an unknown profile, naming --profile', () => {
    const err = configError(() => resolveConfig({ flags: { profile: 'fast' } }))
    assert.equal(err.key, '--profile')
    assert.match(err.message, /lan, tolerant/)
  })

  it('names the flag when a flag is bad, and the file key when the file is', () => {
    assert.equal(configError(() => resolveConfig({ flags: { api: 'localhost' } })).key, '--api')
    assert.equal(configError(() => resolveConfig({ flags: { role: 'king' } })).key, '--role')
    assert.equal(configError(() => resolveConfig({ file: { heartbeatIntervalMs: 0 }, filePath: 'f.json' })).key, 'heartbeatIntervalMs (in f.json)')
    assert.equal(configError(() => resolveConfig({ file: { role: 'king' }, filePath: 'f.json' })).key, 'role (in f.json)')
  })

  it('checks multiaddrs: malformed, not TCP, /p2p/ in a listen address, port out of range', () => {
    assert.equal(configError(() => resolveConfig({ flags: { listen: ['/ip4/127.0.0.1/tcp/abc'] } })).key, '--listen[0]')
    assert.equal(configError(() => resolveConfig({ flags: { bootstrap: ['/ip4/127.0.0.1/udp/1'] } })).key, '--bootstrap[0]')
    assert.equal(configError(() => resolveConfig({ flags: { bootstrap: ['127.0.0.1:7946'] } })).key, '--bootstrap[0]')
    assert.equal(configError(() => resolveConfig({ flags: { listen: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V'] } })).key, '--listen[0]')
    assert.equal(configError(() => resolveConfig({ flags: { listen: ['/ip4/127.0.0.1/tcp/70000'] } })).key, '--listen[0]')
    const ok = resolveConfig({ flags: { bootstrap: ['/ip4/127.0.0.1/tcp/7946', '/ip4/127.0.0.1/tcp/7947/p2p/12D3KooWL6RGprxuKnuqduhRt9weHaEK1QvXbaLAD4vLA4SZPM3V'] } })
    assert.equal(ok.bootstrap.length, 2)
  })

  it('refuses election timings that break the lease rule, naming the config key', () => {
    const err = configError(() => resolveConfig({ file: { electionLeaseMs: 700 }, filePath: 'f.json' }))
    assert.equal(err.key, 'electionLeaseMs (in f.json)')
    assert.match(err.message, /electionTimeoutMinMs/)
    assert.equal(configError(() => resolveConfig({ file: { electionTimeoutMaxMs: 400 } })).key, 'electionTimeoutMaxMs (in config file)')
  })

  it('resources: a file changes one band alone, and a band without hysteresis is refused by name', () => {
    const c = resolveConfig({ file: { resources: { sampleIntervalMs: 500, eventLoopDelayMs: { degraded: { enter: 300, exit: 150 } } } } })
    assert.equal(c.resources.sampleIntervalMs, 500)
    assert.equal(c.resources.recoverAfterMs, 5000)
    assert.deepEqual(c.resources.eventLoopDelayMs, { degraded: { enter: 300, exit: 150 }, minimal: { enter: 1000, exit: 400 } })
    assert.deepEqual(c.resources.cpuPercent, LAN_DEFAULTS.resources.cpuPercent)
    const flat = configError(() => resolveConfig({ file: { resources: { cpuPercent: { degraded: { enter: 80, exit: 80 } } } }, filePath: 'f.json' }))
    assert.equal(flat.key, 'resources (in f.json)[cpuPercent.degraded.exit]')
    const disk = configError(() => resolveConfig({ file: { resources: { diskFreePercent: { minimal: { enter: 20, exit: 25 } } } } }))
    assert.equal(disk.key, 'resources (in config file)[diskFreePercent.minimal.enter]')
    assert.match(configError(() => resolveConfig({ file: { resources: { cpuPercent: { busy: 1 } } } })).message, /busy/)
    assert.equal(resolveConfig({ file: { resources: { machineCpuBusyPercent: null } } }).resources.machineCpuBusyPercent, null)
    assert.deepEqual(resolveConfig({ file: { resources: { machineCpuBusyPercent: { exit: 60 } } } }).resources.machineCpuBusyPercent, { enter: 95, exit: 60 })
    const busy = configError(() => resolveConfig({ file: { resources: { machineCpuBusyPercent: { enter: 80 } } }, filePath: 'f.json' }))
    assert.equal(busy.key, 'resources (in f.json)[machineCpuBusyPercent.exit]')
  })

  it('refuses a redial cap below the initial delay', () => {
    assert.equal(configError(() => resolveConfig({ file: { redialInitialDelayMs: 1000, redialMaxDelayMs: 500 } })).key, 'redialMaxDelayMs (in config file)')
  })

  it('reads a JSON config file, and names --config when it is missing, not JSON or not an object', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kos-config-'))
    const good = join(dir, 'good.json')
    await writeFile(good, JSON.stringify({ name: 'n1', bootstrap: ['/ip4/127.0.0.1/tcp/1'] }))
    assert.deepEqual(await loadConfigFile(good), { name: 'n1', bootstrap: ['/ip4/127.0.0.1/tcp/1'] })
    const bad = join(dir, 'bad.json')
    await writeFile(bad, '{ name: ')
    const arr = join(dir, 'arr.json')
    await writeFile(arr, '[]')
    for (const path of [join(dir, 'missing.json'), bad, arr]) {
      await assert.rejects(loadConfigFile(path), (err: unknown) => err instanceof ConfigError && err.key === '--config' && err.message.includes(path))
    }
  })

  it('lan: a 2 s stall is never a death; tolerant: a 4 s stall is not, and a silent peer is dead in under 10 s', () => {
    const lan = silenceToDeathMs(profileDefaults('lan')!)
    const tolerant = silenceToDeathMs(profileDefaults('tolerant')!)
    assert.ok(lan > 3000 && lan < 5000, `lan: dead after ${lan} ms of silence`)
    assert.ok(tolerant > 5000 && tolerant < 10_000, `tolerant: dead after ${tolerant} ms of silence`)
  })
})
