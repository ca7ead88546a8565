/**
 * The cluster key's metrics (docs/design/admission.md): connections refused and admitted, and
 * key file reloads. Registered whether or not a key is configured, so a dashboard finds them.
 * During a rotation, `kos_cluster_key_admitted_total{by="accepted"}` shows peers still proving
 * a key other than this node's primary.
 */
import { Counter, type Registry } from 'prom-client'
import type { AdmittedBy, RefusalReason } from './cluster-key-protector.js'

export class ClusterKeyMetrics {
  private readonly refusedTotal: Counter<'reason'>
  private readonly admittedTotal: Counter<'by'>
  private readonly reloadsTotal: Counter<'result'>

  constructor (registry: Registry) {
    const registers = [registry]
    this.refusedTotal = new Counter({
      name: 'kos_cluster_key_refused_total',
      help: 'Connections closed before any kOS protocol because the peer proved no cluster key of this node, by reason: no-key, wrong-key, reflected, closed, timeout',
      labelNames: ['reason'],
      registers
    })
    this.admittedTotal = new Counter({
      name: 'kos_cluster_key_admitted_total',
      help: 'Connections admitted by the cluster key, by the key the peer proved: primary, or accepted (another key of the file)',
      labelNames: ['by'],
      registers
    })
    this.reloadsTotal = new Counter({
      name: 'kos_cluster_key_reloads_total',
      help: 'Reloads of the cluster key file (SIGHUP), by result: ok, or failed (the node kept its keys)',
      labelNames: ['result'],
      registers
    })
  }

  refused (reason: RefusalReason): void { this.refusedTotal.inc({ reason }) }
  admitted (by: AdmittedBy): void { this.admittedTotal.inc({ by }) }
  reloaded (ok: boolean): void { this.reloadsTotal.inc({ result: ok ? 'ok' : 'failed' }) }
}
