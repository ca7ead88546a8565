/**
 * The fault schedule of the seeded election simulations: one seed, one scenario. A fault phase
 * of random faults (crashes, restarts, SIGSTOP pauses, partitions of every shape, drops,
 * duplicates, spurious `peerLost` hints), then a stable phase in which a majority is connected
 * and the network is clean, in which a coordinator must appear within a bound.
 */
import { ElectionSim } from './election-sim.js'

export interface ScenarioResult {
  seed: number
  n: number
  violations: string[]
  /** Virtual ms from the start of the stable phase until the majority agreed on a coordinator; null if never. */
  convergedAfterMs: number | null
  trace: string[]
  faults: string[]
}

export const FAULT_PHASE_MS = 6000
export const LIVENESS_BOUND_MS = 5000

/** Cluster sizes cycle with the seed, so every batch of seeds covers 3, 5 and 7 nodes. */
export function sizeFor (seed: number): number { return [3, 5, 7][seed % 3]! }

function shuffled<T> (sim: ElectionSim, items: readonly T[]): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) { const j = sim.int(0, i); const t = a[i]!; a[i] = a[j]!; a[j] = t }
  return a
}

/** Applies one random fault and describes it. */
function randomFault (sim: ElectionSim): string {
  const ids = sim.ids
  const up = ids.filter((id) => sim.core(id) !== null)
  const down = ids.filter((id) => sim.core(id) === null)
  const roll = sim.random()
  if (roll < 0.12 && up.length > 0) {
    // Crash the coordinator more often than anyone else: failover is the interesting path.
    const coordinator = up.find((id) => sim.core(id)!.role === 'coordinator')
    const victim = coordinator !== undefined && sim.random() < 0.6 ? coordinator : sim.pick(up)
    sim.crash(victim, sim.random() < 0.8)
    return `crash ${victim}`
  }
  if (roll < 0.24 && down.length > 0) { const id = sim.pick(down); sim.restart(id); return `restart ${id}` }
  if (roll < 0.32 && up.length > 0) {
    const id = sim.pick(up); const ms = sim.int(100, 1500); sim.pause(id, ms); return `pause ${id} ${ms}ms`
  }
  if (roll < 0.42) { const x = sim.pick(ids); sim.setLinks(`isolate ${x}`, (a, b) => a !== x && b !== x); return `isolate ${x}` }
  if (roll < 0.54) {
    const order = shuffled(sim, ids); const k = sim.int(1, ids.length - 1); const side = new Set(order.slice(0, k))
    sim.setLinks(`split ${[...side].join(',')} | rest`, (a, b) => side.has(a) === side.has(b))
    return `split ${k}/${ids.length - k}`
  }
  if (roll < 0.62) {
    // Overlapping majorities: each node reaches its ring neighbours within `d`, a quorum with itself.
    const order = shuffled(sim, ids); const pos = new Map(order.map((id, i) => [id, i]))
    const d = Math.ceil((sim.quorum - 1) / 2); const n = ids.length
    sim.setLinks(`ring ${order.join(',')} d=${d}`, (a, b) => { const g = Math.abs(pos.get(a)! - pos.get(b)!); return Math.min(g, n - g) <= d })
    return 'ring'
  }
  if (roll < 0.70) {
    // A bridge: two halves that only the bridge node connects.
    const order = shuffled(sim, ids); const bridge = order[0]!; const left = new Set(order.slice(1, 1 + Math.floor((ids.length - 1) / 2)))
    sim.setLinks(`bridge ${bridge} between ${[...left].join(',')} | rest`, (a, b) => a === bridge || b === bridge || left.has(a) === left.has(b))
    return `bridge ${bridge}`
  }
  if (roll < 0.78) { sim.heal(); return 'heal' }
  if (roll < 0.84 && sim.clock.now() >= sim.configSettledAt) {
    // One voter-set change at a time: remove one member (a crashed one if any), or add it back.
    const missing = ids.filter((id) => !sim.voterIds.includes(id))
    if (missing.length > 0) { sim.changeVoters(ids, 300); return `add voter ${missing[0]!}` }
    const gone = down.length > 0 ? sim.pick(down) : sim.pick(ids)
    sim.changeVoters(ids.filter((id) => id !== gone), 300)
    return `remove voter ${gone}`
  }
  if (roll < 0.90) {
    sim.net.dropRate = sim.pick([0, 0.05, 0.2, 0.5]); sim.net.dupRate = sim.pick([0, 0.05, 0.2])
    sim.net.delayMaxMs = sim.pick([30, 30, 100, 300])
    return `net drop=${sim.net.dropRate} dup=${sim.net.dupRate} delay<=${sim.net.delayMaxMs}`
  }
  // A benign disconnect: some follower's transport says the coordinator is gone while it is not.
  const coordinator = up.find((id) => sim.core(id)!.role === 'coordinator')
  const hinted = up.filter((id) => id !== coordinator)
  if (coordinator === undefined || hinted.length === 0) return 'nothing'
  const at = sim.pick(hinted)
  sim.peerLost(at, coordinator)
  return `spurious peerLost(${coordinator}) at ${at}`
}

/** Runs one seed: faults, then a stable majority, checking the invariants all along. */
export function runScenario (seed: number): ScenarioResult {
  const n = sizeFor(seed)
  const sim = new ElectionSim(seed, n)
  const faults: string[] = []
  sim.run(sim.int(0, 1500))
  const end = sim.clock.now() + FAULT_PHASE_MS
  while (sim.clock.now() < end && sim.violations.length === 0) {
    faults.push(`${sim.clock.now()}: ${randomFault(sim)}`)
    sim.run(sim.int(50, 800))
  }
  if (sim.violations.length > 0) return { seed, n, violations: [...sim.violations], convergedAfterMs: null, trace: sim.recentTrace, faults }
  // Stable phase: a clean network, a connected majority; up to a minority stays crashed or cut off;
  // a voter removed during the faults is added back (after the previous change settled).
  sim.net.dropRate = 0; sim.net.dupRate = 0; sim.net.delayMaxMs = 30
  if (sim.voterIds.length < n) {
    sim.run(Math.max(0, sim.configSettledAt - sim.clock.now()) + 10)
    sim.changeVoters(sim.ids, 0)
    sim.run(10)
  }
  const away = new Set(shuffled(sim, sim.ids).slice(0, sim.int(0, n - sim.quorum)))
  const cutOff = new Set([...away].filter(() => sim.random() < 0.5))
  for (const id of sim.ids) {
    if (!away.has(id)) { sim.restart(id); sim.resume(id) }
    else if (!cutOff.has(id)) sim.crash(id)
  }
  sim.setLinks(`stable: majority connected; crashed ${[...away].filter((id) => !cutOff.has(id)).join(',')}; cut off ${[...cutOff].join(',')}`,
    (a, b) => !cutOff.has(a) && !cutOff.has(b))
  faults.push(`${sim.clock.now()}: stable (away: ${[...away].join(',') || 'none'})`)
  const majority = sim.ids.filter((id) => !away.has(id))
  const start = sim.clock.now()
  const converged = sim.run(LIVENESS_BOUND_MS, () => sim.agreedCoordinator(majority) !== null)
  const convergedAfterMs = converged ? sim.clock.now() - start : null
  // Keep checking safety for a while after convergence, too.
  sim.run(1000)
  return { seed, n, violations: [...sim.violations], convergedAfterMs, trace: sim.recentTrace, faults }
}
