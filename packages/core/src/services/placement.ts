/**
 * Where each service instance runs (issue 18): a pure function from what the coordinator knows
 * (the members, the desired services, what the nodes report running, and its own table of this
 * term) to its next table of assignments and the changes that make it. No clock, no I/O: the
 * same code runs in unit tests, in the simulator and on the coordinator (placement-coordinator.ts).
 *
 * The rules, in order, per service and per slot (an instance id is `<service>-<slot>`, stable;
 * its generation grows each time the slot is given to a node anew):
 * 1. Keep what the table already assigns, while its node is present (alive or suspect) and still
 *    matches the selector. A node only suspected keeps its instances: moving them on a suspicion
 *    would start a duplicate whenever the suspicion is refuted.
 * 2. A slot the table does not cover (a new coordinator starts with an empty table) adopts what a
 *    present node reports running for it: a ready instance first, then the highest generation.
 *    So a new coordinator rebuilds from the nodes, not from memory, and moves nothing.
 * 3. A slot still empty goes to an eligible node (alive, mode normal, not draining, matching the
 *    selector) holding no instance of the service, with the fewest instances; under
 *    `spread: zone`, a node of a zone the service does not use yet first.
 * 4. Make-before-break for a draining node: its instance gets a successor elsewhere (same id,
 *    next generation) and is dropped only once the successor is reported ready.
 * 5. An older instance of a slot reported ready by a present node outside the table (its node
 *    came back from a pause or a partition) replaces the table's newer one when that one is the
 *    excess (also ready) or not ready yet: exactly the newer one is stopped, once, and the slot
 *    is never empty. Not onto a draining or unselected node, nor one holding another instance.
 * Invariants (test/services-placement.test.ts checks them with fast-check): never two instances of one service
 * on one node; never more slots than `replicas`, and never more than one successor per slot;
 * nothing on a node that is not present; a new instance only on an eligible node.
 */

export interface PlacementMember {
  id: string
  name: string
  /** Alive or suspect: its instances are kept. Dead, left or unknown: they are placed elsewhere. */
  present: boolean
  /** May take a new instance: alive, in mode normal, not draining. */
  eligible: boolean
  draining: boolean
  role: string
  zone: string | null
}

export interface ServiceDemand {
  name: string
  replicas: number
  spread: 'node' | 'zone'
  nodeSelector?: { roles?: readonly string[] | undefined, zones?: readonly string[] | undefined } | undefined
}

export interface Assignment {
  service: string
  /** `<service>-<slot>`. */
  id: string
  slot: number
  generation: number
  node: string
}

export interface ReportedInstance {
  service: string
  id: string
  generation: number
  node: string
  ready: boolean
}

export interface PlacementInput {
  members: readonly PlacementMember[]
  services: readonly ServiceDemand[]
  reports: readonly ReportedInstance[]
  /** The coordinator's table of this term; empty for a new coordinator. */
  table: readonly Assignment[]
  /** The highest generation known per instance id (older tables, reports), so generations only grow. */
  generations: ReadonlyMap<string, number>
}

export type PlacementChange =
  /** A slot that had no instance got one. */
  | { type: 'placed', assignment: Assignment }
  /** A slot whose node went away (dead, left, no longer selected) got a new one. */
  | { type: 'replaced', assignment: Assignment, from: string }
  /** A draining node's instance got its successor (the old one stays until it is ready). */
  | { type: 'drain-moving', assignment: Assignment, from: string }
  /** An assignment was dropped: service removed, fewer replicas, successor ready, drain undone, node gone. */
  | { type: 'stopped', assignment: Assignment, reason: string }

export interface PlacementPlan {
  table: Assignment[]
  changes: PlacementChange[]
}

/** The slot of an instance id, or -1 if `id` is not `<service>-<slot>`. */
export function slotOf (service: string, id: string): number {
  if (!id.startsWith(`${service}-`)) return -1
  const rest = id.slice(service.length + 1)
  return /^(0|[1-9][0-9]{0,3})$/.test(rest) ? Number(rest) : -1
}

