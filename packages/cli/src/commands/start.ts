/**
 * `kos start`: runs a node in the foreground until it stops. Flags override the `--config`
 * file, which overrides the profile's defaults. The first SIGINT or SIGTERM makes a graceful
 * leave (peers see `left`), bounded by leaveTimeoutMs; a second one exits at once. With a cluster
 * key, SIGHUP re-reads the key file (the usual meaning of SIGHUP: reload), which is how a running
 * cluster rotates its key; without one SIGHUP keeps its default effect.
 */
import { Option, type Command } from 'commander'
import { API_ENV, ROLES } from '@kos/client'
import type { KosConfig } from '@kos/node'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'

export interface StartOptions {
  config?: string
  name?: string
  cluster?: string
  listen?: string[]
  bootstrap?: string[]
  api?: string
  apiTlsCert?: string
  apiTlsKey?: string
  apiInsecure?: boolean
  data?: string
  role?: string
  zone?: string
  voters?: string
  profile?: string
  logLevel?: string
  logFormat?: string
  clusterKeyFile?: string
  insecureNoClusterKey?: boolean
  json?: boolean
}

/** Where signals come from; the process by default, a stub in tests. */
export interface SignalSource {
  on: (signal: NodeJS.Signals, handler: () => void) => void
  off: (signal: NodeJS.Signals, handler: () => void) => void
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

function collect (value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** The values of the enumerated flags, for --help and commander's own check; a test keeps them equal to the config schema's. */
export const PROFILE_NAMES = ['lan', 'tolerant'] as const
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const

export function registerStart (program: Command, io: Io, setExit: (code: number) => void): void {
  program.command('start')
    .description('start a node in the foreground (SIGINT/SIGTERM: leave gracefully; twice: exit at once)')
    .option('--config <file>', 'JSON config file; its keys are those of the config schema')
    .option('--name <name>', 'node name shown to peers (default: host name)')
    .option('--cluster <name>', 'cluster name; namespaces the gossip topics (default: kos)')
    .option('--listen <multiaddr>', 'libp2p listen address, repeatable (default: /ip4/127.0.0.1/tcp/7946)', collect)
    .option('--bootstrap <multiaddr>', 'peer to join, with or without /p2p/<peerId>; repeatable', collect)
    .addOption(new Option('--api <host:port>', 'local HTTP API address (default: 127.0.0.1:7070)').env(API_ENV))
    .option('--api-tls-cert <file>', 'serve the API over HTTPS with this certificate (PEM), with --api-tls-key')
    .option('--api-tls-key <file>', 'the private key (PEM) of --api-tls-cert')
    .option('--api-insecure', 'serve a non-loopback --api over plain HTTP anyway (a private network or a TLS proxy protects it)')
    .option('--data <dir>', 'data directory: identity key and state (default: .kos)')
    .addOption(new Option('--role <role>', 'the role this node runs as (default: member)').choices(ROLES))
    .option('--zone <zone>', 'the failure domain this node runs in (rack, room, cloud zone); voters are spread across zones (default: none)')
    .addOption(new Option('--voters <n>', 'how many members vote for the coordinator; the coordinator keeps the set at this size (default: 5)').choices(['3', '5', '7']))
    .addOption(new Option('--profile <name>', 'timing profile: lan, or tolerant for slower networks (default: lan)').choices(PROFILE_NAMES))
    .addOption(new Option('--log-level <level>', 'least severe log lines written (default: info)').choices(LOG_LEVELS))
    .addOption(new Option('--log-format <format>', 'auto: human lines on a terminal, JSON lines otherwise (default: auto)').choices(LOG_FORMATS))
    .option('--cluster-key-file <file>', 'admit only peers holding a key of this file (kos keygen); SIGHUP re-reads it')
    .option('--insecure-no-cluster-key', 'listen beyond loopback without a cluster key: anyone who reaches the port may join')
    .option('--json', 'print the startup facts as one JSON line')
    .action(async (opts: StartOptions) => { setExit(await runStart(opts, io)) })
}

/** Resolves the config from the flags and the file; throws ConfigError naming the culprit. */
export async function startConfig (opts: StartOptions): Promise<KosConfig> {
  const { loadConfigFile, resolveConfig } = await loadNode()
  const file = opts.config === undefined ? undefined : await loadConfigFile(opts.config)
  return resolveConfig({
    ...(file === undefined ? {} : { file, filePath: opts.config }),
    flags: {
      name: opts.name,
      cluster: opts.cluster,
      listen: opts.listen,
      bootstrap: opts.bootstrap,
      api: opts.api,
      apiTlsCertFile: opts.apiTlsCert,
      apiTlsKeyFile: opts.apiTlsKey,
      apiInsecure: opts.apiInsecure,
      dataDir: opts.data,
      role: opts.role,
      zone: opts.zone,
      voters: opts.voters === undefined ? undefined : Number(opts.voters),
      profile: opts.profile,
      logLevel: opts.logLevel,
      logFormat: opts.logFormat,
      clusterKeyFile: opts.clusterKeyFile,
      insecureNoClusterKey: opts.insecureNoClusterKey
    }
  })
}

/**
 * The daemon (libp2p, LevelDB, fastify) is loaded only by `kos start`: every other command is an
 * API client and starts in a fraction of the time and memory without it.
 */
async function loadNode (): Promise<typeof import('@kos/node')> {
  return await import('@kos/node')
}

export async function runStart (opts: StartOptions, io: Io, signals: SignalSource = process): Promise<number> {
  const { ConfigError, createNode } = await loadNode()
  // The daemon keeps secrets and stores in its data directory: whatever it creates is its own only.
  process.umask(0o077)
  let node
  try {
    const config = await startConfig(opts)
    node = createNode(config)
    await node.start()
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`kos start: ${err.message}`)
      return ExitCode.usage
    }
    io.err(`kos start: ${(err as Error).message}`)
    return ExitCode.failure
  }
  const info = node.info()
  if (opts.json === true) {
    io.out(JSON.stringify({ peerId: info.peerId, name: info.name, addrs: info.addrs, api: node.apiUrl, profile: node.config.profile }))
  } else {
    io.out(`kOS node ${info.name} started (profile ${node.config.profile}, cluster ${info.cluster})`)
    io.out(`  peer id: ${info.peerId}`)
    for (const a of info.addrs) io.out(`  listen:  ${a}`)
    io.out(`  api:     ${node.apiUrl}`)
  }

  const started = node
  return await new Promise<number>((resolve) => {
    let signalled = 0
    const onSignal = (): void => {
      signalled++
      if (signalled === 1) {
        io.err('kos start: leaving the cluster (signal again to exit at once)')
        void started.leave()
      } else {
        io.err('kos start: exiting at once')
        done(130)
      }
    }
    const onReload = (): void => { void started.reloadClusterKey() }
    const reloads = started.config.clusterKeyFile !== ''
    const done = (code: number): void => {
      for (const s of SIGNALS) signals.off(s, onSignal)
      if (reloads) signals.off('SIGHUP', onReload)
      resolve(code)
    }
    for (const s of SIGNALS) signals.on(s, onSignal)
    if (reloads) signals.on('SIGHUP', onReload)
    started.onStopped(() => { done(ExitCode.ok) })
  })
}
