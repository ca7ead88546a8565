/**
 * Observing the coordinator election from outside, over GET /v1/coordinator:
 * - `agreedCoordinator`: do all these nodes name one coordinator in one term?
 * - `CoordinatorWatch`: polls every node continuously and records each (term → coordinator) it
 *   reports, so a test can check election safety (at most one coordinator per term)
 *   across everything that happened, faults included.
 * A node reports a coordinator only while it holds (or, as a follower, trusts) its lease, and
 * reports its own term with it in one answer, so two peer ids named for one term, by any nodes at
 * any times, are two coordinators of that term.
 */
import type { KosProcess } from './kos-process.js'
import { NodePollLoops } from './node-poll-loops.js'
import type { CoordinatorView } from './views.js'

/** The last six characters of a peer id: enough to tell a test's nodes apart in messages. */
export function shortId (peerId: string | null): string {
  return peerId === null ? 'none' : peerId.slice(-6)
}

/** `name: coordinator@term` per node, for assertion messages. */
export function describeViews (views: ReadonlyMap<KosProcess, CoordinatorView | Error>, names: (id: string | null) => string = shortId): string {
  return [...views].map(([n, v]) => v instanceof Error
    ? `${n.name}: ${v.message}`
    : `${n.name}: ${names(v.peerId)}@t${v.term} lease ${v.leaseRemainingMs} ms voters ${v.voters.length} v${v.votersVersion}`).join('; ')
}

export interface Agreement {
  /** The coordinator every node names. */
  peerId: string
  term: number
  views: Map<KosProcess, CoordinatorView>
}

/**
 * Fetches every node's /v1/coordinator at once and throws unless all name the same non-null
 * coordinator in the same term (and `check`, if given, holds for each view). For `poll`.
 */
export async function agreedCoordinator (
  nodes: readonly KosProcess[],
  check: (view: CoordinatorView, node: KosProcess) => string | undefined = () => undefined
): Promise<Agreement> {
  const answers = await Promise.all(nodes.map(async (n) => await n.coordinator().catch((err: Error) => err)))
  const views = new Map<KosProcess, CoordinatorView | Error>(nodes.map((n, i) => [n, answers[i]!]))
  const byId = new Map(nodes.map((n) => [n.peerId, n.name]))
  const names = (id: string | null): string => id === null ? 'none' : byId.get(id) ?? shortId(id)
  const fail = (why: string): never => { throw new Error(`${why}; views: ${describeViews(views, names)}`) }
  const first = answers[0]
  if (first === undefined) fail('no nodes given')
  for (const [n, v] of views) {
    if (v instanceof Error) fail(`${n.name} did not answer`)
    const view = v as CoordinatorView
    if (view.peerId === null) fail(`${n.name} knows no coordinator`)
    const why = check(view, n)
    if (why !== undefined) fail(`${n.name}: ${why}`)
  }
  const ok = answers as CoordinatorView[]
  if (new Set(ok.map((v) => v.peerId)).size !== 1) fail('the nodes name different coordinators')
  if (new Set(ok.map((v) => v.term)).size !== 1) fail('the nodes are in different terms')
  return { peerId: ok[0]!.peerId!, term: ok[0]!.term, views: new Map(nodes.map((n, i) => [n, ok[i]!])) }
}

/** One answer of one node's /v1/coordinator, as the watcher saw it. */
export interface CoordinatorObservation {
  node: string
  nodePeerId: string
  /** performance.now() when the request was sent and when the answer arrived. */
  sentAtMs: number
  atMs: number
  term: number
  peerId: string | null
  leaseRemainingMs: number
}

/**
 * Polls /v1/coordinator on every node, each on its own loop (a stopped node only delays its own
 * loop, by the request deadline), and keeps every answer. Nodes that are not running are skipped
 * until they are again, so one watch can span kills and restarts.
 */
export class CoordinatorWatch {
  readonly observations: CoordinatorObservation[] = []
  private readonly loops: NodePollLoops

  constructor (nodes: readonly KosProcess[], intervalMs = 100) {
    this.loops = new NodePollLoops(nodes, intervalMs, async (node) => {
      if (!node.running) return
      const sentAtMs = performance.now()
      const v = await node.coordinator()
      this.observations.push({ node: node.name, nodePeerId: node.peerId, sentAtMs, atMs: performance.now(), term: v.term, peerId: v.peerId, leaseRemainingMs: v.leaseRemainingMs })
    })
  }

  /** Requests that failed (timeouts of a stopped node, refusals of a killed one). */
  get failures (): number { return this.loops.failures }

  start (): this {
    this.loops.start()
    return this
  }

  /** Stops polling and waits for requests in flight (at most the harness's request deadline). */
  async stop (): Promise<void> { await this.loops.stop() }

  /** Term → the peer ids any node named as coordinator in it. */
  coordinatorsByTerm (since = 0): Map<number, Set<string>> {
    const terms = new Map<number, Set<string>>()
    for (const o of this.observations) {
      if (o.peerId === null || o.atMs < since) continue
      const set = terms.get(o.term) ?? new Set<string>()
      set.add(o.peerId)
      terms.set(o.term, set)
    }
    return terms
  }

  /** The terms in which two or more peers were named coordinator, with who named whom. */
  conflicts (since = 0): Array<{ term: number, coordinators: string[], namedBy: string[] }> {
    const out: Array<{ term: number, coordinators: string[], namedBy: string[] }> = []
    for (const [term, ids] of this.coordinatorsByTerm(since)) {
      if (ids.size < 2) continue
      const namedBy = [...new Set(this.observations.filter((o) => o.term === term && o.peerId !== null && o.atMs >= since)
        .map((o) => `${o.node}→${shortId(o.peerId)}`))]
      out.push({ term, coordinators: [...ids], namedBy })
    }
    return out
  }

  /** Answers in which a node named itself coordinator with lease left. */
  selfClaims (since = 0): CoordinatorObservation[] {
    return this.observations.filter((o) => o.atMs >= since && o.peerId === o.nodePeerId && o.leaseRemainingMs > 0)
  }

  /** `term: coordinator(s)` over the whole watch, for diagnostics. */
  summary (names: (id: string) => string = shortId): string {
    return [...this.coordinatorsByTerm()].sort((a, b) => a[0] - b[0])
      .map(([term, ids]) => `t${term}: ${[...ids].map(names).join(' & ')}`).join(', ')
  }
}
