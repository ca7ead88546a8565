/**
 * The cluster key as the node runs it: the key file read at start, the connection protector
 * that admits by it, and the reload (SIGHUP) that swaps the keyring without a restart, which is
 * how a cluster rotates its key (docs/design/admission.md). A reload that fails (a typo, a
 * missing file) keeps the keys the node has: a mistake in the file must not shut the node out.
 * A reload applies to the connections made after it; open ones stay (cluster-key-protector.ts).
 */
import type { Logger } from 'pino'
import type { ClusterKeyMetrics } from './cluster-key-metrics.js'
import type { KosConfig } from '../config/schema.js'
import { clusterKeyId, type ClusterKeyring } from './cluster-key.js'
import { readClusterKeyFile } from './cluster-key-file.js'
import { ClusterKeyProtector } from './cluster-key-protector.js'

/** What to log about a keyring: key ids, never keys. */
function describeKeyring (keyring: ClusterKeyring): { primary: string, accepted: string[] } {
  return { primary: clusterKeyId(keyring[0]!), accepted: keyring.slice(1).map(clusterKeyId) }
}

export class ClusterAdmission {
  readonly protector: ClusterKeyProtector
  private reloading: Promise<boolean> = Promise.resolve(true)

  private constructor (private readonly path: string, keyring: ClusterKeyring, private readonly log: Logger, private readonly metrics: ClusterKeyMetrics, handshakeTimeoutMs: number) {
    this.protector = new ClusterKeyProtector({
      keyring,
      handshakeTimeoutMs,
      log,
      onRefused: (reason) => { metrics.refused(reason) },
      onAdmitted: (by) => { metrics.admitted(by) }
    })
  }

  /** Reads the key file of `config`; undefined when none is configured. Throws ConfigError (exit 2). */
  static async open (config: KosConfig, log: Logger, metrics: ClusterKeyMetrics): Promise<ClusterAdmission | undefined> {
    if (config.clusterKeyFile === '') return undefined
    const file = await readClusterKeyFile(config.clusterKeyFile)
    if (file.madeOwnerOnly !== undefined) log.warn(file.madeOwnerOnly)
    // The handshake is part of a dial, so a dial's deadline bounds it.
    const admission = new ClusterAdmission(config.clusterKeyFile, file.keyring, log, metrics, config.dialTimeoutMs)
    log.info({ clusterKey: describeKeyring(file.keyring) }, 'cluster key: only peers proving one of these keys are admitted')
    return admission
  }

  /** Re-reads the key file and swaps the keyring; resolves to whether it worked. Reloads run one at a time. */
  async reload (): Promise<boolean> {
    this.reloading = this.reloading.then(async () => await this.reloadOnce())
    return await this.reloading
  }

  private async reloadOnce (): Promise<boolean> {
    try {
      const file = await readClusterKeyFile(this.path)
      if (file.madeOwnerOnly !== undefined) this.log.warn(file.madeOwnerOnly)
      this.protector.setKeyring(file.keyring)
      this.metrics.reloaded(true)
      this.log.info({ clusterKey: describeKeyring(file.keyring) }, 'cluster key file reloaded: new connections prove and accept these keys')
      return true
    } catch (err) {
      this.metrics.reloaded(false)
      this.log.error({ err }, `cluster key file not reloaded, the node keeps its keys: ${(err as Error).message}`)
      return false
    }
  }
}
