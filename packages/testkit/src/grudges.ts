/**
 * Partition shapes for the chaos runs ("grudges": which hosts refuse to hear which): pure functions
 * from an ordering of hosts to the links to cut. The caller shuffles the hosts with its seeded
 * random, so a seed replays the same shape; `IptablesPartition.cutLinks` applies the result.
 *
 * - `isolate`: the first host alone, the rest together.
 * - `split`: a minority (the first ⌊(n−1)/2⌋) against the majority.
 * - `bridge`: two halves that cannot see each other, and one host in the middle that sees both;
 *   each half with the bridge is a majority when n is odd, so two "majorities" share one node.
 * - `ring`: the hosts on a ring, each seeing only its nearest neighbours on both sides, just
 *   enough to make a majority; every host sees a majority, and no two see the same one. A
 *   leader elected by one majority is unreachable from hosts its followers can still reach.
 */
import type { Link } from './partition.js'

/** Links cut between every host of `a` and every host of `b`. */
export function complete (a: readonly string[], b: readonly string[]): Link[] {
  return a.flatMap((x) => b.map((y): Link => [x, y]))
}

/** The first host cut off from all the others. */
export function isolate (hosts: readonly string[]): Link[] {
  return complete(hosts.slice(0, 1), hosts.slice(1))
}

/** The first ⌊(n−1)/2⌋ hosts (a minority) cut off from the rest (a majority). */
export function split (hosts: readonly string[]): Link[] {
  const cut = Math.floor((hosts.length - 1) / 2)
  return complete(hosts.slice(0, cut), hosts.slice(cut))
}

/**
 * Two halves that cannot see each other, bridged by the middle host, which sees everyone:
 * hosts[0 … m−1] | hosts[m] | hosts[m+1 …], with m = ⌊(n−1)/2⌋.
 */
export function bridge (hosts: readonly string[]): Link[] {
  const m = Math.floor((hosts.length - 1) / 2)
  return complete(hosts.slice(0, m), hosts.slice(m + 1))
}

/**
 * Overlapping majorities: host i keeps its links to the k hosts on each side of it on the ring,
 * with k the smallest reach that gives it a majority (2k + 1 ≥ ⌊n/2⌋ + 1), and loses the rest.
 * Cuts nothing for n ≤ 3, where every host is a neighbour of every other.
 */
export function ring (hosts: readonly string[]): Link[] {
  const n = hosts.length
  const k = Math.ceil(Math.floor(n / 2) / 2)
  const links: Link[] = []
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const distance = Math.min(j - i, n - (j - i))
      if (distance > k) links.push([hosts[i]!, hosts[j]!])
    }
  }
  return links
}

/** Who each host still reaches (itself included) once `links` are cut: for checks and logs. */
export function reachable (hosts: readonly string[], links: readonly Link[]): Map<string, Set<string>> {
  const cut = new Set(links.flatMap(([a, b]) => [`${a}|${b}`, `${b}|${a}`]))
  return new Map(hosts.map((h) => [h, new Set(hosts.filter((o) => o === h || !cut.has(`${h}|${o}`)))]))
}
