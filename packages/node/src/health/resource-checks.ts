/**
 * The lines of /v1/health that come from the resource monitor (healing/resource-monitor.ts):
 * the node's own pressure (`resources`) and the machine's CPU (`machine-cpu`). Neither is ever
 * critical: a degraded or minimal node still does its job, only less of the optional part, and a
 * busy machine is not the node's fault. Pure.
 */
import type { HealthCheck } from '@kos/client'
import type { ResourceSnapshot } from '../healing/resource-monitor.js'
import type { ResourceName, ServiceMode } from '@kos/core'

/** `resources`: passing when normal; warning (429) when degraded or minimal, naming the resources at fault. */
export function resourcesCheck (snap: Pick<ResourceSnapshot, 'sampledAtMs' | 'mode' | 'levels' | 'values' | 'recovery'>): HealthCheck {
  const status = snap.mode === 'normal' ? 'passing' : 'warning'
  if (snap.sampledAtMs === null) return { name: 'resources', status, output: 'not sampled yet' }
  const over = (Object.entries(snap.levels) as Array<[ResourceName, ServiceMode]>).filter(([, level]) => level !== 'normal')
  if (over.length > 0) return { name: 'resources', status, output: `${snap.mode}: ${over.map(([n, level]) => `${n} ${String(snap.values[n] ?? '?')} (${level})`).join(', ')}` }
  if (snap.mode === 'normal') return { name: 'resources', status, output: 'every resource below its degraded level' }
  const calm = snap.recovery === null ? '' : ` (${seconds(snap.recovery.calmMs)} of ${seconds(snap.recovery.needMs)} calm before the next step)`
  return { name: 'resources', status, output: `${snap.mode}: recovering, every resource below its exit level${calm}` }
}

/** `machine-cpu`: warning (429) while the machine is busy, which never changes the node's mode. */
export function machineCpuCheck (snap: Pick<ResourceSnapshot, 'sampledAtMs' | 'values' | 'machineBusy'>): HealthCheck {
  const machine = snap.values.machineCpuPercent
  if (snap.sampledAtMs === null || machine === undefined) return { name: 'machine-cpu', status: 'passing', output: 'not sampled yet' }
  const own = snap.values.cpuPercent
  const text = `machine CPU ${machine} % busy${own === undefined ? '' : `, this node's own share of a core ${own} %`}`
  return snap.machineBusy
    ? { name: 'machine-cpu', status: 'warning', output: `${text}: other work keeps the machine busy; this node's mode follows its own load only` }
    : { name: 'machine-cpu', status: 'passing', output: text }
}

function seconds (ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`
}
