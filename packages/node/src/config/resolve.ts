/**
 * Builds the node's config from a profile, an optional JSON file and command-line flags (in
 * that order of precedence, flags last), validates it once and freezes it. Every error names
 * the flag or the file key at fault.
 */
import { readFile } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { ElectionOptionError, resolveElectionOptions } from '@kos/core'
import { ConfigError } from '../base/errors.js'
import { checkApiExposure } from './api-exposure.js'
import { isLoopbackMultiaddr } from './loopback.js'
import { profileDefaults, PROFILES } from './profiles.js'
import { configSchema, type KosConfig } from './schema.js'

/** The command-line flag of each config key that has one. */
export const FLAG_OF_KEY: Readonly<Record<string, string>> = Object.freeze({
  name: '--name',
  cluster: '--cluster',
  listen: '--listen',
  bootstrap: '--bootstrap',
  api: '--api',
  apiTlsCertFile: '--api-tls-cert',
  apiTlsKeyFile: '--api-tls-key',
  apiInsecure: '--api-insecure',
  dataDir: '--data',
  role: '--role',
  zone: '--zone',
  voters: '--voters',
  profile: '--profile',
  logLevel: '--log-level',
  logFormat: '--log-format',
  clusterKeyFile: '--cluster-key-file',
  insecureNoClusterKey: '--insecure-no-cluster-key'
})

/** The election core's option names, as config keys. */
const ELECTION_KEY_OF_OPTION: Readonly<Record<string, string>> = {
  heartbeatIntervalMs: 'electionHeartbeatIntervalMs',
  electionTimeoutMinMs: 'electionTimeoutMinMs',
  electionTimeoutMaxMs: 'electionTimeoutMaxMs',
  leaseMs: 'electionLeaseMs',
  rankStepMs: 'electionRankStepMs'
}

export interface ConfigSources {
  /** Parsed contents of the `--config` file, if any. */
  file?: Record<string, unknown>
  /** Where the file came from, for error messages. */
  filePath?: string
  /** Values given as flags; undefined entries are ignored. */
  flags?: Record<string, unknown>
}

function describeKey (key: string, sources: ConfigSources): string {
  const flag = FLAG_OF_KEY[key]
  if (flag !== undefined && sources.flags?.[key] !== undefined) return flag
  if (sources.file !== undefined && key in sources.file) return `${key} (in ${sources.filePath ?? 'config file'})`
  return flag ?? key
}

function definedEntries (o: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined))
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** `over` onto `base`, recursing into objects both sides have; anything else in `over` replaces. */
function mergePlain (base: unknown, over: Record<string, unknown>): Record<string, unknown> {
  if (!isPlainObject(base)) return over
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(base[k]) ? mergePlain(base[k], v) : v
  return out
}

