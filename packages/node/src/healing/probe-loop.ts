/**
 * The timer that runs an agent's probes (issue 6): one timeout at the probe state's next due
 * time, each due run started with its deadline, each result fed back. Results of runs started
 * before the last stop (the process was killed, paused or replaced since) are dropped.
 */
import type { Clock } from '@kos/detect'
import type { ProbeSpec } from '../config/agent-spec.js'
import type { ProbeKind, ProbeOutcome, ProbeState, ProbeTransition } from '@kos/core'
import { runProbe, type ProbeResult } from './probe-runner.js'

export interface ProbeReport { outcome: ProbeOutcome | 'inconclusive', detail: string, at: string }

/**
 * How the loop tells this node's own stall from the agent's: the membership's local-health
 * hold-back (a tick ran late recently), and how late a run's result may be handled past its
 * deadline before the lateness is ours (a timeout fires on time unless our loop is blocked).
 */
export interface OwnStall { recently: () => boolean, thresholdMs: number }

export class ProbeLoop {
  private timer: NodeJS.Timeout | undefined
  /** Bumped by stop(): a run's result counts only in the generation that started it. */
  private generation = 0
  private running = false
  /** The last result of each kind, for the API. */
  readonly last: Partial<Record<ProbeKind, ProbeReport>> = {}

  constructor (
    private readonly state: ProbeState,
    private readonly specs: Partial<Record<ProbeKind, ProbeSpec>>,
    private readonly env: Record<string, string>,
    private readonly clock: Clock,
    private readonly onTransitions: (t: ProbeTransition[]) => void,
    private readonly ownStall: OwnStall,
    /** The I/O of one run; a seam for tests. */
    private readonly run: (spec: ProbeSpec, env: Record<string, string>) => Promise<ProbeResult> = runProbe
  ) {}

  /** Runs the probes from now on (after the probe state was told the process started). */
  start (): void {
    this.running = true
    this.schedule()
  }

  stop (): void {
    this.running = false
    this.generation++
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule (): void {
    clearTimeout(this.timer)
    const at = this.state.nextWakeAt()
    if (at === null || !this.running) return
    this.timer = setTimeout(() => { this.runDue() }, Math.max(0, at - this.clock.now()))
  }

  private runDue (): void {
    const generation = this.generation
    for (const run of this.state.due()) {
      void this.run(this.specs[run.kind]!, this.env).then((r) => {
        if (generation !== this.generation) return
        const late = this.clock.now() - run.deadlineAt > this.ownStall.thresholdMs
        if (r.outcome !== 'success' && (late || this.ownStall.recently())) {
          this.last[run.kind] = { outcome: 'inconclusive', detail: `${r.detail}; not counted: this node's own event loop stalled`, at: new Date().toISOString() }
          this.state.onInconclusive(run.kind)
        } else {
          this.last[run.kind] = { outcome: r.outcome, detail: r.detail, at: new Date().toISOString() }
          this.onTransitions(this.state.onResult(run.kind, r.outcome))
        }
        this.schedule()
      })
    }
    this.schedule()
  }
}
