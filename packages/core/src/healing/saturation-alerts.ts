/**
 * Saturation alerts (issue 6): which resources are saturated now, raised and cleared with the
 * same hysteresis as the service mode. An alert is raised when a resource reaches its degraded
 * enter level and cleared only once it is back past its degraded exit level, so a value hovering
 * at the threshold raises one alert, not one per sample. It reuses the service mode's thresholds
 * on purpose: an operator sees an alert for exactly the resources that degrade the node.
 *
 * Pure: the shell (resource-monitor.ts) feeds samples and forwards the changes.
 */
import { SERVICE_MODE_THRESHOLDS, type ResourceName, type ResourceSample, type ResourceThresholds } from './service-mode.js'

export type SaturationState = 'raised' | 'cleared'

export interface SaturationAlert {
  resource: ResourceName
  /** The sampled value that crossed the threshold. */
  value: number
  /** The level it crossed: the degraded enter level when raised, its exit level when cleared. */
  threshold: number
  state: SaturationState
}

/** Is a resource saturated, given whether it was? The degraded band with hysteresis. Pure. */
export function isSaturated (value: number, t: ResourceThresholds, wasSaturated: boolean): boolean {
  const { enter, exit } = t.degraded
  if (t.worse === 'above') return wasSaturated ? value >= exit : value >= enter
  return wasSaturated ? value <= exit : value <= enter
}

export class SaturationAlerts {
  private readonly thresholds: Record<ResourceName, ResourceThresholds>
  /** The value that raised each active alert, for the snapshot. */
  private readonly raised = new Map<ResourceName, SaturationAlert>()

  constructor (thresholds: Partial<Record<ResourceName, ResourceThresholds>> = {}) {
    this.thresholds = { ...SERVICE_MODE_THRESHOLDS, ...thresholds }
  }

  /** Feeds one sample; returns the alerts raised or cleared by it. A missing value changes nothing. */
  update (sample: ResourceSample): SaturationAlert[] {
    const changes: SaturationAlert[] = []
    for (const resource of Object.keys(this.thresholds) as ResourceName[]) {
      const value = sample[resource]
      if (value === undefined || !Number.isFinite(value)) continue
      const t = this.thresholds[resource]
      const was = this.raised.has(resource)
      const now = isSaturated(value, t, was)
      if (now && !was) {
        const alert: SaturationAlert = { resource, value, threshold: t.degraded.enter, state: 'raised' }
        this.raised.set(resource, alert)
        changes.push(alert)
      } else if (!now && was) {
        this.raised.delete(resource)
        changes.push({ resource, value, threshold: t.degraded.exit, state: 'cleared' })
      }
    }
    return changes
  }

  /** The alerts raised and not cleared, each with the value that raised it. */
  get active (): SaturationAlert[] { return [...this.raised.values()] }
}
