/**
 * A node's side of service placement (issue 18): runs the instances the coordinator's table
 * assigns to this node under the node's agent supervisor (same probes, restarts, quarantine and
 * shedding as any agent), and stops those it no longer assigns. What runs is reported in the
 * node's health summary, from which a new coordinator rebuilds its table.
 *
 * Each instance is the agent `svc.<instance id>` with, in its environment, `KOS_SERVICE`,
 * `KOS_INSTANCE_ID`, `KOS_GENERATION` and `PORT` (a free port of `servicePortRange`, chosen at
 * random in the range and checked by binding it, so that nodes sharing a host rarely race for
 * one); `${PORT}` in its args and http probe URLs is filled in.
 *
 * Rarely is not never: two nodes on one host can check the same free port at the same moment,
 * and the instance that binds it second exits (address in use) on every restart, until its
 * restart intensity is spent and the slot stays empty. So an instance whose process exits
 * before it was ever ready moves to another free port, at most `PORT_MOVES` times; after that
 * its exits are the restart policy's alone, so a command that can never start still fails and
 * is escalated, a few starts later.
 *
 * Changes are applied one at a time, in the order tables arrive, by one serial queue.
 */
import { readdir } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { AgentSpec, ProbeSpec } from '../config/agent-spec.js'
import { reapStaleAgent } from '../healing/agent-process.js'
import type { AgentSupervisor } from '../healing/agent-supervisor.js'
import type { Assignment } from '@kos/core'
import { instanceAgentName, withPort, type ServiceSpec } from './service-spec.js'

export interface LocalInstance {
  service: string
  id: string
  generation: number
  port: number
  /** Wall-clock ms since which it runs here. */
  sinceMs: number
  /** The definition it was started with: a changed definition restarts it. */
  specJson: string
  /** Whether its process has been ready since it was defined here. */
  everReady: boolean
  /** Times it was moved to another port after exiting before it was ready. */
  portMoves: number
}

export interface InstanceRunnerDeps {
  supervisor: AgentSupervisor
  /** The current definition of a service (the desired state), or undefined if it is not defined. */
  spec: (service: string) => ServiceSpec | undefined
  portRange: { first: number, last: number }
  dataDir: string
  log: Logger
  random?: () => number
}

/**
 * Whether the coordinator will take back an instance this node runs but its table no longer
 * gives it (services/placement.ts, rule 5): the slot is still wanted, the table gives it to no
 * node or to a newer generation elsewhere, and this node is neither draining, nor outside the
 * service's selector, nor given another instance of the service.
 */
export type Adoptable = (id: string, service: string, generation: number) => boolean

/**
 * What to start and stop so that the local instances match `assigned` (pure). A ready instance
 * the coordinator will take back (`adoptable`: this node was found dead while only paused or
 * cut off, and its slot went to a newer instance elsewhere or to none) is `held`, neither
 * started nor stopped: the coordinator keeps it and stops the newer one as soon as it hears this
 * node, so the slot is never empty. Stopping it on the first table would race that decision
 * and could leave the slot with no instance at all. Any other instance not assigned goes at once.
 */
export function reconcile (
  assigned: readonly Assignment[],
  local: ReadonlyMap<string, { service?: string, generation: number, specJson: string, ready?: boolean }>,
  specJson: (service: string) => string | undefined,
  adoptable: Adoptable = () => false
): { start: Assignment[], stop: string[], held: string[] } {
  const start: Assignment[] = []
  const stop: string[] = []
  const held: string[] = []
  const wanted = new Map(assigned.map((a) => [a.id, a]))
  for (const [id, inst] of local) {
    const a = wanted.get(id)
    const json = a === undefined ? undefined : specJson(a.service)
    if (a === undefined && inst.ready === true && adoptable(id, inst.service ?? '', inst.generation)) held.push(id)
    else if (a === undefined || a.generation !== inst.generation || json === undefined || json !== inst.specJson) stop.push(id)
  }
  for (const a of assigned) {
    const inst = local.get(a.id)
    if (specJson(a.service) === undefined) continue
    if (inst === undefined || stop.includes(a.id)) start.push(a)
  }
  return { start, stop, held }
}

/** The agent spec of one instance: the service's definition with its identity and port filled in. */
export function instanceSpec (spec: ServiceSpec, a: Pick<Assignment, 'id' | 'service' | 'generation'>, port: number): AgentSpec {
  const { replicas: _r, spread: _s, nodeSelector: _n, ...agent } = spec
  const probe = (p: ProbeSpec | undefined): ProbeSpec | undefined => p === undefined ? undefined : (p.http === undefined ? p : { ...p, http: withPort(p.http, port) })
  const out: AgentSpec = {
    ...agent,
    name: instanceAgentName(a.id),
    args: agent.args.map((x) => withPort(x, port)),
    env: { ...agent.env, KOS_SERVICE: spec.name, KOS_INSTANCE_ID: a.id, KOS_GENERATION: String(a.generation), PORT: String(port) }
  }
  for (const kind of ['liveness', 'readiness', 'startup'] as const) {
    const p = probe(agent[kind])
    if (p === undefined) delete out[kind]
    else out[kind] = p
  }
  return out
}

async function portFree (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => { resolve(false) })
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => { srv.close(() => { resolve(true) }) })
  })
}

/** Tries for a free port this many times before the instance is not started (and reported missing). */
const PORT_ATTEMPTS = 32

/** Moves of one instance to another port after an exit before it was ever ready (see the header). */
const PORT_MOVES = 3