/** Validates and freezes a config assembled from the sources. Throws ConfigError. */
export function resolveConfig (sources: ConfigSources = {}): KosConfig {
  const file = definedEntries(sources.file)
  const flags = definedEntries(sources.flags)
  const profileName = flags.profile ?? file.profile ?? 'lan'
  const base = typeof profileName === 'string' ? profileDefaults(profileName) : undefined
  if (base === undefined) {
    throw new ConfigError(describeKey('profile', sources),
      `unknown profile ${JSON.stringify(profileName)}; known: ${Object.keys(PROFILES).join(', ')}`)
  }
  const merged: Record<string, unknown> = { ...base, ...file, ...flags }
  // Routing is merged per class, so a file changes one class without restating the others.
  const routing = file.escalationRouting
  if (routing !== null && typeof routing === 'object' && !Array.isArray(routing)) merged.escalationRouting = { ...base.escalationRouting, ...routing }
  // Resources are merged key by key (bands included), so a file can move one threshold alone.
  if (isPlainObject(file.resources)) merged.resources = mergePlain(base.resources, file.resources)
  const parsed = configSchema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    if (issue.code === 'unrecognized_keys') {
      const where = sources.filePath ?? 'config'
      throw new ConfigError(issue.keys.join(', '), `unknown config key in ${where}; known keys: ${Object.keys(configSchema.shape).join(', ')}`)
    }
    const key = String(issue.path[0] ?? 'config')
    const rest = issue.path.length > 1 ? `[${issue.path.slice(1).join('.')}]` : ''
    throw new ConfigError(describeKey(key, sources) + rest, issue.message)
  }
  const config = parsed.data
  for (const [i, addr] of config.listen.entries()) checkTcpMultiaddr(addr, `${describeKey('listen', sources)}[${i}]`, false)
  for (const [i, addr] of config.bootstrap.entries()) checkTcpMultiaddr(addr, `${describeKey('bootstrap', sources)}[${i}]`, true)
  checkApiExposure(config, (key) => describeKey(key, sources))
  checkClusterKeyNeed(config, sources)
  try {
    resolveElectionOptions({
      selfId: 'config-check',
      heartbeatIntervalMs: config.electionHeartbeatIntervalMs,
      electionTimeoutMinMs: config.electionTimeoutMinMs,
      electionTimeoutMaxMs: config.electionTimeoutMaxMs,
      leaseMs: config.electionLeaseMs,
      rankStepMs: config.electionRankStepMs
    })
  } catch (err) {
    if (!(err instanceof ElectionOptionError)) throw err
    const key = ELECTION_KEY_OF_OPTION[err.key] ?? err.key
    throw new ConfigError(describeKey(key, sources), err.message.slice(err.key.length + 2), { cause: err })
  }
  if (config.redialMaxDelayMs < config.redialInitialDelayMs) {
    throw new ConfigError(describeKey('redialMaxDelayMs', sources), 'must be >= redialInitialDelayMs')
  }
  if (config.escalationRetryMaxDelayMs < config.escalationRetryInitialDelayMs) {
    throw new ConfigError(describeKey('escalationRetryMaxDelayMs', sources), 'must be >= escalationRetryInitialDelayMs')
  }
  return Object.freeze({ ...config, listen: Object.freeze([...config.listen]), bootstrap: Object.freeze([...config.bootstrap]) }) as KosConfig
}

/**
 * Beyond loopback a node needs a cluster key, or it would admit anyone who reaches its port
 * (docs/design/admission.md); `insecureNoClusterKey` says so on purpose. Both at once is a mistake.
 */
function checkClusterKeyNeed (config: KosConfig, sources: ConfigSources): void {
  if (config.clusterKeyFile !== '') {
    if (config.insecureNoClusterKey) throw new ConfigError(describeKey('insecureNoClusterKey', sources), `contradicts ${describeKey('clusterKeyFile', sources)}: give one or the other`)
    return
  }
  const exposed = config.listen.filter((a) => !isLoopbackMultiaddr(a))
  if (exposed.length === 0 || config.insecureNoClusterKey) return
  throw new ConfigError(describeKey('clusterKeyFile', sources),
    `a node listening beyond loopback (${exposed.join(', ')}) needs a cluster key, or anyone who reaches the port joins the cluster: ` +
    'make one with `kos keygen --out <file>` and give every node the same file, or pass --insecure-no-cluster-key')
}

const TCP_ADDR = /^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d{1,5}(\/p2p\/[A-Za-z0-9]+)?$/

/** A TCP multiaddr: `/ip4/127.0.0.1/tcp/7946`, optionally with `/p2p/<peerId>` when dialled. */
export function checkTcpMultiaddr (addr: string, key: string, allowPeerId: boolean): void {
  try {
    multiaddr(addr)
  } catch (err) {
    throw new ConfigError(key, `malformed multiaddr ${JSON.stringify(addr)}: ${(err as Error).message}`, { cause: err })
  }
  if (!TCP_ADDR.test(addr) || (!allowPeerId && addr.includes('/p2p/'))) {
    const form = allowPeerId ? '/ip4/<address>/tcp/<port>[/p2p/<peerId>]' : '/ip4/<address>/tcp/<port>'
    throw new ConfigError(key, `unsupported multiaddr ${JSON.stringify(addr)}: expected ${form}`)
  }
  const port = Number(addr.split('/')[4])
  if (port > 65535) throw new ConfigError(key, `port ${port} out of range in ${JSON.stringify(addr)}`)
}

/** Reads a JSON config file (`--config`). Throws ConfigError naming the file. */
export async function loadConfigFile (path: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError('--config', `cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new ConfigError('--config', `${path} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('--config', `${path} must hold a JSON object of config keys`)
  }
  return value as Record<string, unknown>
}
