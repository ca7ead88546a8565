/**
 * The scenarios: each sets the network and schedules the faults of one run, from the run's
 * seeded fault stream, at times proportional to the run's length (so one scenario works for a
 * 60 s test and a 600 s benchmark). Fault times leave room for the checkers' bounds: a crashed
 * node stays down longer than `deadWithinMs`, and a heal is followed by a quiet period.
 */
import { ELECTION, type ElectionAdapter } from './sim-election.js'
import type { NetworkOptions } from './network.js'
import { bridge, isolate, majorityMinority, ring } from './partitions.js'
import type { Rng } from './random.js'
import type { Simulation } from './simulation.js'

export interface ScenarioContext {
  sim: Simulation
  rng: Rng
  durationMs: number
  /** The checkers' bound for a crash to be seen everywhere: crashed nodes stay down longer. */
  deadWithinMs: number
}

export interface Scenario {
  name: string
  summary: string
  network?: Partial<NetworkOptions>
  schedule: (ctx: ScenarioContext) => void
}

/** A seeded permutation of the nodes, so partition sides differ by seed. */
function shuffled (rng: Rng, n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) { const j = rng.int(0, i); const t = a[i]!; a[i] = a[j]!; a[j] = t }
  return a
}

/** The node holding a valid lease now, if any. */
function coordinator (sim: Simulation): number | null {
  for (const p of sim.procs) {
    const e = p.cores.get(ELECTION) as ElectionAdapter | undefined
    if (p.up && e !== undefined && e.core.role === 'coordinator' && e.core.coordinatorId === p.id) return p.index
  }
  return null
}

function partitionScenario (name: string, summary: string, shape: (n: number, order: number[], rng: Rng) => import('./partitions.js').Partition): Scenario {
  return {
    name,
    summary,
    schedule: ({ sim, rng, durationMs }) => {
      sim.at(0.2 * durationMs, () => { sim.setPartition(shape(sim.size, shuffled(rng, sim.size), rng)) })
      sim.at(0.5 * durationMs, () => { sim.heal() })
    }
  }
}

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.freeze({
  steady: {
    name: 'steady',
    summary: 'no faults: the baseline for false suspicions, coordinator stability and traffic',
    schedule: () => {}
  },
  crash: {
    name: 'crash',
    summary: 'three crashes (the second one the coordinator), each restarted after the detection bound',
    schedule: ({ sim, rng, durationMs, deadWithinMs }) => {
      const downMs = Math.max(0.2 * durationMs, deadWithinMs + 5000)
      for (const [k, frac] of [0.15, 0.35, 0.55].entries()) {
        sim.at(frac * durationMs, () => {
          const up = sim.upNodes()
          const victim = k === 1 ? (coordinator(sim) ?? rng.pick(up)) : rng.pick(up)
          sim.crash(victim)
          sim.at(sim.now + downMs, () => { sim.restart(victim) })
        })
      }
    }
  },
  partition: partitionScenario('partition', 'a clean majority/minority split at 20 % of the run, healed at 50 %', (n, order) => majorityMinority(n, order)),
  isolate: partitionScenario('isolate', 'one node cut off at 20 % of the run, healed at 50 %', (n, order) => isolate(n, order[0]!)),
  ring: partitionScenario('ring', 'overlapping majorities (five arcs, each reaching its neighbours) at 20 %, healed at 50 %', (n, order) => ring(n, order)),
  bridge: partitionScenario('bridge', 'two halves joined only through one bridge node at 20 %, healed at 50 %', (n, order) => bridge(n, order)),
  churn: {
    name: 'churn',
    summary: 'random crashes (restarted 5–40 s later), and pauses of 0.2–6 s, over a lossy, reordering network; quiet for the last 25 s',
    network: { loss: 0.002, duplicate: 0.002, reorder: 0.01 },
    schedule: ({ sim, rng, durationMs, deadWithinMs }) => {
      const n = sim.size
      const maxDown = Math.max(1, Math.min(Math.floor((n - 1) / 3), Math.ceil(n / 20)))
      const meanGapMs = Math.min(4000, Math.max(1000, 30_000 / n))
      const stopAt = durationMs - 25_000
      const next = (at: number): void => {
        if (at >= stopAt) return
        sim.at(at, () => {
          const up = sim.upNodes()
          const down = n - up.length
          const r = rng.next()
          if (r < 0.5 && down < maxDown) {
            const victim = rng.pick(up)
            sim.crash(victim)
            sim.at(Math.min(sim.now + rng.int(Math.min(5000, deadWithinMs), 40_000), stopAt), () => { sim.restart(victim) })
          } else {
            sim.pause(rng.pick(up), rng.int(200, 6000))
          }
          next(sim.now + Math.max(50, Math.round(-Math.log(1 - rng.next()) * meanGapMs)))
        })
      }
      next(5000)
    }
  },
  flaky: {
    name: 'flaky',
    summary: 'partitions of every shape, one after another (5–15 s each, 2–15 s healed between), quiet for the last 25 s',
    schedule: ({ sim, rng, durationMs }) => {
      const shapes = [
        (n: number, o: number[]) => isolate(n, o[0]!),
        (n: number, o: number[]) => majorityMinority(n, o),
        (n: number, o: number[]) => ring(n, o),
        (n: number, o: number[]) => bridge(n, o)
      ].filter((_, k) => k !== 2 || sim.size >= 5)
      const stopAt = durationMs - 25_000
      let at = 5000
      while (at < stopAt) {
        const cutFor = rng.int(5000, 15_000)
        const shape = rng.pick(shapes)
        const order = shuffled(rng, sim.size)
        sim.at(at, () => { sim.setPartition(shape(sim.size, order)) })
        sim.at(Math.min(at + cutFor, stopAt), () => { sim.heal() })
        at += cutFor + rng.int(2000, 15_000)
      }
    }
  },
  lossy: {
    name: 'lossy',
    summary: 'no process faults, a bad network: 5 % loss, 2 % duplicates, 5 % reordered by up to 50 ms',
    network: { loss: 0.05, duplicate: 0.02, reorder: 0.05 },
    schedule: () => {}
  }
})

export const SCENARIO_NAMES = Object.keys(SCENARIOS)
