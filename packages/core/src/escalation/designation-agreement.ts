/**
 * A node given no designation of authorities learns the cluster's by asking the alive members.
 * Trusting the first answer would let any one admitted peer name itself the Junzi for good (the
 * answer is pinned), so an answer is adopted only when a strict majority of the members asked
 * gave that same designation. Pure: answers in, a designation or nothing out.
 */
import type { Authorities } from './authorities.js'

/** The designation as a comparable key: role lists are sets, so their order does not matter. */
function keyOf (a: Authorities): string {
  return JSON.stringify([[...a.junzi].sort(), [...a.archon].sort()])
}

export function sameDesignation (a: Authorities, b: Authorities): boolean {
  return keyOf(a) === keyOf(b)
}

/**
 * The designation a strict majority of the `asked` members answered, or undefined. Members that
 * answered nothing, failed, or know no designation count as asked and against every answer.
 */
export function agreedDesignation (answers: readonly Authorities[], asked: number): Authorities | undefined {
  const votes = new Map<string, { a: Authorities, n: number }>()
  for (const a of answers) {
    if (a.junzi.length + a.archon.length === 0) continue
    const k = keyOf(a)
    const v = votes.get(k)
    if (v === undefined) votes.set(k, { a, n: 1 })
    else v.n++
  }
  for (const v of votes.values()) if (v.n * 2 > asked) return v.a
  return undefined
}