function selected (m: PlacementMember, s: ServiceDemand): boolean {
  const sel = s.nodeSelector
  if (sel === undefined) return true
  if (sel.roles !== undefined && !sel.roles.includes(m.role)) return false
  if (sel.zones !== undefined && (m.zone === null || !sel.zones.includes(m.zone))) return false
  return true
}

function byGenerationDesc (a: { generation: number }, b: { generation: number }): number { return b.generation - a.generation }

export function plan (input: PlacementInput): PlacementPlan {
  const members = new Map(input.members.map((m) => [m.id, m]))
  const services = [...input.services].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  const wanted = new Map(services.map((s) => [s.name, s]))
  const changes: PlacementChange[] = []
  const table: Assignment[] = []
  const load = new Map<string, number>()
  const addLoad = (node: string): void => { load.set(node, (load.get(node) ?? 0) + 1) }
  const readyReported = new Set(input.reports.filter((r) => r.ready).map((r) => `${r.node}/${r.id}/${r.generation}`))
  const isReady = (a: Assignment): boolean => readyReported.has(`${a.node}/${a.id}/${a.generation}`)
  const generations = new Map(input.generations)
  const seeGeneration = (id: string, g: number): void => { if (g > (generations.get(id) ?? 0)) generations.set(id, g) }
  for (const a of input.table) seeGeneration(a.id, a.generation)
  for (const r of input.reports) seeGeneration(r.id, r.generation)
  const nextGeneration = (id: string): number => {
    const g = (generations.get(id) ?? 0) + 1
    generations.set(id, g)
    return g
  }

  // Assignments of services no longer wanted are stopped.
  for (const a of input.table) {
    if (!wanted.has(a.service)) changes.push({ type: 'stopped', assignment: a, reason: 'service removed' })
  }

  // Pass 1: what stays (rules 1, 2 and the end of 4), per service. `gone` remembers, per slot,
  // the node that lost it, so that its new instance is a re-placement.
  const perService = new Map<string, { used: Set<string>, slots: Map<number, Assignment[]>, gone: Map<number, string> }>()
  for (const s of services) {
    const used = new Set<string>()
    const slots = new Map<number, Assignment[]>()
    const gone = new Map<number, string>()
    perService.set(s.name, { used, slots, gone })
    const own = input.table.filter((a) => a.service === s.name)
    for (const a of own) {
      if (a.slot >= s.replicas) changes.push({ type: 'stopped', assignment: a, reason: `replicas lowered to ${s.replicas}` })
    }
    for (let slot = 0; slot < s.replicas; slot++) {
      const entries = own.filter((a) => a.slot === slot).sort(byGenerationDesc)
      let keep: Assignment[] = []
      for (const a of entries) {
        const m = members.get(a.node)
        // Its node is gone: nothing to stop there; the new instance is its re-placement.
        if (m === undefined || !m.present) { gone.set(slot, a.node); continue }
        if (!selected(m, s)) { gone.set(slot, a.node); changes.push({ type: 'stopped', assignment: a, reason: 'node no longer selected' }); continue }
        if (used.has(a.node) || keep.length === 2) { changes.push({ type: 'stopped', assignment: a, reason: 'duplicate' }); continue }
        keep.push(a)
        used.add(a.node)
      }
      if (keep.length === 2) {
        // A drain in progress: [successor, old] by generation. The old one goes once the
        // successor is ready, or at once if its node no longer drains (the successor goes then).
        const [successor, old] = keep as [Assignment, Assignment]
        if (isReady(successor)) {
          keep = [successor]
          used.delete(old.node)
          changes.push({ type: 'stopped', assignment: old, reason: 'drained: its successor is ready' })
        } else if (members.get(old.node)?.draining !== true) {
          keep = [old]
          used.delete(successor.node)
          changes.push({ type: 'stopped', assignment: successor, reason: 'drain undone' })
        }
      }
      if (keep.length === 1) {
        // Rule 5: an older instance of this slot is back (its node was found dead while only
        // paused or cut off, and returned): keep it and stop the newer one, which is the excess
        // if both are ready, and not yet a survivor if only the older one is. Its node runs it
        // already, and holds it for this (instance-runner.ts), so no slot is ever left empty.
        const current = keep[0]!
        const currentReady = isReady(current)
        const back = input.reports
          .filter((r) => r.service === s.name && r.id === current.id && r.ready && r.node !== current.node && (!currentReady || r.generation < current.generation))
          .filter((r) => {
            const m = members.get(r.node)
            return m !== undefined && m.present && !m.draining && selected(m, s) && !used.has(r.node) && !own.some((a) => a.node === r.node)
          })
          .sort((a, b) => a.generation - b.generation || (a.node < b.node ? -1 : 1))[0]
        if (back !== undefined) {
          changes.push({ type: 'stopped', assignment: current, reason: currentReady ? 'excess: an older instance of its slot is back and ready' : 'an older instance of its slot is back and ready before it' })
          used.delete(current.node)
          keep = [{ service: s.name, id: current.id, slot, generation: back.generation, node: back.node }]
          used.add(back.node)
        }
      }
      if (keep.length === 0) {
        const id = `${s.name}-${slot}`
        const candidates = input.reports
          .filter((r) => r.service === s.name && r.id === id && !used.has(r.node))
          .filter((r) => { const m = members.get(r.node); return m !== undefined && m.present && selected(m, s) })
          .sort((a, b) => Number(b.ready) - Number(a.ready) || b.generation - a.generation || (a.node < b.node ? -1 : 1))
        const adopt = candidates[0]
        if (adopt !== undefined) {
          keep = [{ service: s.name, id, slot, generation: adopt.generation, node: adopt.node }]
          used.add(adopt.node)
        }
      }
      if (keep.length > 0) slots.set(slot, keep)
      for (const a of keep) addLoad(a.node)
    }
  }

  // Pass 2: empty slots and drain successors (rules 3 and 4), once the load of what stays is known.
  for (const s of services) {
    const { used, slots, gone } = perService.get(s.name)!
    const zonesUsed = (): Set<string> => {
      const z = new Set<string>()
      for (const node of used) { const zone = members.get(node)?.zone; if (zone != null) z.add(zone) }
      return z
    }
    const pick = (): PlacementMember | undefined => {
      const zones = zonesUsed()
      let best: PlacementMember | undefined
      let bestKey: [number, number, string] | undefined
      for (const m of members.values()) {
        if (!m.eligible || m.draining || !m.present || used.has(m.id) || !selected(m, s)) continue
        const zonePenalty = s.spread === 'zone' && m.zone !== null && zones.has(m.zone) ? 1 : (s.spread === 'zone' && m.zone === null ? 1 : 0)
        const key: [number, number, string] = [zonePenalty, load.get(m.id) ?? 0, m.id]
        if (bestKey === undefined || key[0] < bestKey[0] || (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] < bestKey[2])))) {
          best = m
          bestKey = key
        }
      }
      return best
    }
    for (let slot = 0; slot < s.replicas; slot++) {
      const id = `${s.name}-${slot}`
      const keep = slots.get(slot) ?? []
      if (keep.length === 0) {
        const m = pick()
        if (m === undefined) continue
        const a: Assignment = { service: s.name, id, slot, generation: nextGeneration(id), node: m.id }
        used.add(m.id)
        addLoad(m.id)
        slots.set(slot, [a])
        const from = gone.get(slot)
        changes.push(from === undefined ? { type: 'placed', assignment: a } : { type: 'replaced', assignment: a, from })
      } else if (keep.length === 1 && members.get(keep[0]!.node)?.draining === true) {
        const m = pick()
        if (m === undefined) continue
        const a: Assignment = { service: s.name, id, slot, generation: nextGeneration(id), node: m.id }
        used.add(m.id)
        addLoad(m.id)
        slots.set(slot, [a, keep[0]!])
        changes.push({ type: 'drain-moving', assignment: a, from: keep[0]!.node })
      }
    }
    for (const entries of slots.values()) table.push(...entries)
  }
  table.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : a.generation - b.generation)
  return { table, changes }
}

/** Whether two tables assign the same instances to the same nodes. */
export function sameTable (a: readonly Assignment[], b: readonly Assignment[]): boolean {
  if (a.length !== b.length) return false
  const key = (x: Assignment): string => `${x.id}/${x.generation}/${x.node}`
  const keys = new Set(a.map(key))
  return b.every((x) => keys.has(key(x)))
}