export class InstanceRunner {
  private readonly local = new Map<string, LocalInstance>()
  private held = new Set<string>()
  private queue: Promise<void> = Promise.resolve()
  private closed = false
  private readonly random: () => number

  constructor (private readonly d: InstanceRunnerDeps) {
    this.random = d.random ?? Math.random
  }

  /**
   * Kills what a previous run of this node left running: nothing is assigned to a node that has
   * just started, and the coordinator assigns afresh what it still wants here.
   */
  async start (): Promise<void> {
    const dir = join(this.d.dataDir, 'agents')
    let names: string[] = []
    try { names = await readdir(dir) } catch { return }
    for (const name of names.filter((n) => n.startsWith('svc.')).slice(0, 10_000)) {
      const pid = await reapStaleAgent(join(dir, name))
      if (pid !== null) this.d.log.warn({ agent: name, pid }, 'killed a service instance left by a previous run of this node')
    }
  }

  /**
   * Makes the local instances match what the current table assigns to this node. `adoptable`
   * is asked when the change is made (it runs after the changes queued before it).
   */
  apply (assigned: readonly Assignment[], adoptable?: Adoptable): Promise<void> {
    const snapshot = [...assigned]
    this.queue = this.queue.then(async () => { await this.reconcileNow(snapshot, adoptable) })
      .catch((err: unknown) => { this.d.log.warn({ err }, 'service instances not reconciled') })
    return this.queue
  }

  list (): LocalInstance[] { return [...this.local.values()] }

  /** The instances as the health summary reports them. */
  reports (): Array<{ service: string, id: string, generation: number, ready: boolean, state: string, sinceMs: number }> {
    return this.list().map((i) => {
      const agent = this.d.supervisor.get(instanceAgentName(i.id))?.agent
      return { service: i.service, id: i.id, generation: i.generation, ready: agent?.ready ?? false, state: agent?.state ?? 'stopped', sinceMs: i.sinceMs }
    })
  }

  /**
   * An instance's process became ready or exited (the node's event path). An exit we did not
   * ask for before the instance was ever ready may be a port taken since it was checked: the
   * instance is defined again on another free port (see the header).
   */
  onAgentEvent (e: { type: string, agent?: string, expected?: boolean }): void {
    if (e.type !== 'agent:ready' && !(e.type === 'agent:exited' && e.expected === false)) return
    const inst = [...this.local.values()].find((i) => instanceAgentName(i.id) === e.agent)
    if (inst === undefined) return
    if (e.type === 'agent:ready') { inst.everReady = true; return }
    if (inst.everReady || inst.portMoves >= PORT_MOVES) return
    inst.portMoves++
    this.queue = this.queue.then(async () => { await this.movePort(inst) })
      .catch((err: unknown) => { this.d.log.warn({ err, instance: inst.id }, 'service instance not moved to another port') })
  }

  async close (): Promise<void> {
    this.closed = true
    await this.queue
  }

  /** Instances no longer assigned here, kept for the coordinator to take back. */
  get holding (): number { return this.held.size }

  private async reconcileNow (assigned: readonly Assignment[], adoptable?: Adoptable): Promise<void> {
    if (this.closed) return
    const specJson = (service: string): string | undefined => { const s = this.d.spec(service); return s === undefined ? undefined : JSON.stringify(s) }
    const local = new Map([...this.local].map(([id, i]) => [id, { ...i, ready: this.d.supervisor.get(instanceAgentName(id))?.agent.ready ?? false }]))
    const { start, stop, held } = reconcile(assigned, local, specJson, adoptable)
    this.held = new Set(held)
    for (const id of stop) {
      this.local.delete(id)
      await this.d.supervisor.remove(instanceAgentName(id))
    }
    for (const a of start) {
      const spec = this.d.spec(a.service)
      if (spec === undefined || this.closed) continue
      const port = await this.freePort()
      if (port === undefined) { this.d.log.warn({ instance: a.id }, 'no free port in servicePortRange: instance not started'); continue }
      const name = instanceAgentName(a.id)
      if (this.d.supervisor.has(name)) await this.d.supervisor.remove(name)
      this.local.set(a.id, { service: a.service, id: a.id, generation: a.generation, port, sinceMs: Date.now(), specJson: JSON.stringify(spec), everReady: false, portMoves: 0 })
      await this.d.supervisor.define(instanceSpec(spec, a, port), 'service')
    }
  }

  private async movePort (inst: LocalInstance): Promise<void> {
    // Still the same instance (not stopped or replaced meanwhile), still never ready.
    if (this.closed || this.local.get(inst.id) !== inst || inst.everReady) return
    const spec = this.d.spec(inst.service)
    if (spec === undefined || JSON.stringify(spec) !== inst.specJson) return
    const port = await this.freePort()
    if (port === undefined || this.local.get(inst.id) !== inst) return
    this.d.log.warn({ instance: inst.id, from: inst.port, to: port, move: inst.portMoves }, 'service instance exited before it was ever ready: started again on another port')
    const name = instanceAgentName(inst.id)
    await this.d.supervisor.remove(name)
    inst.port = port
    await this.d.supervisor.define(instanceSpec(spec, inst, port), 'service')
  }

  private async freePort (): Promise<number | undefined> {
    const { first, last } = this.d.portRange
    const taken = new Set([...this.local.values()].map((i) => i.port))
    for (let i = 0; i < PORT_ATTEMPTS; i++) {
      const port = first + Math.floor(this.random() * (last - first + 1))
      if (!taken.has(port) && await portFree(port)) return port
    }
    return undefined
  }
}
