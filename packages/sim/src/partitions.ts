/**
 * Partitions of the usual shapes (isolate, majority/minority, ring, bridge), as a small group
 * graph: every node belongs to one group, and two nodes are linked when their groups are. Nodes of
 * one group always reach each other. Keeping the cut at group level makes a 1,000-node partition a
 * handful of booleans, and gossip reachability (relays through a third group) a tiny BFS.
 */

export interface Partition {
  /** A short human label for reports and traces, e.g. "split 3|4". */
  label: string
  /** Node index → group index. */
  groupOf: Int32Array
  /** linked[g][h]: whether groups g and h reach each other; symmetric, true on the diagonal. */
  linked: boolean[][]
}

function build (label: string, n: number, groups: number[][], links: Array<[number, number]>): Partition {
  const groupOf = new Int32Array(n).fill(-1)
  groups.forEach((members, g) => { for (const i of members) groupOf[i] = g })
  if (groupOf.some((g) => g < 0)) throw new RangeError(`partition ${label}: every node needs a group`)
  const linked = groups.map((_, g) => groups.map((__, h) => g === h))
  for (const [g, h] of links) { linked[g]![h] = true; linked[h]![g] = true }
  return { label, groupOf, linked }
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i)

/** Everyone reaches everyone. */
export function fullyConnected (n: number): Partition {
  return build('none', n, [range(0, n)], [])
}

/** One node cut off from all others. */
export function isolate (n: number, node: number): Partition {
  return build(`isolate n${node}`, n, [range(0, n).filter((i) => i !== node), [node]], [])
}

/**
 * A clean majority/minority split: `order` (a permutation of the nodes, so the sides are random
 * but seeded) is cut after floor((n - 1) / 2) nodes, the minority.
 */
export function majorityMinority (n: number, order: readonly number[]): Partition {
  const k = Math.floor((n - 1) / 2)
  return build(`split ${n - k}|${k}`, n, [order.slice(k), order.slice(0, k)], [])
}

/**
 * Overlapping majorities: the nodes in five arcs around a ring, each arc linked to itself and its
 * two neighbours, so every node reaches 3 of 5 arcs (a majority), a different majority for each
 * arc, and no two non-adjacent arcs talk directly. Needs n >= 5.
 */
export function ring (n: number, order: readonly number[]): Partition {
  if (n < 5) throw new RangeError('a ring partition needs at least 5 nodes')
  const arcs = range(0, 5).map((a) => order.slice(Math.floor(a * n / 5), Math.floor((a + 1) * n / 5)))
  return build(`ring ${arcs.map((a) => a.length).join('|')}`, n, arcs, range(0, 5).map((a) => [a, (a + 1) % 5] as [number, number]))
}

/**
 * The bridge: two halves that cannot reach each other, and one node (`order[0]`) that reaches
 * both. Each half plus the bridge is a majority.
 */
export function bridge (n: number, order: readonly number[]): Partition {
  if (n < 3) throw new RangeError('a bridge partition needs at least 3 nodes')
  const rest = order.slice(1)
  const half = Math.floor(rest.length / 2)
  return build(`bridge n${order[0]!} ${half}|${rest.length - half}`, n, [rest.slice(0, half), rest.slice(half), [order[0]!]], [[0, 2], [1, 2]])
}

/** Whether nodes a and b reach each other under `p`. */
export function linkedIn (p: Partition, a: number, b: number): boolean {
  return p.linked[p.groupOf[a]!]![p.groupOf[b]!]!
}
